"""Sitemaps that list every page in each interface language, each address with all of them as alternates.

Each app's `sitemaps.py` subclasses `LanguageSitemap`; coalition/sitemaps.py lists them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import LocalePrefixPattern, get_script_prefix, reverse
from django.utils import translation

X_DEFAULT = "x-default"


def language_prefixes() -> dict[str, str]:
    """Each interface language's address prefix ("/fr/"), as `i18n_patterns` writes it."""
    pattern = LocalePrefixPattern()
    prefixes = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefixes[code] = get_script_prefix() + pattern.language_prefix
    return prefixes


class LanguageSitemap(Sitemap):
    """Every item once in each language of settings.LANGUAGES, each address with the six as alternates plus
    `x-default`: the address without a language, which sends each visitor to their own language.

    Django's own i18n sitemaps (`i18n = True`) list the (item, language) pairs of every item before taking
    a page of them, and reverse each address once per language and twice more for every pair: 48 reversals
    per item in six languages, all items read for every page. Here a page is `limit` items, each listed in
    every language; it reads only those, in one query, and reverses each item's address once, in the
    default language: the others differ only by their prefix, as the portal's URL patterns are not
    translated (tests/coalition/test_sitemap_languages.py compares every address with Django's own).

    `items()` returns an ordered queryset; `location(item)` the item's address in the active language;
    `lastmod_field` names the field that dates each item, which the index also asks the database for.
    """

    i18n = False  # the languages are listed here, not by Django's pairs
    limit = 1000  # items a sitemap page, each in every language: 6,000 addresses, under the protocol's 50,000
    lastmod_field: str | None = None

    def items(self) -> QuerySet:
        raise NotImplementedError

    def lastmod(self, item: Any) -> datetime.datetime | None:
        return getattr(item, self.lastmod_field) if self.lastmod_field else None

    def get_latest_lastmod(self) -> datetime.datetime | None:
        if not self.lastmod_field:
            return None
        items = self.items()
        return items.aggregate(latest=Max(self.lastmod_field))["latest"]

    def get_urls(self, page: int | str = 1, site=None, protocol=None) -> list[dict[str, Any]]:
        base = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        prefixes = language_prefixes()
        default = prefixes[settings.LANGUAGE_CODE]
        unprefixed = get_script_prefix()
        urls: list[dict[str, Any]] = []
        latest, every_item_dated = None, True
        with translation.override(settings.LANGUAGE_CODE):
            for item in self.paginator.page(page).object_list:
                path = self.location(item)
                if not path.startswith(default):
                    raise ValueError(f"{path} is not under the language prefix {default}")
                rest = path.removeprefix(default)
                alternates = [
                    {"location": f"{base}{prefix}{rest}", "lang_code": code}
                    for code, prefix in prefixes.items()
                ]
                links = [*alternates, {"location": f"{base}{unprefixed}{rest}", "lang_code": X_DEFAULT}]
                lastmod = self.lastmod(item)
                if lastmod is None:
                    every_item_dated = False
                elif latest is None or lastmod > latest:
                    latest = lastmod
                changefreq = self._get("changefreq", item)
                priority = self._get("priority", item)
                urls += [
                    {
                        "item": item,
                        "location": alternate["location"],
                        "lastmod": lastmod,
                        "changefreq": changefreq,
                        "priority": "" if priority is None else str(priority),
                        "alternates": links,
                    }
                    for alternate in alternates
                ]
        if every_item_dated and latest is not None:
            self.latest_lastmod = latest  # the section's Last-Modified header
        return urls


class NamedPagesSitemap(LanguageSitemap):
    """Pages without an object of their own (a list, an index), by URL name; `items()` lists the names."""

    names: Iterable[str] = ()

    def items(self) -> list[str]:  # a handful of names: no query
        return list(self.names)

    def location(self, name: str) -> str:
        return reverse(name)
