"""/replication/: who inspired whom, over time: a diagram and a table of the confirmed links."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.public_cache import cache_public_page
from recommendations import replication as data
from recommendations.inspiration_forms import ReplicationFilterForm

TABLE_PAGE_SIZE = 25


@login_not_required
@require_safe
@cache_public_page()
def replication(request: HttpRequest) -> HttpResponse:
    form = ReplicationFilterForm(request.GET or None)
    filters = form.values()
    links = data.filtered_links(filters)
    figures = data.figures(links)
    drawn = list(data.with_related(links)[: data.DIAGRAM_LIMIT])
    page = Paginator(data.with_related(links), TABLE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filtered": bool(filters),
        "ignored": form.ignored,
        "query": urlencode(filters),
        "figures": figures,
        "diagram": data.diagram(drawn),
        "capped": figures["links"] > data.DIAGRAM_LIMIT,
        "diagram_limit": data.DIAGRAM_LIMIT,
        "page_obj": page,
        "links": page.object_list,
    }
    return render(request, "recommendations/replication.html", context)
