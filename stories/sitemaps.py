"""The stories' part of the sitemap (the registry is coalition/sitemaps.py)."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils import translation

from stories.models import Story


class StorySitemap(Sitemap):
    """Every published story in each interface language, with the other languages as alternates.

    Django's i18n sitemaps build the list of (story, language) pairs for every story before paging it, and
    the index reads every story for the latest change: at 100,000 stories, 4 s for the index and 10 s and
    38 MB for each page. Here a sitemap page reads its own 1,000 stories only (6,000 URLs, under the
    protocol's 50,000), builds each URL from one reversed pattern per language, and the index asks the
    database for the latest change.
    """

    changefreq = "monthly"
    limit = 1000  # stories per sitemap page; each is listed in every language

    def items(self):
        return Story.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, story: Story):
        return story.updated_at

    def get_latest_lastmod(self):
        return Story.objects.published().aggregate(latest=Max("updated_at"))["latest"]

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        base = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        paths = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                paths[code] = reverse("stories:story_detail", kwargs={"slug": _SLUG}).split(_SLUG)
        urls, latest = [], None
        for story in self.paginator.page(page).object_list:
            alternates = [
                {"location": f"{base}{before}{story.slug}{after}", "lang_code": code}
                for code, (before, after) in paths.items()
            ]
            latest = story.updated_at if latest is None else max(latest, story.updated_at)
            urls += [
                {
                    "item": story,
                    "location": alternate["location"],
                    "lastmod": story.updated_at,
                    "changefreq": self.changefreq,
                    "priority": "",
                    "alternates": alternates,
                }
                for alternate in alternates
            ]
        if latest is not None:
            self.latest_lastmod = latest
        return urls


_SLUG = "sitemap-slug-placeholder"
