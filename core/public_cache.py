"""What anonymous visitors may be served from the cache, and when it goes stale.

A generation number in the cache changes whenever public content changes (each app names its public models
with `stale_when_changed` in its AppConfig.ready, and services that write in bulk call `bump_generation`);
cached pages, counts and facets carry it in their keys, so a change
makes them all unreachable at once. PUBLIC_CACHE=false turns all of it off (the benchmark's "no cache" runs).
"""

from __future__ import annotations

import hashlib
import time
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


def _fresh_generation() -> int:
    # When the key is missing (first use, or Redis restarted empty), a value no earlier generation had.
    return time.time_ns()


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        value = cache.get(GENERATION_KEY) or _fresh_generation()
    return value


def _bump_now() -> bool:
    """Move the generation on; False when the cache did not answer (nothing was made stale)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, _fresh_generation(), timeout=None)
    return not getattr(cache, "degraded", False)


def bump_generation() -> None:
    """Make every cached public page, count and facet stale (after the current transaction commits).

    When the cache does not answer, the change is recorded in the database (`PendingCacheBump`) and made
    stale by `catch_up_missed_bumps` once the cache is back: pages cached before the outage must not
    outlive it."""

    def bump() -> None:
        if not _bump_now():
            from core.models import PendingCacheBump

            PendingCacheBump.objects.create()

    transaction.on_commit(bump)


def catch_up_missed_bumps() -> bool:
    """Make the public cache stale for the changes it missed while unreachable. True when it did."""
    from core.models import PendingCacheBump

    latest = PendingCacheBump.objects.order_by("-pk").values_list("pk", flat=True).first()
    if latest is None or not _bump_now():
        return False
    PendingCacheBump.objects.filter(pk__lte=latest).delete()
    return True


def serving_from_cache() -> bool:
    """Whether public pages, counts and facets may be read from and written to the cache now: not when it
    is switched off, and not while the cache is degraded to each process's own memory (a page cached there
    could not be made stale by a change made in another process)."""
    return settings.PUBLIC_CACHE and not getattr(cache, "degraded", False)


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
                not serving_from_cache()
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
