"""The recommendations' part of the sitemap (the registry is coalition/sitemaps.py)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from recommendations.filters import public_recommendations
from recommendations.models import Recommendation


class RecommendationPageSitemap(Sitemap):
    """The list of recommendations and the replication page."""

    changefreq = "weekly"
    i18n = True
    alternates = True

    def items(self) -> list[str]:
        return ["recommendations:recommendation_list", "replication:index"]

    def location(self, name: str) -> str:
        return reverse(name)


class RecommendationSitemap(Sitemap):
    """The pages of recommendations to members that a published story answers: the others, most of the
    imported rows, have nothing of the initiative's own to offer a search engine."""

    changefreq = "monthly"
    i18n = True
    alternates = True
    limit = 1000

    def items(self):
        return public_recommendations().answered().only("pk", "updated_at").order_by("pk")

    def lastmod(self, rec: Recommendation):
        return rec.updated_at
