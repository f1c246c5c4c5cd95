"""A server-side cache of whole public pages, for anonymous visitors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from stories.caching import key


def cache_public_page(timeout: int = 300) -> Callable:
    """Serve anonymous GETs from the cache; the key carries the stories' generation, so publishing,
    changing or withdrawing a story makes every cached page stale at once. Responses that set a cookie, and
    everything a logged-in person sees, are never cached."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (
                request.method not in ("GET", "HEAD")
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
