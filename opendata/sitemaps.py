"""The releases' part of the sitemap (the registry is coalition/sitemaps.py): the list of releases and each
published release's page."""

from django.urls import reverse

from core.sitemaps import LanguageSitemap, NamedPagesSitemap
from opendata.models import Release


class ReleaseSitemap(LanguageSitemap):
    changefreq = "never"  # a release never changes
    lastmod_field = "created_at"

    def items(self):
        return Release.objects.published().order_by("created_at", "pk")

    def location(self, release: Release) -> str:
        return reverse("opendata:release_detail", kwargs={"slug": release.slug})


class ReleasePageSitemap(NamedPagesSitemap):
    changefreq = "daily"
    names = ("opendata:release_list",)
