"""What anonymous visitors may be served from the cache, and when it goes stale.

A generation number in the cache changes whenever public content changes (each app names its public models
with `stale_when_changed` in its AppConfig.ready, and services that write in bulk call `bump_generation`);
cached pages, counts and facets carry it in their keys, so a change
makes them all unreachable at once. PUBLIC_CACHE=false turns all of it off (the benchmark's "no cache" runs).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import signals
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language, get_language_from_request

logger = logging.getLogger(__name__)
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


PUBLIC_STATUSES = (200, 404, 410)  # the statuses whose page is stored


def _anonymous_get(request: HttpRequest) -> bool:
    """A GET or HEAD by someone with no session and no message waiting: the same page for everyone."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _page_key(request: HttpRequest, language: str | None) -> str:
    return key("page", language, request.get_full_path())


def _response_from(entry: tuple) -> HttpResponse:
    content, status, headers = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


def _mark_public(response: HttpResponse, timeout: int) -> HttpResponse:
    """Say that proxies and browsers may keep this page; PublicCacheMiddleware takes it back when the page
    turns out personal (a session, a cookie set, a logged-in person), and stores it for `timeout` seconds."""
    if response.has_header("Cache-Control"):
        return response  # the view chose its own policy
    patch_cache_control(
        response,
        public=True,
        max_age=settings.PUBLIC_MAX_AGE,
        stale_while_revalidate=settings.PUBLIC_STALE_WHILE_REVALIDATE,
    )
    patch_vary_headers(response, ["Cookie"])
    response.public_cache_timeout = timeout
    return response


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public view whose responses proxies may keep for PUBLIC_MAX_AGE seconds but that is not stored in
    the page cache (a file streamed, a page that never changes)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and not request.user.is_authenticated:
            _mark_public(response, 0)
        return response

    return wrapped


def cache_public_page(timeout: int = 300) -> Callable:
    """Mark what an anonymous visitor gets from this view as public, to be stored by PublicCacheMiddleware
    for `timeout` seconds; the key carries the generation, so publishing, changing or withdrawing a story
    makes every stored page stale at once. The middleware answers visitors with no session before the
    session machinery runs; this serves the same pages to anonymous visitors who carry a session cookie."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (
                request.method not in ("GET", "HEAD")
                or request.user.is_authenticated
                or "messages" in request.COOKIES
            ):
                return view(request, *args, **kwargs)
            if serving_from_cache():
                cached = cache.get(_page_key(request, get_language()))
                if cached is not None:
                    return _response_from(cached)
            return _mark_public(view(request, *args, **kwargs), timeout)

        return wrapped

    return decorator


class PublicCacheMiddleware:
    """Answer anonymous visitors from the public page cache before sessions, users and CSRF are looked at,
    and keep everything personal out of shared caches.

    A page is stored on its way out, with every header the other middleware gave it (never a cookie), so a
    hit is the same response as a miss. A page marked public by `cache_public_page` or `public_page` stays
    public only when it was rendered for an anonymous visitor with no session and sets no cookie; every
    other response is `private, no-store` unless its view chose a private policy itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        anonymous_get = _anonymous_get(request)
        page_key = self._lookup_key(request) if anonymous_get else None
        cached = self._cached(page_key) if page_key is not None else None
        if cached is not None:
            return self._hit(request, _response_from(cached))
        response = self.get_response(request)
        if anonymous_get and self._public(request, response):
            timeout = getattr(response, "public_cache_timeout", 0)
            if (
                page_key is not None
                and timeout
                and request.method == "GET"
                and response.status_code in PUBLIC_STATUSES
                and not response.streaming
            ):
                cache.set(page_key, (response.content, response.status_code, list(response.items())), timeout)
        elif self._shared_allowed(request, response):
            del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def _lookup_key(request: HttpRequest) -> str | None:
        """The page's key, None when pages are not served from the cache now. The language is the one
        LocaleMiddleware will activate: the URL prefix, else the cookie and Accept-Language (the sitemaps),
        as the views' get_language() sees it."""
        try:
            if not serving_from_cache():
                return None
            return _page_key(request, get_language_from_request(request, check_path=True))
        except Exception:  # a cache that does not answer (one with no fallback): no page from it
            logger.debug("public page cache unavailable", exc_info=True)
            return None

    @staticmethod
    def _cached(page_key: str) -> tuple | None:
        try:
            return cache.get(page_key)
        except Exception:  # as above: the view answers
            logger.debug("public page cache unavailable", exc_info=True)
            return None

    @staticmethod
    def _policy(response: HttpResponse) -> set[str]:
        return {part.strip().lower() for part in response.get("Cache-Control", "").split(",")}

    def _public(self, request: HttpRequest, response: HttpResponse) -> bool:
        user = getattr(request, "user", None)
        return (
            "public" in self._policy(response)
            and not response.cookies
            and not (user is not None and user.is_authenticated)
        )

    def _shared_allowed(self, request: HttpRequest, response: HttpResponse) -> bool:
        """Whether a response not found public could still land in a shared cache: it says `public`, or
        neither `private` nor `no-store`. Public files (media in the embedded mode) keep their headers."""
        if settings.SERVE_MEDIA and request.path.startswith(settings.MEDIA_URL) and not response.cookies:
            return False
        policy = self._policy(response)
        return "public" in policy or not {"private", "no-store"} & policy

    @staticmethod
    def _hit(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.method == "GET" and response.has_header("ETag"):
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response


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
