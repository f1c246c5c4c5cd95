"""The meetings' part of the sitemap (the registry is coalition/sitemaps.py)."""

from core.sitemaps import LanguageSitemap
from meetings.models import Meeting


class MeetingSitemap(LanguageSitemap):
    """Every meeting page, cancelled ones included (their page says so), in each language."""

    changefreq = "weekly"
    lastmod_field = "updated_at"

    def items(self):
        return Meeting.objects.only("slug", "updated_at").order_by("starts_at", "pk")
