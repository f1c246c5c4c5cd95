"""Open data of recommendations to members: paginated JSON and capped CSV, with the filters of the list.
Fields are documented in docs/api.md and described in /api/openapi.json from RECOMMENDATION_SCHEMA and
CSV_FIELDS below.

No personal data: recommendations are addressed to states by UN bodies; the stories answering them are named
by id and address only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.http import require_safe

from core.open_data import live_csv, narrows, open_data_response, paginated_json
from core.public_cache import cache_public_page, public_page
from recommendations.filters import filtered_recommendations
from recommendations.models import Citation, Mechanism, Recommendation, Response
from stories.models import Story

CSV_FIELDS = [
    "id",
    "url",
    "member_iso",
    "member_name",
    "mechanism",
    "body",
    "symbol",
    "paragraph",
    "upr_cycle",
    "session",
    "recommending_states",
    "response",
    "published_on",
    "text",
    "language",
    "themes",
    "sdg_goals",
    "sdg_targets",
    "affected_groups",
    "uhri_id",
    "uhri_url",
    "answered_by",
]

_STRINGS = {"type": "array", "items": {"type": "string"}}
_NULLABLE_STRING = {"type": ["string", "null"]}

# One recommendation of the JSON, as JSON Schema (OpenAPI 3.1). A test holds it to recommendation_record.
RECOMMENDATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string", "format": "uri"},
        "member": {
            "type": "object",
            "properties": {"iso": {"type": "string"}, "name": {"type": "string"}},
            "required": ["iso", "name"],
        },
        "mechanism": {"type": "string", "enum": [choice.value for choice in Mechanism]},
        "body": {"type": "string"},
        "symbol": {"type": "string"},
        "paragraph": _NULLABLE_STRING,
        "upr_cycle": {"type": ["integer", "null"]},
        "session": _NULLABLE_STRING,
        "recommending_states": _STRINGS,
        "response": {"type": ["string", "null"], "enum": [*(choice.value for choice in Response), None]},
        "published_on": {"type": ["string", "null"], "format": "date"},
        "text": {"type": "string", "description": "in the language given by `language`"},
        "language": {"type": "string", "description": "a language code: en, fr, es, ar, zh-hans, ru"},
        "themes": _STRINGS,
        "sdg_goals": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 17}},
        "sdg_targets": _STRINGS,
        "affected_groups": _STRINGS,
        "uhri_id": _NULLABLE_STRING,
        "uhri_url": {"type": ["string", "null"], "format": "uri"},
        "answered_by": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "url": {"type": "string", "format": "uri"}},
                "required": ["id", "url"],
            },
        },
    },
}
RECOMMENDATION_SCHEMA["required"] = list(RECOMMENDATION_SCHEMA["properties"])


def with_relations(queryset: QuerySet) -> QuerySet:
    """Everything a recommendation's record shows, in a fixed number of queries (per 500 rows for the CSV)."""
    answers = (
        Citation.objects.filter(story__status=Story.Status.PUBLISHED)
        .select_related("story")
        .only("recommendation_id", "story__slug", "story__status")
        .order_by("story_id")
    )
    return queryset.prefetch_related(
        "themes",
        "sdg_targets",
        Prefetch("citations", queryset=answers, to_attr="published_citations"),
    )


def api_queryset(params):
    filterset, ignored = filtered_recommendations(params)
    return with_relations(filterset.qs), ignored


def recommendation_record(rec: Recommendation, request: HttpRequest) -> dict[str, Any]:
    themes = list(rec.themes.all())
    targets = list(rec.sdg_targets.all())
    goals = {t.sdg_number for t in themes if t.kind == "sdg"} | {t.goal for t in targets}
    return {
        "id": rec.pk,
        "url": request.build_absolute_uri(rec.get_absolute_url()),
        "member": {"iso": rec.country.code, "name": str(rec.country.name)},
        "mechanism": rec.mechanism,
        "body": rec.body,
        "symbol": rec.symbol,
        "paragraph": rec.paragraph or None,
        "upr_cycle": rec.upr_cycle,
        "session": rec.session or None,
        "recommending_states": list(rec.recommending_states or []),
        "response": rec.response or None,
        "published_on": rec.published_on.isoformat() if rec.published_on else None,
        "text": rec.text,
        "language": rec.language,
        "themes": [t.slug for t in themes if t.kind == "priority"],
        "sdg_goals": sorted(goals),
        "sdg_targets": [t.code for t in targets],
        "affected_groups": list(rec.affected_groups or []),
        "uhri_id": rec.uhri_id,
        "uhri_url": rec.uhri_url or None,
        "answered_by": [
            {"id": c.story_id, "url": request.build_absolute_uri(c.story.get_absolute_url())}
            for c in rec.published_citations
        ],
    }


@open_data_response
@require_safe
@cache_public_page()
def recommendations_json(request: HttpRequest) -> JsonResponse:
    queryset, ignored = api_queryset(request.GET)
    return paginated_json(request, queryset, recommendation_record, ignored=ignored)


def csv_row(record: dict[str, Any]) -> list[Any]:
    """A recommendation's record as the cells of CSV_FIELDS (also written by the releases)."""
    return [
        record["id"],
        record["url"],
        record["member"]["iso"],
        record["member"]["name"],
        record["mechanism"],
        record["body"],
        record["symbol"],
        record["paragraph"] or "",
        record["upr_cycle"] or "",
        record["session"] or "",
        "; ".join(map(str, record["recommending_states"])),
        record["response"] or "",
        record["published_on"] or "",
        record["text"],
        record["language"],
        " ".join(record["themes"]),
        " ".join(map(str, record["sdg_goals"])),
        " ".join(record["sdg_targets"]),
        "; ".join(map(str, record["affected_groups"])),
        record["uhri_id"] or "",
        record["uhri_url"] or "",
        " ".join(answer["url"] for answer in record["answered_by"]),
    ]


@open_data_response
@require_safe
@public_page
def recommendations_csv(request: HttpRequest) -> HttpResponseBase:
    filterset, _ignored = filtered_recommendations(request.GET)
    return live_csv(
        request,
        dataset="recommendations",
        queryset=with_relations(filterset.qs),
        narrowed=narrows(filterset),
        header=CSV_FIELDS,
        row=lambda rec: csv_row(recommendation_record(rec, request)),
        filename="un-recommendations",
    )
