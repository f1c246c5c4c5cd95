"""The public side of "inspired by" links between stories, for story pages and open data.

The links are kept by the recommendations app, which sits above this one: stories never import it, nor reach
its model classes through `_meta`; they read its rows only through the reverse relations, prefetched by name:
`Story.inspired_by_links` (the stories this one was inspired by) and `Story.inspired_links` (the stories it
inspired). Only confirmed links between published stories are public; the few links of a story are filtered
here, in Python (`Story.confirmed_inspired_by`, `Story.confirmed_inspired`).
"""

from __future__ import annotations

from stories.models import Story

# One query each, for all the stories of a page.
INSPIRED_BY_LOOKUPS = ("inspired_by_links__source__member", "inspired_by_links__meeting")
INSPIRED_LOOKUPS = ("inspired_links__story__member",)


def taken_up_in(story: Story) -> int:
    """In how many other members' stories (countries) this story was taken up (confirmed and published)."""
    return len({link.story.member_id for link in story.confirmed_inspired})
