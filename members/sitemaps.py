"""The members' part of the sitemap (the registry is coalition/sitemaps.py)."""

from core.sitemaps import LanguageSitemap
from members.models import Member


class MemberSitemap(LanguageSitemap):
    """The page of every member the public sees, in each language."""

    changefreq = "monthly"

    def items(self):
        return Member.objects.public().only("country").order_by("pk")
