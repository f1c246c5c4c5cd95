"""Public pages: the recommendations list and one recommendation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.pagination import CachedCountPaginator
from core.public_cache import cache_public_page
from members.models import Member
from recommendations.filters import filtered_recommendations, labels, public_recommendations
from recommendations.models import Citation, Recommendation
from stories.filters import MATCH_LIMIT
from stories.models import Story

LIST_PAGE_SIZE = 20
OTHER_MEMBERS_STORIES = 6


def answering_counts(ids: list[int]) -> dict[int, int]:
    """How many published stories answer each of these recommendations (one query)."""
    rows = (
        Citation.objects.filter(recommendation__in=ids, story__status=Story.Status.PUBLISHED)
        .values("recommendation")
        .annotate(count=Count("story", distinct=True))
        .order_by()
    )
    return {row["recommendation"]: row["count"] for row in rows}


def _page(paginator: CachedCountPaginator, requested: str):
    """The requested page, or the nearest one with a sentence saying why."""
    try:
        return paginator.page(requested), ""
    except PageNotAnInteger:
        message = _("“%(page)s” is not a page number; here is the first page.") % {"page": requested[:20]}
        return paginator.page(1), message
    except EmptyPage:
        message = _("There is no page %(page)s; here is the last one.") % {"page": requested[:20]}
        return paginator.page(paginator.num_pages), message


@login_not_required
@require_safe
@cache_public_page()
def recommendation_list(request: HttpRequest) -> HttpResponse:
    filterset, ignored = filtered_recommendations(request.GET)
    # Counted up to MATCH_LIMIT, as the gallery: an exact count of 100,000 rows tells a reader no more.
    paginator = CachedCountPaginator(filterset.qs, LIST_PAGE_SIZE, count_limit=MATCH_LIMIT)
    page, page_message = _page(paginator, request.GET.get("page") or "1")
    recommendations = list(page.object_list)
    counts = answering_counts([rec.pk for rec in recommendations])
    for rec in recommendations:
        rec.answer_count = counts.get(rec.pk, 0)
    params = request.GET.copy()
    params.pop("page", None)
    for name in ignored:
        params.pop(name, None)
    active = filterset.active()
    return render(
        request,
        "recommendations/recommendation_list.html",
        {
            "filter": filterset,
            "recommendations": recommendations,
            "page_obj": page,
            "paginator": paginator,
            "page_message": page_message,
            "ignored": labels(filterset, ignored),
            "query": params.urlencode(),
            "active_filters": [(label, value, _without(params, name)) for name, label, value in active],
            "filtered": bool(active),
        },
    )


def _without(params, name: str) -> str:
    """The query string with one filter taken out: the link that removes it."""
    params = params.copy()
    params.pop(name, None)
    return params.urlencode()


@login_not_required
@require_safe
@cache_public_page()
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(public_recommendations().prefetch_related("themes", "sdg_targets"), pk=pk)
    member = Member.objects.public().get(country=rec.country)
    answering = (
        Story.objects.published()
        .filter(citations__recommendation=rec)
        .cards()
        .order_by("-published_at", "-pk")
    )
    return render(
        request,
        "recommendations/recommendation_detail.html",
        {
            "rec": rec,
            "member": member,
            "themes": [theme for theme in rec.themes.all() if theme.kind == "priority"],
            "sdgs": sorted(theme.sdg_number for theme in rec.themes.all() if theme.kind == "sdg"),
            "answering_stories": list(answering),
            "other_stories": other_members_stories(rec),
        },
    )


def other_members_stories(rec: Recommendation, limit: int = OTHER_MEMBERS_STORIES) -> list[Story]:
    """Published stories of other members answering a recommendation of the same text family (the same
    recommendation, made to another state), newest first."""
    if not rec.family:
        return []
    citing = Citation.objects.filter(
        recommendation__family=rec.family, story__status=Story.Status.PUBLISHED
    ).exclude(recommendation__country=rec.country)
    return list(
        Story.objects.published()
        .filter(pk__in=citing.values("story"))
        .exclude(member__country=rec.country)
        .cards()
        .order_by("-published_at", "-pk")[:limit]
    )
