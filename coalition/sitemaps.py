"""The one sitemap registry: each app ships its own sitemaps; the project lists them here.

Every section lists each page in the six languages, each address with the six as alternates plus
`x-default` (core/sitemaps.py).
"""

from cooperation.sitemaps import CooperationCardSitemap, CooperationPageSitemap
from core.sitemaps import NamedPagesSitemap
from meetings.sitemaps import MeetingSitemap
from members.sitemaps import MemberSitemap
from opendata.sitemaps import ReleasePageSitemap, ReleaseSitemap
from recommendations.sitemaps import RecommendationPageSitemap, RecommendationSitemap
from stories.sitemaps import StorySitemap


class PageSitemap(NamedPagesSitemap):
    changefreq = "weekly"
    names = (
        "home",
        "stories:story_list",
        "members:member_list",
        "meetings:meeting_list",
        "declaration:index",
    )


SITEMAPS = {
    "pages": PageSitemap,
    "stories": StorySitemap,
    "members": MemberSitemap,
    "meetings": MeetingSitemap,
    "recommendation-pages": RecommendationPageSitemap,
    "recommendations": RecommendationSitemap,
    "cooperation-pages": CooperationPageSitemap,
    "cooperation": CooperationCardSitemap,
    "data-pages": ReleasePageSitemap,
    "data": ReleaseSitemap,
}
