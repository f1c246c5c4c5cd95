"""Full-text search of published stories: PostgreSQL's ranked search, a plain fallback on SQLite.

Each story's vector is stored (and GIN-indexed) when its text changes: title weighted over summary over body,
once with its own language's stemming and once without, so a query in any language finds exact words.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# The stemming rules for each interface language; Chinese has none in PostgreSQL, so words are kept whole.
SEARCH_CONFIGS = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "ru": "russian",
    "ar": "arabic",
    "zh-hans": "simple",
}
MAX_QUERY_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARK_START, _MARK_END = (
    "\x02",
    "\x03",
)  # never in text we store: control characters are cleaned out of queries


def uses_postgresql() -> bool:
    return connection.vendor == "postgresql"


def clean_query(raw: str) -> tuple[str, bool]:
    """The query as searched: control characters removed, spaces folded, at most 200 characters.
    Returns it and whether it had to be shortened."""
    text = " ".join(_CONTROL.sub(" ", raw or "").split())
    return text[:MAX_QUERY_LENGTH], len(text) > MAX_QUERY_LENGTH


def config_for(language: str) -> str:
    return SEARCH_CONFIGS.get(language, "simple")


def story_vector(language: str):
    config = config_for(language)
    vector = (
        SearchVector("title", weight="A", config=config)
        + SearchVector("summary", weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
    )
    if config != "simple":
        vector = vector + SearchVector("title", "summary", "body", weight="D", config="simple")
    return vector


def update_search_vector(story_ids, language: str) -> None:
    """Store the search vector of these stories (all in one language). PostgreSQL only."""
    if not uses_postgresql():
        return
    from stories.models import Story

    Story.objects.filter(pk__in=story_ids).update(search_vector=story_vector(language))


def update_all_search_vectors() -> None:
    from stories.models import Story

    for language in Story.objects.values_list("language", flat=True).distinct():
        update_search_vector(Story.objects.filter(language=language).values("pk"), language)


def _query(text: str, language: str) -> SearchQuery:
    return SearchQuery(text, config=config_for(language), search_type="websearch") | SearchQuery(
        text, config="simple", search_type="websearch"
    )


def search(queryset: QuerySet, text: str, language: str) -> QuerySet:
    """Stories matching the words, with `rank` (PostgreSQL) for ordering by relevance and `snippet`."""
    if not text:
        return queryset
    if uses_postgresql():
        query = _query(text, language)
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query),
            snippet=SearchHeadline(
                "summary",
                query,
                config=config_for(language),
                start_sel=_MARK_START,
                stop_sel=_MARK_END,
                max_words=40,
                min_words=20,
            ),
        )
    # SQLite: every word somewhere in the title, summary or body; no ranking.
    condition = Q()
    for word in text.replace('"', " ").split()[:10]:
        word = word.lstrip("-")
        if word and word.lower() not in {"or", "and"}:
            condition &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
    return queryset.filter(condition).annotate(rank=Value(0.0), snippet=F("summary"))


def highlighted(snippet: str | None) -> SafeString:
    """The snippet escaped, with the matched words in <mark>."""
    text = escape(snippet or "")
    return mark_safe(text.replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>"))  # noqa: S308 - escaped above
