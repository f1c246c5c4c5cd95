"""Open data of recommendations to members: paginated JSON and streamed CSV, with the filters of the list.
Fields are documented in docs/api.md.

No personal data: recommendations are addressed to states by UN bodies; the stories answering them are named
by id and address only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from core.csv_safety import Echo, neutralise
from core.open_data import paginated_json
from core.public_cache import cache_public_page, public_page
from recommendations.filters import filtered_recommendations
from recommendations.models import Citation, Recommendation
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


def api_queryset(params):
    filterset, ignored = filtered_recommendations(params)
    answers = (
        Citation.objects.filter(story__status=Story.Status.PUBLISHED)
        .select_related("story")
        .only("recommendation_id", "story__slug", "story__status")
        .order_by("story_id")
    )
    queryset = filterset.qs.prefetch_related(
        "themes",
        "sdg_targets",
        Prefetch("citations", queryset=answers, to_attr="published_citations"),
    )
    return queryset, ignored


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


@login_not_required
@require_safe
@cache_public_page()
def recommendations_json(request: HttpRequest) -> JsonResponse:
    queryset, ignored = api_queryset(request.GET)
    return paginated_json(request, queryset, recommendation_record, ignored=ignored)


def _csv_rows(queryset, request: HttpRequest) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield "\ufeff"  # so spreadsheet programs read UTF-8
    yield writer.writerow(CSV_FIELDS)
    for rec in queryset.iterator(chunk_size=500):
        record = recommendation_record(rec, request)
        row = [
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
        yield writer.writerow([neutralise(value) for value in row])


@login_not_required
@require_safe
@public_page
def recommendations_csv(request: HttpRequest) -> StreamingHttpResponse:
    queryset, _ignored = api_queryset(request.GET)
    response = StreamingHttpResponse(_csv_rows(queryset, request), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="un-recommendations.csv"'
    return response
