"""The Atom feed of published stories; it accepts the gallery's filters."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stories.filters import StoryFilter, filtered_stories
from stories.models import Story

FEED_SIZE = 50


def story_tag_uri(story: Story) -> str:
    """The story's Atom id, a tag URI (RFC 4151): `tag:<site host>,<day the story was created>:story:<id>`.

    The host is one the portal holds (settings.SITE_URL) and the day one when it held it; neither the title
    nor the language prefix is in it, so the id stays the same for the story's whole life.
    """
    host = (urlsplit(settings.SITE_URL).hostname or "localhost").lower()
    day = story.created_at.astimezone(datetime.UTC).date().isoformat()
    return f"tag:{host},{day}:story:{story.pk}"


@dataclass(frozen=True)
class FeedQuery:
    filterset: StoryFilter
    query: str


class _MarksLanguages:
    """Stands in for the XML writer while an entry's elements are written: adds `xml:lang` to the elements
    named in `languages`, and passes everything else through untouched."""

    def __init__(self, handler, languages: dict[str, str]) -> None:
        self._handler = handler
        self._languages = languages

    def _with_language(self, name: str, attrs: dict | None) -> dict:
        language = self._languages.get(name)
        return {**(attrs or {}), "xml:lang": language} if language else (attrs or {})

    def startElement(self, name: str, attrs: dict) -> None:
        self._handler.startElement(name, self._with_language(name, attrs))

    def addQuickElement(self, name: str, contents=None, attrs=None) -> None:
        self._handler.addQuickElement(name, contents, self._with_language(name, attrs))

    def __getattr__(self, name: str):
        return getattr(self._handler, name)


class LanguageAtomFeed(Atom1Feed):
    """Atom with the language of every text: the feed's (`xml:lang` on <feed>, the interface language) and
    each entry's (`xml:lang` on <entry>, the language of the story's title). Inside an entry, what is in
    another language says so: the summary when a translation has none of its own (the original's is shown),
    and the author (the member's name) and categories (theme names), which are in the interface language.
    """

    def item_attributes(self, item: dict) -> dict:
        attrs = super().item_attributes(item)
        if item.get("language"):
            attrs["xml:lang"] = item["language"]
        return attrs

    def add_item_elements(self, handler, item: dict) -> None:
        entry = item.get("language")
        interface = self.feed["language"]
        languages = {}
        if item.get("summary_language") and item["summary_language"] != entry:
            languages["summary"] = item["summary_language"]
        if entry and interface and interface != entry:
            languages["author"] = languages["category"] = interface
        super().add_item_elements(_MarksLanguages(handler, languages) if languages else handler, item)


class StoryFeed(Feed):
    """The published stories, each in the interface language when translated into it, else as written
    (as on the story's page), each entry marked with its language."""

    feed_type = LanguageAtomFeed
    title = _("Good Human Rights Stories")
    subtitle = _("Good practices in human rights shared by the members of the initiative.")

    def get_object(self, request, *args, **kwargs) -> FeedQuery:
        # One feed object serves every request: what belongs to this request travels in the object.
        filterset, _ignored = filtered_stories(request.GET)
        return FeedQuery(filterset=filterset, query=request.GET.urlencode())

    def link(self, obj: FeedQuery) -> str:
        return reverse("stories:story_list") + (f"?{obj.query}" if obj.query else "")

    def items(self, obj: FeedQuery) -> list[Story]:
        stories = list(
            obj.filterset.qs.select_related("member")
            .prefetch_related("themes", "translations")
            .order_by("-published_at", "-pk")[:FEED_SIZE]
        )
        language = get_language()
        for story in stories:
            story.feed_text = story.text_in(language)
        return stories

    def item_title(self, story: Story) -> str:
        return story.feed_text.title

    def item_description(self, story: Story) -> str:
        return story.feed_text.summary

    def item_extra_kwargs(self, story: Story) -> dict[str, str]:
        text = story.feed_text
        return {"language": text.language, "summary_language": text.summary_language}

    def item_link(self, story: Story) -> str:
        return story.get_absolute_url()

    def item_guid(self, story: Story) -> str:
        return story_tag_uri(story)

    item_guid_is_permalink = False

    def item_pubdate(self, story: Story):
        return story.published_at

    def item_updateddate(self, story: Story):
        return max(story.updated_at, story.published_at) if story.published_at else story.updated_at

    def item_author_name(self, story: Story) -> str:
        return story.member.name  # the member speaks; no personal names in public data

    def item_categories(self, story: Story) -> list[str]:
        return [str(theme) for theme in story.themes.all()]
