"""What every open-data response shares: the licence it is published under, CORS, `Link` headers, the
envelope of paginated JSON lists, and the full exports other apps publish (the dated releases).

Other apps use:

- `current_licence()`: the licence the secretariat set (CC BY 4.0 until it sets one), for JSON-LD and
  releases;
- `open_data_response`: the decorator every open-data view wears (/api/*, /data/*): public without login,
  CORS for GET and HEAD from anywhere, OPTIONS answered, `Link: <licence>; rel="license"`;
- `register_full_export(name, url)` / `full_export_url(name)`: the app that publishes releases says where the
  latest full file of a dataset is (the stories CSV redirects there instead of building 100,000 rows live).
"""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.utils.translation import ngettext
from django_filters import FilterSet

from core import ratelimit
from core.csv_safety import Echo, neutralise
from core.pagination import CachedCountPaginator
from core.public_cache import key, serving_from_cache

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


# The licence ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Licence:
    name: str
    url: str
    attribution: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)


# Data, not interface text: the same sentence in every language of the site, as a licence's name is.
DEFAULT_LICENCE = Licence(
    name="CC BY 4.0",
    url="https://creativecommons.org/licenses/by/4.0/",
    attribution="Good Human Rights Stories Initiative, open data, licensed under CC BY 4.0",
)


def _stored_licence() -> Licence:
    from core.models import OpenDataLicence

    row = OpenDataLicence.objects.filter(pk=1).values("name", "url", "attribution").first()
    return Licence(**row) if row else DEFAULT_LICENCE


def current_licence() -> Licence:
    """The licence the open data is published under now. Cached under the public generation: saving the
    licence in the admin makes the cached value stale, with every page that states it."""
    if not serving_from_cache():
        return _stored_licence()
    licence_key = key("open-data-licence")
    stored = cache.get(licence_key)
    if stored is None:
        stored = asdict(_stored_licence())
        cache.set(licence_key, stored, timeout=None)
    return Licence(**stored)


# Full exports (the releases) -----------------------------------------------------------------------------

_full_exports: dict[str, Callable[[], str | None]] = {}


def register_full_export(name: str, url: Callable[[], str | None]) -> None:
    """Say where the latest complete file of dataset `name` ("stories", "recommendations", "endorsements",
    "cooperation") is: `url()` answers an absolute URL or a path from the site's root, or None while there
    is none. Called from the publishing app's AppConfig.ready; registering a name again replaces it."""
    _full_exports[name] = url


def full_export_url(name: str) -> str | None:
    """The latest complete file of dataset `name`, or None (nothing registered, no release yet, or the
    publisher failed: the caller then serves live data, which is never wrong, only capped)."""
    url = _full_exports.get(name)
    if url is None:
        return None
    try:
        return url() or None
    except Exception:
        logger.exception("the full export of %s could not be found", name)
        return None


# Headers: Link and CORS ----------------------------------------------------------------------------------

# Headers a script on another site may read: pagination and licence links, how long to wait after a 429, and
# whether a CSV was cut short.
EXPOSED_HEADERS = "Link, Retry-After, X-Rows-Capped"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# Request headers a cross-site script may send: conditional and partial requests (files of a release).
ALLOWED_HEADERS = "Accept, Accept-Language, If-Modified-Since, If-None-Match, Range"
PREFLIGHT_MAX_AGE = 86400


def add_link(response: HttpResponseBase, url: str, rel: str) -> None:
    """Append one link to the response's `Link` header (RFC 8288), keeping the ones already there."""
    link = f'<{url}>; rel="{rel}"'
    if link in [part.strip() for part in response.get("Link", "").split(",")]:
        return
    response["Link"] = f"{response['Link']}, {link}" if response.has_header("Link") else link


def open_data_response(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wear it outermost on every open-data view (before `require_safe`, which would refuse OPTIONS).

    Public without login; any site's scripts may read it (`Access-Control-Allow-Origin: *`, never with
    credentials: the data is the same for everyone); an OPTIONS preflight is answered here with 204; every
    response, errors included, links to the licence. The headers are set on the way out, before the public
    page cache stores the response, so a cache hit carries the same headers as a miss."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method == "OPTIONS":
            response: HttpResponseBase = HttpResponse(status=204)
            response["Allow"] = ALLOWED_METHODS
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        else:
            response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        add_link(response, current_licence().url, "license")
        return response

    return login_not_required(wrapped)


# Paginated JSON ------------------------------------------------------------------------------------------


def page_size(raw: str | None) -> int:
    """`page_size` as asked, between 1 and MAX_PAGE_SIZE; the default for anything that is not a number."""
    try:
        return max(1, min(MAX_PAGE_SIZE, int(raw or DEFAULT_PAGE_SIZE)))
    except ValueError:
        return DEFAULT_PAGE_SIZE


def error_json(message: str, *, status: int) -> JsonResponse:
    """`{"error": "<a sentence>"}`: the body of every open-data error."""
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


def listed_json(results: list[dict[str, Any]]) -> JsonResponse:
    """`{"count", "licence", "results"}`: a short list given whole (one record per member, or per member and
    version), with no pages."""
    return JsonResponse(
        {"count": len(results), "licence": current_licence().as_json(), "results": results},
        json_dumps_params={"ensure_ascii": False},
    )


