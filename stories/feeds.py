"""The Atom feed of published stories; it accepts the gallery's filters."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
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


class StoryFeed(Feed):
    feed_type = Atom1Feed
    title = _("Good Human Rights Stories")
    subtitle = _("Good practices in human rights shared by the members of the initiative.")

    def get_object(self, request, *args, **kwargs) -> FeedQuery:
        # One feed object serves every request: what belongs to this request travels in the object.
        filterset, _ignored = filtered_stories(request.GET)
        return FeedQuery(filterset=filterset, query=request.GET.urlencode())

    def link(self, obj: FeedQuery) -> str:
        return reverse("stories:story_list") + (f"?{obj.query}" if obj.query else "")

    def items(self, obj: FeedQuery):
        return (
            obj.filterset.qs.select_related("member")
            .prefetch_related("themes")
            .order_by("-published_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, story: Story) -> str:
        return story.title

    def item_description(self, story: Story) -> str:
        return story.summary

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
