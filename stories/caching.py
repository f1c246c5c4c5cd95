"""What public story pages may reuse, and when it goes stale.

A generation number in the cache changes whenever a story is published, changed while public, or withdrawn;
cached pages and counts carry it in their keys, so a change makes them all unreachable at once.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.utils.functional import cached_property

GENERATION_KEY = "stories:generation"


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def bump_generation() -> None:
    """Make every cached public page and count stale (after the current transaction commits)."""

    def bump() -> None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 2, timeout=None)

    transaction.on_commit(bump)


def key(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return f"stories:{generation()}:{digest}"


class CachedCountPaginator(Paginator):
    """Counts the rows of a filter once per generation instead of on every page view."""

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        count_key = key("count", str(query))
        value = cache.get(count_key)
        if value is None:
            value = self.object_list.count()
            cache.set(count_key, value, timeout=600)
        return value
