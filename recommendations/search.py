"""Finding recommendations by words: their symbol, paragraph and text. PostgreSQL keeps a search vector per
recommendation (simple configuration: texts are in several languages and symbols must match as typed);
SQLite, the embedded mode, matches the words anywhere instead."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from stories.search import clean_query  # the same cleaning as the gallery's

__all__ = ["clean_query", "search", "update_search_vectors"]

VECTOR = SearchVector("symbol", "paragraph", "body", "text", config="simple")


def uses_postgresql() -> bool:
    return connection.vendor == "postgresql"


def update_search_vectors(ids: Iterable[int] | None = None) -> int:
    """Recompute the vectors of these recommendations (all of them with None). One UPDATE per call: the
    importer calls it once per batch."""
    if not uses_postgresql():
        return 0
    from recommendations.models import Recommendation

    queryset = Recommendation.objects.all()
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(search_vector=VECTOR)


def search(queryset: QuerySet, text: str) -> QuerySet:
    """Recommendations matching every word of `text` (websearch syntax on PostgreSQL)."""
    text, _shortened = clean_query(text)
    if not text:
        return queryset
    if uses_postgresql():
        # Words through the vector; a symbol or paragraph as typed (A/HRC/38, 116.23), which the text search
        # splits into pieces, by plain matching.
        query = SearchQuery(text, config="simple", search_type="websearch")
        return queryset.filter(Q(search_vector=query) | Q(symbol__icontains=text) | Q(paragraph=text))
    condition = Q()
    for word in text.replace('"', " ").split()[:20]:
        condition &= (
            Q(symbol__icontains=word)
            | Q(paragraph__icontains=word)
            | Q(text__icontains=word)
            | Q(body__icontains=word)
        )
    return queryset.filter(condition)
