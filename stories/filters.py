"""The gallery's filters, shared by the gallery, the feed and the open-data API."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.query_filters import usable_filterset
from core.translations import direction
from core.widgets import FastSelect
from members.models import Member
from stories import search
from stories.models import SdgTarget, Story, Theme


def member_choices() -> list[tuple[str, str]]:
    return [(m.iso.lower(), m.name) for m in Member.objects.public().sorted_by_name()]


def theme_choices() -> list[tuple[str, str]]:
    return [(t.slug, t.label) for t in Theme.objects.priorities()]


def sdg_choices() -> list[tuple[str, str]]:
    return [(str(t.sdg_number), str(t)) for t in Theme.objects.sdgs()]


# The targets only change with a data migration; an hour is a bound, not a need.
TARGET_CHOICES_TIMEOUT = 3600


def _target_options() -> dict:
    """The 169 SDG targets by goal as option groups ("SDG 16: Peace, ..." then "16.3 Promote the rule of law
    ..."), in the page's language where the data has it, with the language of each label; cached per
    language (two queries otherwise)."""
    language = get_language() or "en"
    cache_key = f"stories:target-options:{language}"
    options = cache.get(cache_key)
    if options is None:
        goals = {theme.sdg_number: str(theme) for theme in Theme.objects.sdgs()}
        grouped: dict[int, list[tuple[str, str]]] = {}
        languages: dict[str, str] = {}
        for target in SdgTarget.objects.order_by("goal", "position"):
            title, languages[target.code] = target.title_in(language)
            grouped.setdefault(target.goal, []).append(
                (target.code, f"{target.code} {Truncator(title).chars(90)}")
            )
        options = {
            "choices": [(goals.get(goal, f"SDG {goal}"), group) for goal, group in grouped.items()],
            "languages": languages,
        }
        cache.set(cache_key, options, timeout=TARGET_CHOICES_TIMEOUT)
    return options


def target_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return _target_options()["choices"]


class TargetSelect(FastSelect):
    """A select of SDG targets whose options say their language when it is not the page's (the official
    titles are not in every UN language yet: English stands in, marked as such)."""

    languages: dict[str, str] = {}

    def get_context(self, name, value, attrs) -> dict:
        self.languages = _target_options()["languages"]  # once per rendering, not once per option
        return super().get_context(name, value, attrs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None) -> dict:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        language = self.languages.get(str(value))
        if language and language != (get_language() or "en"):
            option["attrs"]["lang"] = language
            option["attrs"]["dir"] = direction(language)
        return option


def year_choices() -> list[tuple[str, str]]:
    """The years in which published stories' policies started, newest first."""
    return [(str(year), str(year)) for year in policy_years()]


# PostgreSQL has no skip scan: DISTINCT reads every published story. This walks the (status, policy_year)
# index instead, one probe per distinct year (about 30 probes, whatever the number of stories).
_POLICY_YEARS_SQL = """
WITH RECURSIVE years(year) AS (
    (SELECT policy_year FROM stories_story
     WHERE status = %(status)s AND policy_year IS NOT NULL ORDER BY policy_year DESC LIMIT 1)
    UNION ALL
    SELECT (SELECT policy_year FROM stories_story
            WHERE status = %(status)s AND policy_year < years.year ORDER BY policy_year DESC LIMIT 1)
    FROM years WHERE years.year IS NOT NULL
)
SELECT year FROM years WHERE year IS NOT NULL
"""


def policy_years() -> list[int]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_POLICY_YEARS_SQL, {"status": Story.Status.PUBLISHED})
            return [row[0] for row in cursor.fetchall()]
    return list(
        Story.objects.published()
        .exclude(policy_year=None)
        .order_by("-policy_year")
        .values_list("policy_year", flat=True)
        .distinct()
    )


# Ranking reads every match's whole search vector: "best match" ranks the newest this many matches (plus one,
# so that a count stopping at this many can still tell there are more). The gallery pages no further anyway.
MATCH_LIMIT = 1000

SORT_CHOICES = [("newest", _("Newest first")), ("oldest", _("Oldest first")), ("relevance", _("Best match"))]


class StoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Words"), method="filter_words", widget=forms.TextInput(attrs={"type": "search"})
    )
    # Each empty choice says what choosing nothing means ("Any member"), never django-filter's "---------".
    member = django_filters.ChoiceFilter(
        label=_("Member"),
        choices=member_choices,
        method="filter_member",
        widget=FastSelect,
        empty_label=_("Any member"),
    )
    region = django_filters.ChoiceFilter(
        label=_("UN regional group"),
        choices=Member.RegionalGroup.choices,
        field_name="member__regional_group",
        empty_label=_("Any region"),
    )
    theme = django_filters.ChoiceFilter(
        label=_("Theme"), choices=theme_choices, field_name="themes__slug", empty_label=_("Any theme")
    )
    sdg = django_filters.ChoiceFilter(
        label=_("SDG"), choices=sdg_choices, method="filter_sdg", empty_label=_("Any SDG")
    )
    target = django_filters.ChoiceFilter(
        label=_("SDG target"),
        choices=target_choices,
        field_name="sdg_targets__code",
        widget=TargetSelect,
        empty_label=_("Any SDG target"),
    )
    year = django_filters.ChoiceFilter(
        label=_("Year the policy started"),
        choices=year_choices,
        field_name="policy_year",
        empty_label=_("Any year"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Order"), choices=SORT_CHOICES, method="sort_results", empty_label=None
    )

    class Meta:
        model = Story
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.shortened_query = False

    def filter_member(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(member__country=value.upper())

    def filter_sdg(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(themes__kind=Theme.Kind.SDG, themes__sdg_number=int(value))

    def filter_words(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text, self.shortened_query = search.clean_query(value)
        return search.search(queryset, text, get_language() or "en")

    def sort_results(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied last, in `qs`, once the words are known

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        sort = data.get("sort") or "newest"
        if sort == "relevance" and data.get("q"):
            newest = queryset.order_by("-published_at", "-pk").values("pk")[: MATCH_LIMIT + 1]
            return queryset.filter(pk__in=newest).order_by("-rank", "-published_at", "-pk")
        if sort == "oldest":
            return queryset.order_by("published_at", "pk")
        return queryset.order_by("-published_at", "-pk")

    @property
    def searching(self) -> bool:
        return bool(self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("q"))


def filtered_stories(params, queryset: QuerySet | None = None) -> tuple[StoryFilter, list[str]]:
    """The filter for these query parameters, and the names of the parameters it could not use."""
    queryset = Story.objects.published() if queryset is None else queryset
    return usable_filterset(StoryFilter, params, queryset)


def labels(filterset: StoryFilter, names: list[str]) -> list[str]:
    return [str(filterset.form.fields[name].label) for name in names]
