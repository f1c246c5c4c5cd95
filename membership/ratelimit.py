"""Counting attempts in the shared cache (Redis in the full stack, so every web process counts together).

Keys carry a hash of what they count (an IP address, an e-mail address), never the value itself."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest


def _key(scope: str, identifier: str) -> str:
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]
    return f"membership:ratelimit:{scope}:{digest}"


def attempts(scope: str, identifier: str) -> int:
    """How many attempts were counted for `identifier` in the current window."""
    return int(cache.get(_key(scope, identifier)) or 0)


def over_limit(scope: str, identifier: str, limit: int) -> bool:
    return attempts(scope, identifier) >= limit


def count_attempt(scope: str, identifier: str, period: int) -> int:
    """Count one attempt; the window starts with the first attempt and lasts `period` seconds."""
    key = _key(scope, identifier)
    cache.add(key, 0, timeout=period)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        return 1


def client_ip(request: HttpRequest) -> str:
    """The visitor's address, as allauth's own rate limits see it (behind the trusted proxy, the address it
    forwards)."""
    try:
        from allauth.core.internal.httpkit import get_client_ip

        return get_client_ip(request) or ""
    except Exception:  # an allauth without it, or a header that does not match the proxy count
        return request.META.get("REMOTE_ADDR", "")
