"""What anonymous visitors may be served from the cache, and when it goes stale.

A generation number in the cache changes whenever public content changes (a story published, changed while
public or withdrawn; a meeting saved); cached pages, counts and facets carry it in their keys, so a change
makes them all unreachable at once. PUBLIC_CACHE=false turns all of it off (the benchmark's "no cache" runs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

GENERATION_KEY = "public:generation"


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def bump_generation() -> None:
    """Make every cached public page, count and facet stale (after the current transaction commits)."""

    def bump() -> None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 2, timeout=None)

    transaction.on_commit(bump)


def key(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return f"public:{generation()}:{digest}"


def cache_public_page(timeout: int = 300) -> Callable:
    """Serve anonymous GETs from the cache; the key carries the stories' generation, so publishing,
    changing or withdrawing a story makes every cached page stale at once. Responses that set a cookie, and
    everything a logged-in person sees, are never cached."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (
                not settings.PUBLIC_CACHE
                or request.method not in ("GET", "HEAD")
                or request.user.is_authenticated
                or "messages" in request.COOKIES
            ):
                return view(request, *args, **kwargs)
            page_key = key("page", get_language(), request.get_full_path())
            cached = cache.get(page_key)
            if cached is not None:
                content, content_type, status = cached
                response = HttpResponse(content, content_type=content_type, status=status)
                patch_vary_headers(response, ["Cookie", "Accept-Language"])
                return response
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if response.status_code in (200, 404, 410) and not response.streaming and not response.cookies:
                cache.set(
                    page_key, (response.content, response["Content-Type"], response.status_code), timeout
                )
            return response

        return wrapped

    return decorator