def paginated_json(
    request: HttpRequest,
    queryset: QuerySet,
    record: Callable[[Any, HttpRequest], dict[str, Any]],
    *,
    ignored: list[str],
) -> JsonResponse:
    """`{"count", "page", "pages", "next", "previous", "ignored_filters", "licence", "results"}` for the page
    asked in `?page=`, with `Link` headers to the first, previous, next and last pages; 404 with a sentence
    for a page that does not exist."""
    paginator = CachedCountPaginator(queryset, page_size(request.GET.get("page_size")))
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        requested = str(request.GET.get("page"))[:20]
        message = f"There is no page {requested}; pages run from 1 to {paginator.num_pages}."
        return error_json(message, status=404)
    params = request.GET.copy()

    def page_url(number: int) -> str:
        params["page"] = number
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    next_url = page_url(page.next_page_number()) if page.has_next() else None
    previous_url = page_url(page.previous_page_number()) if page.has_previous() else None
    response = JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "next": next_url,
            "previous": previous_url,
            "ignored_filters": ignored,
            "licence": current_licence().as_json(),
            "results": [record(item, request) for item in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    add_link(response, page_url(1), "first")
    if previous_url:
        add_link(response, previous_url, "prev")
    if next_url:
        add_link(response, next_url, "next")
    add_link(response, page_url(paginator.num_pages), "last")
    return response


# Live CSV: capped, rate-limited, and the full file from the latest release --------------------------------

DEFAULT_CSV_CAP = 5000
DEFAULT_CSV_LIMIT_PER_HOUR = 30
CSV_RATE_SCOPE = "open-data-csv"


def csv_cap() -> int:
    """The most rows a live CSV holds (`OPEN_DATA_CSV_CAP`): a full export is the release's file."""
    return max(1, int(getattr(settings, "OPEN_DATA_CSV_CAP", DEFAULT_CSV_CAP)))


def narrows(filterset: FilterSet, *, not_filters: tuple[str, ...] = ("sort",)) -> bool:
    """Whether a usable filter narrows the rows (an order alone does not)."""
    if not (filterset.is_bound and filterset.form.is_valid()):
        return False
    return any(
        value not in (None, "", [], ())
        for name, value in filterset.form.cleaned_data.items()
        if name not in not_filters
    )


def too_many_downloads(request: HttpRequest) -> JsonResponse | None:
    """429 with a sentence and Retry-After once an anonymous address asked for more live CSV files than
    `OPEN_DATA_CSV_LIMIT_PER_HOUR` in the current hour; None while it may have one more. People logged in
    (missions, the secretariat) are not counted."""
    if request.user.is_authenticated:
        return None
    limit = int(getattr(settings, "OPEN_DATA_CSV_LIMIT_PER_HOUR", DEFAULT_CSV_LIMIT_PER_HOUR))
    allowance = ratelimit.take(CSV_RATE_SCOPE, ratelimit.client_ip(request), limit=limit, period=3600)
    if allowance.allowed:
        return None
    minutes = math.ceil(allowance.retry_after / 60)
    message = ngettext(
        "Too many CSV downloads from your address this hour (at most %(limit)d). Try again in %(minutes)d "
        "minute, or use the JSON pages or the dated releases, which have no such limit.",
        "Too many CSV downloads from your address this hour (at most %(limit)d). Try again in %(minutes)d "
        "minutes, or use the JSON pages or the dated releases, which have no such limit.",
        minutes,
    ) % {"limit": limit, "minutes": minutes}
    response = error_json(message, status=429)
    response["Retry-After"] = str(allowance.retry_after)
    # Not to be kept by any cache: the next hour, or another address, gets the file.
    response["Cache-Control"] = "private, no-store"
    return response


def live_csv(
    request: HttpRequest,
    *,
    dataset: str,
    queryset: QuerySet,
    narrowed: bool,
    header: list[str],
    row: Callable[[Any], list[Any]],
    filename: str,
) -> HttpResponseBase:
    """A dataset as CSV (UTF-8 with a byte-order mark, cells neutralised for spreadsheets).

    Unfiltered, and once a release exists, a redirect to the release's file: nobody's request builds the
    whole dataset. Otherwise rate-limited for anonymous addresses and capped at `csv_cap()` rows in the
    list's order; a capped file says so in its name (`<filename>-first-5000.csv`, what a person sees in
    their downloads folder) and in `X-Rows-Capped: 5000` (what a program reads). No comment line in the
    file: it would break every CSV parser. `row(item)` gives one row's cells in the order of `header`."""
    if not narrowed:
        full = full_export_url(dataset)
        if full:
            return HttpResponseRedirect(full)
    refused = too_many_downloads(request)
    if refused is not None:
        return refused
    cap = csv_cap()
    capped = CachedCountPaginator(queryset, cap, count_limit=cap).more
    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so spreadsheet programs read UTF-8
        yield writer.writerow(header)
        for item in queryset[:cap].iterator(chunk_size=500):
            yield writer.writerow([neutralise(value) for value in row(item)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"{filename}-first-{cap}.csv" if capped else f"{filename}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    if capped:
        response["X-Rows-Capped"] = str(cap)
    return response


def whole_csv(*, header: list[str], rows: Iterable[list[Any]], filename: str) -> HttpResponse:
    """A small dataset (one row per member, or per member and version) as CSV built whole, so the public
    page cache keeps it: no cap, no rate limit."""
    writer = csv.writer(Echo())
    lines = ["\ufeff", writer.writerow(header)]
    lines += [writer.writerow([neutralise(value) for value in row]) for row in rows]
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
