"""The meetings' part of the sitemap (the registry is coalition/sitemaps.py)."""

from django.contrib.sitemaps import Sitemap

from meetings.models import Meeting


class MeetingSitemap(Sitemap):
    """Every meeting page, cancelled ones included (their page says so), in each language."""

    changefreq = "weekly"
    i18n = True
    alternates = True

    def items(self):
        return list(Meeting.objects.only("slug", "updated_at").order_by("starts_at", "pk"))

    def lastmod(self, meeting: Meeting):
        return meeting.updated_at

    def location(self, meeting: Meeting) -> str:
        return meeting.get_absolute_url()
