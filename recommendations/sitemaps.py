"""The recommendations' part of the sitemap (the registry is coalition/sitemaps.py)."""

from functools import cached_property

from django.urls import reverse

from core.sitemaps import LanguageSitemap, NamedPagesSitemap
from recommendations.filters import public_recommendations
from recommendations.models import Recommendation

_PK = "918273645"  # stands for a recommendation's number while its address is reversed


class RecommendationPageSitemap(NamedPagesSitemap):
    """The list of recommendations and the replication page."""

    changefreq = "weekly"
    names = ("recommendations:recommendation_list", "replication:index")


class RecommendationSitemap(LanguageSitemap):
    """The pages of recommendations to members that a published story answers: the others, most of the
    imported rows, have nothing of the initiative's own to offer a search engine."""

    changefreq = "monthly"
    lastmod_field = "updated_at"

    def items(self):
        return public_recommendations().answered().only("pk", "updated_at").order_by("pk")

    @cached_property
    def _around_pk(self) -> tuple[str, str]:
        # Reversed once for the page rather than once for each of its 1,000 recommendations.
        before, after = reverse("recommendations:recommendation_detail", args=[_PK]).split(_PK)
        return before, after

    def location(self, recommendation: Recommendation) -> str:
        before, after = self._around_pk
        return f"{before}{recommendation.pk}{after}"
