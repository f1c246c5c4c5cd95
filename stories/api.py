"""Open data of published stories: paginated JSON and capped CSV. Fields are documented in docs/api.md and
described in /api/openapi.json (coalition/openapi.py) from STORY_SCHEMA and CSV_FIELDS below.

No personal data: no author, no email, no names of people; the member (a state or organisation) is named.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import storages
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.http import require_safe

from core.open_data import live_csv, narrows, open_data_response, paginated_json
from core.public_cache import cache_public_page, public_page
from stories.filters import filtered_stories
from stories.inspirations import INSPIRED_BY_LOOKUPS
from stories.models import Story, StoryImage, StoryTranslation

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
    "translation_languages",
]

LANGUAGE = {"type": "string", "description": "a language code: en, fr, es, ar, zh-hans, ru"}
_URL = {"type": "string", "format": "uri"}
_NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}

# One story of the JSON, as JSON Schema (OpenAPI 3.1). A test holds it to what story_record gives.
STORY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        "url": _URL,
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "body_markdown": {"type": "string"},
        "language": LANGUAGE,
        "member": {
            "type": "object",
            "properties": {
                "iso": {"type": "string"},
                "name": {"type": "string"},
                "regional_group": {"type": ["string", "null"]},
            },
            "required": ["iso", "name", "regional_group"],
        },
        "policy_year": {"type": ["integer", "null"]},
        "themes": {"type": "array", "items": {"type": "string"}},
        "sdgs": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 17}},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "video_url": _NULLABLE_URL,
        "source_url": _NULLABLE_URL,
        "recommendations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": ["integer", "null"]},
                    "mechanism": {"type": "string"},
                    "reference": {"type": "string"},
                    "url": _NULLABLE_URL,
                },
                "required": ["id", "mechanism", "reference", "url"],
            },
        },
        "sdg_targets": {"type": "array", "items": {"type": "string"}},
        "inspired_by": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "url": _URL,
                    "member_iso": {"type": "string"},
                    "confirmed_on": {"type": "string", "format": "date"},
                },
                "required": ["id", "url", "member_iso", "confirmed_on"],
            },
        },
        "images": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "alt_text": {"type": "string"},
                    "caption": {"type": "string"},
                    "credit": {"type": "string"},
                    "renditions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "width": {"type": "integer"},
                                "height": {"type": "integer"},
                                "webp": _URL,
                                "jpeg": _URL,
                            },
                            "required": ["width", "height", "webp", "jpeg"],
                        },
                    },
                },
                "required": ["alt_text", "caption", "credit", "renditions"],
            },
        },
        "translations": {
            "type": "array",
            "description": "the story in other languages; a null summary or body is not translated (the "
            "original's stands)",
            "items": {
                "type": "object",
                "properties": {
                    "language": LANGUAGE,
                    "title": {"type": "string"},
                    "summary": {"type": ["string", "null"]},
                    "body_markdown": {"type": ["string", "null"]},
                    "updated_at": {"type": "string", "format": "date-time"},
                },
                "required": ["language", "title", "summary", "body_markdown", "updated_at"],
            },
        },
    },
}
STORY_SCHEMA["required"] = list(STORY_SCHEMA["properties"])


def with_relations(queryset: QuerySet) -> QuerySet:
    """Everything a story's record shows, in a fixed number of queries (per 500 rows for the CSV)."""
    return queryset.select_related("member").prefetch_related(
        "themes",
        "sdg_targets",
        # Kept by the recommendations app (above this one): reached through the relations only. A citation
        # carries its recommendation's id, mechanism, symbol and paragraph: the recommendation is not loaded.
        "citations",
        *INSPIRED_BY_LOOKUPS,
        Prefetch("images", queryset=StoryImage.objects.shown_publicly().order_by("order", "pk")),
        Prefetch(
            "translations",
            queryset=StoryTranslation.objects.only(
                "story_id", "language", "title", "summary", "body", "updated_at"
            ).order_by("language"),
        ),
    )


def api_queryset(params):
    filterset, ignored = filtered_stories(params)
    return with_relations(filterset.qs), ignored


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
        "translations": [
            {
                "language": translation.language,
                "title": translation.title,
                "summary": translation.summary or None,
                "body_markdown": translation.body or None,
                "updated_at": translation.updated_at.isoformat(),
            }
            for translation in story.translations.all()
        ],
    }


@open_data_response
@require_safe
@cache_public_page()
def stories_json(request: HttpRequest) -> JsonResponse:
    queryset, ignored = api_queryset(request.GET)
    return paginated_json(request, queryset, story_record, ignored=ignored)


def csv_row(record: dict[str, Any]) -> list[Any]:
    """A story's record as the cells of CSV_FIELDS (also written by the releases)."""
    return [
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
        " ".join(translation["language"] for translation in record["translations"]),
    ]


@open_data_response
@require_safe
@public_page
def stories_csv(request: HttpRequest) -> HttpResponseBase:
    filterset, _ignored = filtered_stories(request.GET)
    return live_csv(
        request,
        dataset="stories",
        queryset=with_relations(filterset.qs),
        narrowed=narrows(filterset),
        header=CSV_FIELDS,
        row=lambda story: csv_row(story_record(story, request)),
        filename="good-stories",
    )
