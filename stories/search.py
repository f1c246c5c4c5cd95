"""Full-text search of published stories: PostgreSQL's ranked search, a plain fallback on SQLite.

Each story's vector is stored (and GIN-indexed) when its text changes: title weighted over summary over body,
once with its own language's stemming and once without, so a query in any language finds exact words.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

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
    if len(text) <= MAX_QUERY_LENGTH:
        return text, False
    cut = text[: MAX_QUERY_LENGTH + 1].rsplit(" ", 1)[0] if " " in text[:MAX_QUERY_LENGTH] else text
    return cut[:MAX_QUERY_LENGTH], True  # whole words only, so no half word becomes a search term


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
    """Store the search vector of these stories (all written in one language), their translations
    included, each with its own language's stemming. PostgreSQL only."""
    if not uses_postgresql():
        return
    from stories.models import Story, StoryTranslation

    Story.objects.filter(pk__in=story_ids).update(search_vector=story_vector(language))
    translations = StoryTranslation.objects.filter(story_id__in=story_ids).values_list(
        "story_id", "language", "title", "summary", "body"
    )
    with connection.cursor() as cursor:
        for story_id, translation_language, title, summary, body in translations:
            config = config_for(translation_language)
            cursor.execute(
                "UPDATE stories_story SET search_vector = search_vector"
                " || setweight(to_tsvector(%s::regconfig, %s), 'A')"
                " || setweight(to_tsvector(%s::regconfig, %s), 'B')"
                " || setweight(to_tsvector(%s::regconfig, %s), 'C')"
                " || setweight(to_tsvector('simple', %s), 'D')"
                " WHERE id = %s",
                [config, title, config, summary, config, body, f"{title} {summary} {body}", story_id],
            )


def update_all_search_vectors() -> None:
    from stories.models import Story

    # order_by(): the default ordering would otherwise make DISTINCT return one row per story.
    for language in Story.objects.order_by().values_list("language", flat=True).distinct():
        update_search_vector(Story.objects.filter(language=language).values("pk"), language)


def _query(text: str, language: str) -> SearchQuery:
    return SearchQuery(text, config=config_for(language), search_type="websearch") | SearchQuery(
        text, config="simple", search_type="websearch"
    )


def search(queryset: QuerySet, text: str, language: str) -> QuerySet:
    """Stories matching the words, with `rank` (PostgreSQL) for ordering by relevance. Snippets are made
    separately, for the shown page only (`add_snippets`): ts_headline is costly on every match."""
    if not text:
        return queryset
    if uses_postgresql():
        query = _query(text, language)
        return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
    # SQLite: the same query language as PostgreSQL's websearch (words, "phrases", -excluded, or), matched
    # anywhere in the title, summary or body; no ranking.
    return queryset.filter(_plain_condition(text)).annotate(rank=Value(0.0))


def add_snippets(stories, text: str, language: str) -> None:
    """Give each story of a page its `snippet`: the summary with the matched words marked (PostgreSQL)."""
    from stories.models import Story

    stories = list(stories)
    if not text or not stories:
        return
    if not uses_postgresql():
        for story in stories:
            story.snippet = story.summary
        return
    snippets = dict(
        Story.objects.filter(pk__in=[story.pk for story in stories])
        .annotate(
            snippet=SearchHeadline(
                "summary",
                _query(text, language),
                config=config_for(language),
                start_sel=_MARK_START,
                stop_sel=_MARK_END,
                max_words=40,
                min_words=20,
            )
        )
        .values_list("pk", "snippet")
    )
    for story in stories:
        story.snippet = snippets.get(story.pk, story.summary)


_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


def _contains(term: str) -> Q:
    """The term in the story or in one of its translations."""
    from stories.models import StoryTranslation

    translated = StoryTranslation.objects.filter(
        Q(title__icontains=term) | Q(summary__icontains=term) | Q(body__icontains=term)
    ).values("story_id")
    return (
        Q(title__icontains=term) | Q(summary__icontains=term) | Q(body__icontains=term) | Q(pk__in=translated)
    )


def _plain_condition(text: str) -> Q:
    groups: list[list[str]] = []  # each group: terms of which one must match; all groups must match
    excluded: list[str] = []
    join_next = False
    for minus, phrase, word in _TOKEN.findall(text)[:20]:
        if word and word.lower() == "or":
            join_next = bool(groups)
            continue
        if word.startswith("-") and len(word) > 1:
            minus, word = "-", word[1:]
        term = (phrase or word).strip().strip('"')
        if not term:
            continue
        if minus:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    condition = Q()
    for group in groups:
        alternatives = Q()
        for term in group:
            alternatives |= _contains(term)
        condition &= alternatives
    for term in excluded:
        condition &= ~_contains(term)
    return condition


_MARKED = re.compile(f"({_MARK_START}.*?{_MARK_END})", re.S)


def highlighted(snippet: str | None) -> SafeString:
    """The snippet escaped, with the matched words in <mark>."""
    pieces = (
        format_html("<mark>{}</mark>", piece[1:-1]) if piece.startswith(_MARK_START) else escape(piece)
        for piece in _MARKED.split(snippet or "")
        if piece
    )
    return format_html_join("", "{}", ((piece,) for piece in pieces))
