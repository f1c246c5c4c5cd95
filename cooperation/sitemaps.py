"""Cooperation's part of the sitemap (the registry is coalition/sitemaps.py): the published cards only, and
the list of them. A member's card is absent until it publishes it, and gone when it withdraws it."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from cooperation.models import CooperationRecord
from cooperation.publishing import published_records


class CooperationCardSitemap(Sitemap):
    changefreq = "monthly"
    i18n = True
    alternates = True

    def items(self):
        return list(published_records().select_related("member").order_by("member__country"))

    def lastmod(self, record: CooperationRecord):
        return record.card_published_at

    def location(self, record: CooperationRecord) -> str:
        return reverse("cooperation_card:card_detail", kwargs={"iso": record.member.iso.lower()})


class CooperationPageSitemap(Sitemap):
    changefreq = "weekly"
    i18n = True
    alternates = True

    def items(self) -> list[str]:
        return ["cooperation:card_list"]

    def location(self, name: str) -> str:
        return reverse(name)
