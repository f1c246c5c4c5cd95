"""In Chromium, the admin in Arabic: breadcrumbs read right to left, their separators pointing from each crumb
to the next, whatever language each crumb is in. Names without an Arabic translation (a third-party app's)
and objects' English titles are English crumbs; two in a row ran together left to right (the separator
between them pointing backwards) until each crumb was isolated (static/admin-extra/admin.css)."""

import pytest
from django.conf import settings

from tests.e2e.conftest import log_in
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The left edge of each crumb in reading order: each link, then the text of the last crumb.
CRUMB_EDGES = """() => {
  const crumbs = document.querySelector("div.breadcrumbs");
  const edges = [...crumbs.querySelectorAll("a")].map(a => a.getBoundingClientRect().left);
  const last = [...crumbs.childNodes].filter(node => node.nodeType === Node.TEXT_NODE).pop();
  const start = last.textContent.search(/[^\\s\\u203a]/);
  const range = document.createRange();
  range.setStart(last, start);
  range.setEnd(last, last.textContent.trimEnd().length);
  edges.push(range.getBoundingClientRect().left);
  return edges;
}"""


def test_breadcrumbs_read_right_to_left_in_arabic(live_server, page, secretariat_user):
    story = StoryFactory(title="Mobile courts reach remote villages")
    base = live_server.url
    log_in(page, base, secretariat_user.email, TEST_PASSWORD)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": base}])

    page.goto(f"{base}/admin/stories/story/{story.pk}/change/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    translated = page.evaluate(CRUMB_EDGES)
    # The same page as an app without an Arabic translation would show it: every crumb but Home in English.
    page.evaluate(
        """() => document.querySelectorAll("div.breadcrumbs a:not(:first-child)")
                 .forEach(a => { a.textContent = "Stories"; })"""
    )
    untranslated = page.evaluate(CRUMB_EDGES)

    for edges in (translated, untranslated):
        assert len(edges) == 4, edges  # Home, the app, the stories, the story's title
        assert edges == sorted(edges, reverse=True), edges
