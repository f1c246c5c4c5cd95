"""Filters from query strings that never fail a request: what cannot be used is dropped and named."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django_filters import FilterSet


def usable_filterset(
    filterset_class: type[FilterSet],
    params,
    queryset: QuerySet,
    *,
    not_filters: Iterable[str] = ("page", "page_size"),
) -> tuple[FilterSet, list[str]]:
    """The filter set for these query parameters, and the names of the parameters it could not use: those
    are dropped, so a bad link still shows results instead of an error."""
    data = params.copy()
    for name in not_filters:
        data.pop(name, None)
    filterset = filterset_class(data, queryset=queryset)
    ignored: list[str] = []
    if not filterset.is_valid():
        ignored = [name for name in filterset.form.errors if name in filterset.form.fields]
        for name in filterset.form.errors:
            data.pop(name, None)
        filterset = filterset_class(data, queryset=queryset)
    return filterset, ignored
