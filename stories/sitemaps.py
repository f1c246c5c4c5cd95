"""The stories' part of the sitemap (the registry is coalition/sitemaps.py)."""

from functools import cached_property

from django.urls import reverse

from core.sitemaps import LanguageSitemap
from stories.models import Story

_SLUG = "sitemap-slug-placeholder"


class StorySitemap(LanguageSitemap):
    """Every published story in each interface language, with the other languages as alternates.

    Django's i18n sitemaps build the list of (story, language) pairs for every story before paging it, and
    the index reads every story for the latest change: at 100,000 stories, 4 s for the index and 10 s and
    38 MB for each page. Here (core.sitemaps.LanguageSitemap) a sitemap page reads its own 1,000 stories
    only (6,000 URLs, under the protocol's 50,000), builds each URL from one reversed pattern, and the index
    asks the database for the latest change.
    """

    changefreq = "monthly"
    lastmod_field = "updated_at"

    def items(self):
        return Story.objects.published().only("slug", "updated_at").order_by("pk")

    @cached_property
    def _around_slug(self) -> tuple[str, str]:
        # Reversed once for the page rather than once for each of its 1,000 stories.
        before, after = reverse("stories:story_detail", kwargs={"slug": _SLUG}).split(_SLUG)
        return before, after

    def location(self, story: Story) -> str:
        before, after = self._around_slug
        return f"{before}{story.slug}{after}"
