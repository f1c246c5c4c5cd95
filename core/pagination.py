"""Counts of rows, cached under the public generation (see core/public_cache.py)."""

from __future__ import annotations

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from core.public_cache import key, serving_from_cache


class CachedCountPaginator(Paginator):
    """Counts the rows of a filter once per generation instead of on every page view.

    With `count_limit`, counts no further than that many rows: an exact count of 50,000 search matches reads
    all 50,000 stories and tells a reader no more than "a lot". `more` then says that there are more rows
    than `count`, and the pages stop at `count`.
    """

    def __init__(self, *args, count_limit: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.count_limit = count_limit

    @cached_property
    def _counted(self) -> int:
        """The number of rows, or `count_limit + 1` when there are more than `count_limit`."""
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        if self.count_limit is None:
            counted = self.object_list.count
        else:
            # No ORDER BY: the database may stop at the first rows it finds by whichever index is cheapest.
            counted = self.object_list.order_by().values("pk")[: self.count_limit + 1].count
        if not serving_from_cache():
            return counted()
        count_key = key("count", str(self.count_limit), str(query))
        value = cache.get(count_key)
        if value is None:
            value = counted()
            cache.set(count_key, value, timeout=600)
        return value

    @cached_property
    def count(self) -> int:
        if self.count_limit is None:
            return self._counted
        return min(self._counted, self.count_limit)

    @property
    def more(self) -> bool:
        return self.count_limit is not None and self._counted > self.count_limit

    def page(self, number):
        """The page's rows, found in two steps: first their ids (an index-only scan in the gallery's order,
        however deep the page), then the rows themselves. OFFSET over whole rows would read every row before
        the page: page 2,000 of the open-data API would read 100,000 stories."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if hasattr(rows, "query"):
            rows = rows.filter(pk__in=rows.values("pk")[bottom:top])
        else:
            rows = rows[bottom:top]
        return self._get_page(rows, number, self)
