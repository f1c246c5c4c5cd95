"""Open data of published stories: paginated JSON and streamed CSV. Fields are documented in docs/api.md.

No personal data: no author, no email, no names of people; the member (a state or organisation) is named.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import storages
from django.db.models import Prefetch
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from core.csv_safety import Echo, neutralise
from core.open_data import paginated_json
from core.public_cache import cache_public_page, public_page
from stories.filters import filtered_stories
from stories.inspirations import INSPIRED_BY_LOOKUPS
from stories.models import Story, StoryImage

CSV_FIELDS = [
    "id",
    "slug",
    "url",
    "title",
    "summary",
    "language",
    "member_iso",
    "member_name",
    "regional_group",
    "policy_year",
    "themes",
    "sdgs",
    "published_at",
    "updated_at",
    "video_url",
    "source_url",
    "image_urls",
    "sdg_targets",
    "recommendation_ids",
    "inspired_by_ids",
]


def api_queryset(params):
    filterset, ignored = filtered_stories(params)
    queryset = filterset.qs.select_related("member").prefetch_related(
        "themes",
        "sdg_targets",
        # Kept by the recommendations app (above this one): reached through the relations only. A citation
        # carries its recommendation's id, mechanism, symbol and paragraph: the recommendation is not loaded.
        "citations",
        *INSPIRED_BY_LOOKUPS,
        Prefetch("images", queryset=StoryImage.objects.shown_publicly().order_by("order", "pk")),
    )
    return queryset, ignored


def story_record(story: Story, request: HttpRequest) -> dict[str, Any]:
    media = storages["default"]
    themes = list(story.themes.all())
    return {
        "id": story.pk,
        "slug": story.slug,
        "url": request.build_absolute_uri(story.get_absolute_url()),
        "title": story.title,
        "summary": story.summary,
        "body_markdown": story.body,
        "language": story.language,
        "member": {
            "iso": story.member.iso,
            "name": story.member.name,
            "regional_group": story.member.regional_group or None,
        },
        "policy_year": story.policy_year,
        "themes": [t.slug for t in themes if t.kind == "priority"],
        "sdgs": sorted(t.sdg_number for t in themes if t.kind == "sdg"),
        "published_at": story.published_at.isoformat() if story.published_at else None,
        "updated_at": story.updated_at.isoformat(),
        "video_url": story.video_url or None,
        "source_url": story.source_url or None,
        "recommendations": [
            {
                "id": c.recommendation_id,
                "mechanism": c.mechanism,
                "reference": c.reference,
                "url": c.url or None,
            }
            for c in story.citations.all()
        ],
        "sdg_targets": [target.code for target in story.sdg_targets.all()],
        "inspired_by": [
            {
                "id": link.source_id,
                "url": request.build_absolute_uri(link.source.get_absolute_url()),
                "member_iso": link.source.member.iso,
                "confirmed_on": link.decided_at.date().isoformat(),
            }
            for link in story.confirmed_inspired_by
        ],
        "images": [
            {
                "alt_text": image.alt_text,
                "caption": image.caption,
                "credit": image.credit,
                "renditions": [
                    {
                        "width": int(width),
                        "height": entry["height"],
                        "webp": request.build_absolute_uri(media.url(entry["webp"])),
                        "jpeg": request.build_absolute_uri(media.url(entry["jpeg"])),
                    }
                    for width, entry in sorted(image.renditions.items(), key=lambda item: int(item[0]))
                ],
            }
            for image in story.images.all()
        ],
    }


@login_not_required
@require_safe
@cache_public_page()
def stories_json(request: HttpRequest) -> JsonResponse:
    queryset, ignored = api_queryset(request.GET)
    return paginated_json(request, queryset, story_record, ignored=ignored)


def _csv_rows(queryset, request: HttpRequest) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield "\ufeff"  # so spreadsheet programs read UTF-8
    yield writer.writerow(CSV_FIELDS)
    for story in queryset.iterator(chunk_size=500):
        record = story_record(story, request)
        row = [
            record["id"],
            record["slug"],
            record["url"],
            record["title"],
            record["summary"],
            record["language"],
            record["member"]["iso"],
            record["member"]["name"],
            record["member"]["regional_group"] or "",
            record["policy_year"] or "",
            " ".join(record["themes"]),
            " ".join(map(str, record["sdgs"])),
            record["published_at"] or "",
            record["updated_at"],
            record["video_url"] or "",
            record["source_url"] or "",
            " ".join(r["jpeg"] for image in record["images"] for r in image["renditions"][-1:]),
            " ".join(record["sdg_targets"]),
            " ".join(str(r["id"]) for r in record["recommendations"] if r["id"] is not None),
            " ".join(str(link["id"]) for link in record["inspired_by"]),
        ]
        yield writer.writerow([neutralise(value) for value in row])


@login_not_required
@require_safe
@public_page
def stories_csv(request: HttpRequest) -> StreamingHttpResponse:
    queryset, _ignored = api_queryset(request.GET)
    response = StreamingHttpResponse(_csv_rows(queryset, request), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="good-stories.csv"'
    return response
