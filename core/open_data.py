"""The envelope of every paginated open-data JSON list: the same page size rules, the same links to the next
and previous pages, the same sentence for a page that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse

from core.pagination import CachedCountPaginator

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def page_size(raw: str | None) -> int:
    """`page_size` as asked, between 1 and MAX_PAGE_SIZE; the default for anything that is not a number."""
    try:
        return max(1, min(MAX_PAGE_SIZE, int(raw or DEFAULT_PAGE_SIZE)))
    except ValueError:
        return DEFAULT_PAGE_SIZE


def paginated_json(
    request: HttpRequest,
    queryset: QuerySet,
    record: Callable[[Any, HttpRequest], dict[str, Any]],
    *,
    ignored: list[str],
) -> JsonResponse:
    """`{"count", "page", "pages", "next", "previous", "ignored_filters", "results"}` for the page asked in
    `?page=`; 404 with a sentence for a page that does not exist."""
    paginator = CachedCountPaginator(queryset, page_size(request.GET.get("page_size")))
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
            "results": [record(item, request) for item in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )
