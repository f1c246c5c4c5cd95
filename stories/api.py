"""Open data of published stories: paginated JSON and streamed CSV. Fields are documented in docs/api.md.

No personal data: no author, no email, no names of people; the member (a state or organisation) is named.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import storages
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Prefetch
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from core.csv_safety import Echo, neutralise
from core.pagination import CachedCountPaginator
from core.public_cache import cache_public_page, public_page
from stories.filters import filtered_stories
from stories.models import Story, StoryImage

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
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
]


def api_queryset(params):
    filterset, ignored = filtered_stories(params)
    queryset = filterset.qs.select_related("member").prefetch_related(
        "themes",
        "recommendations",
        Prefetch("images", queryset=StoryImage.objects.order_by("order", "pk")),
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
            {"mechanism": r.mechanism, "reference": r.reference, "url": r.url or None}
            for r in story.recommendations.all()
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


def _page_size(raw: str | None) -> int:
    try:
        return max(1, min(MAX_PAGE_SIZE, int(raw or DEFAULT_PAGE_SIZE)))
    except ValueError:
        return DEFAULT_PAGE_SIZE


@login_not_required
@require_safe
@cache_public_page()
def stories_json(request: HttpRequest) -> JsonResponse:
    queryset, ignored = api_queryset(request.GET)
    paginator = CachedCountPaginator(queryset, _page_size(request.GET.get("page_size")))
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        requested = str(request.GET.get("page"))[:20]
        message = f"There is no page {requested}; pages run from 1 to {paginator.num_pages}."
        return JsonResponse({"error": message}, status=404)
    params = request.GET.copy()

    def page_url(number: int) -> str:
        params["page"] = number
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "next": page_url(page.next_page_number()) if page.has_next() else None,
            "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
            "ignored_filters": ignored,
            "results": [story_record(story, request) for story in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )


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
