"""Counting requests and attempts in the shared cache (Redis in the full stack, so every web process counts
together).

Keys carry a hash of what they count (an IP address, an e-mail address), never the value itself."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


def _key(scope: str, identifier: str) -> str:
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def _increment(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


# Attempts (a form sent): the window starts with the first attempt ---------------------------------------


def attempts(scope: str, identifier: str) -> int:
    """How many attempts were counted for `identifier` in the current window."""
    return int(cache.get(_key(scope, identifier)) or 0)


def over_limit(scope: str, identifier: str, limit: int) -> bool:
    return attempts(scope, identifier) >= limit


def count_attempt(scope: str, identifier: str, period: int) -> int:
    """Count one attempt; the window starts with the first attempt and lasts `period` seconds."""
    return _increment(_key(scope, identifier), period)


# Requests (a download asked for): fixed windows, so the answer can say when the next one starts ----------


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    retry_after: int  # seconds until the current window ends and counting starts again


def take(scope: str, identifier: str, *, limit: int, period: int) -> Allowance:
    """Count one request of `identifier` in the current window of `period` seconds (windows start at whole
    multiples of `period` since the epoch); allowed while at most `limit` were counted in it."""
    now = int(time.time())
    window = now // period
    count = _increment(_key(f"{scope}:{window}", identifier), period)
    return Allowance(allowed=count <= limit, retry_after=max(1, period - now % period))


def client_ip(request: HttpRequest) -> str:
    """The visitor's address, as allauth's own rate limits see it (behind the trusted proxy, the address it
    forwards)."""
    try:
        from allauth.core.internal.httpkit import get_client_ip

        return get_client_ip(request) or ""
    except Exception:  # an allauth without it, or a header that does not match the proxy count
        return request.META.get("REMOTE_ADDR", "")
