"""What anonymous visitors may be served from the cache, and when it goes stale.

A generation number in the cache changes whenever public content changes (each app names its public models
with `stale_when_changed` in its AppConfig.ready, and services that write in bulk call `bump_generation`);
cached pages, counts and facets carry it in their keys, so a change
makes them all unreachable at once. PUBLIC_CACHE=false turns all of it off (the benchmark's "no cache" runs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import signals
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


def stale_when_changed(*models: type, when: Callable[[object], bool] | None = None) -> None:
    """Make the public cache stale whenever a row of these models is saved or deleted, or one of their
    many-to-many relations changes, however it happens (the admin, a service, a data migration's code).

    `when(instance)` narrows it down: a draft story saved by its mission changes no public page.
    Bulk `update()` sends no signal: the services that use it bump the generation themselves.
    """

    def changed(sender, instance=None, **kwargs) -> None:
        if kwargs.get("raw"):  # loading fixtures
            return
        if kwargs.get("action", "post_").startswith("pre_"):
            return
        if when is None or instance is None or when(instance):
            bump_generation()

    for model in models:
        uid = f"public-cache:{model._meta.label}"
        signals.post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
        signals.post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            signals.m2m_changed.connect(
                changed, sender=through, weak=False, dispatch_uid=f"{uid}:{field.name}"
            )
