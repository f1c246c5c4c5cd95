"""Counts of stories, cached under the public generation (see coalition/caching.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from coalition.caching import key


class CachedCountPaginator(Paginator):
    """Counts the rows of a filter once per generation instead of on every page view."""

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        if not settings.PUBLIC_CACHE:
            return super().count
        count_key = key("count", str(query))
        value = cache.get(count_key)
        if value is None:
            value = self.object_list.count()
            cache.set(count_key, value, timeout=600)
        return value
