"""Each of the six languages in Chromium: the home page, the gallery, a story and a meeting carry the right
`lang` and `dir` and a translated navigation; the language links keep the visitor on the same page."""

import datetime

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from meetings import services as meeting_services
from meetings.models import Meeting
from tests.factories import PublishedStoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LANGUAGES = {"en": "ltr", "fr": "ltr", "es": "ltr", "ar": "rtl", "zh-hans": "ltr", "ru": "ltr"}


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.fixture
def story_and_meeting(db):
    story = PublishedStoryFactory(title="Mobile courts reach remote villages", published_at=timezone.now())
    start = timezone.now() + datetime.timedelta(days=20)
    meeting = meeting_services.meeting_save(
        meeting=Meeting(
            title="Ministerial meeting on access to justice",
            kind=Meeting.Kind.MINISTERIAL,
            city=Meeting.City.NEW_YORK,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
        )
    )
    return story, meeting


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_pages_in_each_language(live_server, page, story_and_meeting, language):
    story, meeting = story_and_meeting
    stories_word, members_word = in_language(language, "Stories"), in_language(language, "Members")
    if language != "en":
        assert stories_word != "Stories", "the navigation is translated"
    paths = [
        f"/{language}/",
        f"/{language}/stories/",
        f"/{language}/stories/{story.slug}/",
        f"/{language}/meetings/{meeting.slug}/",
    ]
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        html = page.locator("html")
        expect(html).to_have_attribute("lang", language)
        expect(html).to_have_attribute("dir", LANGUAGES[language])
        navigation = page.get_by_role("navigation", name=in_language(language, "Main"))
        expect(navigation.get_by_role("link", name=stories_word, exact=True)).to_be_visible()
        expect(navigation.get_by_role("link", name=members_word, exact=True)).to_be_visible()

    # The language links lead to the same page in another language.
    other = "fr" if language != "fr" else "ar"
    page.get_by_role("navigation", name=in_language(language, "Language")).locator(
        f"a[hreflang='{other}']"
    ).click()
    expect(page).to_have_url(f"{live_server.url}/{other}/meetings/{meeting.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", other)


def test_the_root_sends_visitors_to_their_browsers_language(live_server, browser):
    context = browser.new_context(locale="ar-EG", extra_http_headers={"Accept-Language": "ar"})
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/ar/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    context.close()
