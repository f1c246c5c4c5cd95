"""The one sitemap registry: each app ships its own sitemaps; the project lists them here."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from cooperation.sitemaps import CooperationCardSitemap, CooperationPageSitemap
from meetings.sitemaps import MeetingSitemap
from members.sitemaps import MemberSitemap
from recommendations.sitemaps import RecommendationPageSitemap, RecommendationSitemap
from stories.sitemaps import StorySitemap


class PageSitemap(Sitemap):
    changefreq = "weekly"
    i18n = True
    alternates = True

    def items(self) -> list[str]:
        return ["home", "stories:story_list", "members:member_list", "meetings:meeting_list"]

    def location(self, name: str) -> str:
        return reverse(name)


SITEMAPS = {
    "pages": PageSitemap,
    "stories": StorySitemap,
    "members": MemberSitemap,
    "meetings": MeetingSitemap,
    "recommendation-pages": RecommendationPageSitemap,
    "recommendations": RecommendationSitemap,
    "cooperation-pages": CooperationPageSitemap,
    "cooperation": CooperationCardSitemap,
}
