"""Cooperation's part of the sitemap (the registry is coalition/sitemaps.py): the published cards only, and
the list of them. A member's card is absent until it publishes it, and gone when it withdraws it."""

from django.urls import reverse

from cooperation.models import CooperationRecord
from cooperation.publishing import published_records
from core.sitemaps import LanguageSitemap, NamedPagesSitemap


class CooperationCardSitemap(LanguageSitemap):
    changefreq = "monthly"
    lastmod_field = "card_published_at"

    def items(self):
        return published_records().select_related("member").order_by("member__country", "pk")

    def location(self, record: CooperationRecord) -> str:
        return reverse("cooperation_card:card_detail", kwargs={"iso": record.member.iso.lower()})


class CooperationPageSitemap(NamedPagesSitemap):
    changefreq = "weekly"
    names = ("cooperation:card_list",)
