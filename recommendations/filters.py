"""The recommendations list's filters, shared by the list and the open-data API."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from core.public_cache import key, serving_from_cache
from core.query_filters import usable_filterset
from core.widgets import FastSelect
from members.models import Member
from recommendations import search
from recommendations.models import TREATY_BODIES, UPR_BODY, Mechanism, Recommendation, Response
from stories.filters import TargetSelect, member_choices, sdg_choices, theme_choices
from stories.filters import target_choices as story_target_choices
from stories.models import Theme

# UPR cycles run four and a half years each: the first began in 2008, the fourth in 2022.
UPR_CYCLES = range(1, 6)

ANSWERED_CHOICES = [("yes", _("Answered by a published story")), ("no", _("Not answered yet"))]


def public_recommendations() -> QuerySet:
    """Recommendations the public sees: those addressed to current and former members."""
    # The search vector is only read by PostgreSQL: loading it would carry it to Python for nothing.
    return Recommendation.objects.filter(country__in=Member.objects.public().values("country")).defer(
        "search_vector"
    )


# PostgreSQL has no skip scan: DISTINCT would read every Special Procedures recommendation. This walks the
# (mechanism, body) index instead, one probe per mandate (a few dozen, whatever the number of rows).
_MANDATES_SQL = """
WITH RECURSIVE bodies(body) AS (
    (SELECT body FROM recommendations_recommendation WHERE mechanism = %(mechanism)s ORDER BY body LIMIT 1)
    UNION ALL
    SELECT (SELECT body FROM recommendations_recommendation
            WHERE mechanism = %(mechanism)s AND body > bodies.body ORDER BY body LIMIT 1)
    FROM bodies WHERE bodies.body IS NOT NULL
)
SELECT body FROM bodies WHERE body IS NOT NULL
"""


def _mandates() -> list[str]:
    """The mandates that made recommendations (to any state: the menu may name one with no public row)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_MANDATES_SQL, {"mechanism": Mechanism.SPECIAL_PROCEDURES})
            return [row[0] for row in cursor.fetchall()]
    return list(
        Recommendation.objects.filter(mechanism=Mechanism.SPECIAL_PROCEDURES)
        .order_by("body")
        .values_list("body", flat=True)
        .distinct()
    )


def special_procedures_mandates() -> list[str]:
    """The Special Procedures mandates that made recommendations to members, cached per generation: the
    menu is built on every page and the list changes only when recommendations are imported."""
    cache_key = key("recommendation-mandates")
    mandates = cache.get(cache_key) if serving_from_cache() else None
    if mandates is None:
        mandates = _mandates()
        if serving_from_cache():
            cache.set(cache_key, mandates, timeout=600)
    return mandates


def body_choices() -> list[tuple[str, str]]:
    return [
        (UPR_BODY, _("Universal Periodic Review")),
        *((code, label) for code, label in TREATY_BODIES.items()),
        *((mandate, mandate) for mandate in special_procedures_mandates()),
    ]


class BodySelect(FastSelect):
    """The bodies' menu: a Special Procedures mandate is named as UHRI's export names it, in English, and
    says so (the UPR and the treaty bodies are named in the page's language)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None) -> dict:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value and value != UPR_BODY and value not in TREATY_BODIES:
            option["attrs"].update(lang="en", dir="ltr")
        return option


def cycle_choices() -> list[tuple[str, str]]:
    return [(str(cycle), _("Cycle %(number)s") % {"number": cycle}) for cycle in UPR_CYCLES]


class RecommendationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Words"),
        method="filter_words",
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("In the text, the document symbol or the paragraph."),
    )
    # Each empty choice says what choosing nothing means ("Any member"), never django-filter's "---------".
    member = django_filters.ChoiceFilter(
        label=_("Addressed to"),
        choices=member_choices,
        method="filter_member",
        widget=FastSelect,
        empty_label=_("Any member"),
    )
    mechanism = django_filters.ChoiceFilter(
        label=_("Mechanism"), choices=Mechanism.choices, empty_label=_("Any mechanism")
    )
    body = django_filters.ChoiceFilter(
        label=_("Body"), choices=body_choices, widget=BodySelect, empty_label=_("Any body")
    )
    cycle = django_filters.ChoiceFilter(
        label=_("UPR cycle"), choices=cycle_choices, field_name="upr_cycle", empty_label=_("Any cycle")
    )
    response = django_filters.ChoiceFilter(
        label=_("The state's response"), choices=Response.choices, empty_label=_("Any response")
    )
    theme = django_filters.ChoiceFilter(
        label=_("Theme"), choices=theme_choices, method="filter_theme", empty_label=_("Any theme")
    )
    sdg = django_filters.ChoiceFilter(
        label=_("SDG"), choices=sdg_choices, method="filter_sdg", empty_label=_("Any SDG")
    )
    target = django_filters.ChoiceFilter(
        # The gallery's menu: grouped by goal, cached per language, each title marked with its language.
        label=_("SDG target"),
        choices=story_target_choices,
        method="filter_target",
        widget=TargetSelect,
        empty_label=_("Any SDG target"),
    )
    answered = django_filters.ChoiceFilter(
        label=_("Answered by a story"),
        choices=ANSWERED_CHOICES,
        method="filter_answered",
        empty_label=_("Answered or not"),
    )

    class Meta:
        model = Recommendation
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.shortened_query = False

    def filter_member(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(country=value.upper())

    # Many-to-many conditions as EXISTS: a join would repeat a recommendation tagged twice.
    def filter_theme(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        themes = Recommendation.themes.through.objects.filter(
            recommendation=OuterRef("pk"), theme__slug=value
        )
        return queryset.filter(Exists(themes))

    def filter_sdg(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        goal = int(value)
        themes = Recommendation.themes.through.objects.filter(
            recommendation=OuterRef("pk"), theme__kind=Theme.Kind.SDG, theme__sdg_number=goal
        )
        targets = Recommendation.sdg_targets.through.objects.filter(
            recommendation=OuterRef("pk"), sdgtarget__goal=goal
        )
        return queryset.filter(Exists(themes) | Exists(targets))

    def filter_target(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        targets = Recommendation.sdg_targets.through.objects.filter(
            recommendation=OuterRef("pk"), sdgtarget__code=value
        )
        return queryset.filter(Exists(targets))

    def filter_answered(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.answered() if value == "yes" else queryset.not_answered()

    def filter_words(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text, self.shortened_query = search.clean_query(value)
        return search.search(queryset, text)

    @property
    def qs(self) -> QuerySet:
        # Newest first, in the order of the (published_on, id) index.
        return super().qs.order_by("-published_on", "-pk")

    @property
    def searching(self) -> bool:
        return bool(self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("q"))

    def active(self) -> list[tuple[str, str, str]]:
        """The filters in use: (parameter, label, the value as the menu shows it)."""
        if not (self.is_bound and self.form.is_valid()):
            return []
        chosen = []
        for name, value in self.form.cleaned_data.items():
            if not value:
                continue
            field = self.form.fields[name]
            shown = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
            chosen.append((name, str(field.label), str(shown)))
        return chosen


def filtered_recommendations(
    params, queryset: QuerySet | None = None
) -> tuple[RecommendationFilter, list[str]]:
    """The filter for these query parameters, and the names of the parameters it could not use."""
    queryset = public_recommendations() if queryset is None else queryset
    return usable_filterset(RecommendationFilter, params, queryset)


def labels(filterset: RecommendationFilter, names: list[str]) -> list[str]:
    return [str(filterset.form.fields[name].label) for name in names]
