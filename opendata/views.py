"""/data/: the list of releases, one page per release (with the text to cite it) and the DCAT catalogue.

The pages read the releases' rows only (their files are described in the rows): one query for a page of
releases, whatever their number, and no file is ever opened by a request.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from core.open_data import current_licence, open_data_response
from core.public_cache import cache_public_page
from opendata import catalog
from opendata.models import Release, ReleaseEvent

PAGE_SIZE = 20


@open_data_response
@require_safe
@cache_public_page()
def release_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(Release.objects.published().newest_first(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "opendata/release_list.html",
        {"page_obj": page, "releases": page.object_list, "licence": current_licence()},
    )


@open_data_response
@require_safe
@cache_public_page()
def release_detail(request: HttpRequest, slug: str) -> HttpResponse:
    release = Release.objects.published().filter(slug=slug).first()
    if release is None:
        deleted = ReleaseEvent.objects.filter(slug=slug, action=ReleaseEvent.Action.DELETED).first()
        if deleted is None:
            raise Http404
        # Its address may have been cited: say what happened rather than "not found".
        return render(request, "opendata/release_gone.html", {"slug": slug, "event": deleted}, status=410)
    return render(
        request,
        "opendata/release_detail.html",
        {
            "release": release,
            # For the text to cite it: the address isolated as left-to-right (a <bdi> adds no character to
            # what is copied), so that it reads right in Arabic.
            "cite_url": format_html(
                '<bdi dir="ltr">{}</bdi>', request.build_absolute_uri(release.get_absolute_url())
            ),
        },
    )


@open_data_response
@require_safe
@cache_public_page()
def catalog_jsonld(request: HttpRequest) -> JsonResponse:
    releases = Release.objects.published().newest_first()
    return JsonResponse(
        catalog.catalog(request, releases, licence_url=current_licence().url),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
