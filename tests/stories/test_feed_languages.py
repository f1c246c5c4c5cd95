"""The Atom feed says the language of every text: the feed's own (the interface language) on <feed>, each
story's on its <entry>, and, inside an entry, whatever is in another language (the interface's author and
categories; a translation's borrowed summary)."""

import datetime
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from stories.models import StoryTranslation
from tests import factories

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def feed_url(language: str) -> str:
    with translation.override(language):
        return reverse("feeds:stories")


def read(client, language: str) -> ET.Element:
    response = client.get(feed_url(language))
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 - our own feed


def entries_by_id(root: ET.Element) -> dict[str, ET.Element]:
    return {entry.findtext(f"{ATOM}id").rsplit(":", 1)[1]: entry for entry in root.iter(f"{ATOM}entry")}


@pytest.fixture
def stories(db):
    now = timezone.now()
    english = factories.PublishedStoryFactory(
        title="Mobile courts reach remote villages", language="en", published_at=now
    )
    french = factories.PublishedStoryFactory(
        title="Des tribunaux mobiles dans les villages",
        summary="Les juges se déplacent.",
        language="fr",
        published_at=now - datetime.timedelta(hours=1),
    )
    translated = factories.PublishedStoryFactory(
        title="Legal aid in every district",
        summary="Lawyers paid by the state.",
        language="en",
        published_at=now - datetime.timedelta(hours=2),
    )
    # A translation without a summary of its own: the original's English summary is shown.
    arabic = StoryTranslation(story=translated, language="ar", title="المساعدة القانونية في كل مقاطعة")
    arabic.mark_current()
    arabic.save()
    return {"english": english, "french": french, "translated": translated}


def test_the_feed_and_each_entry_carry_their_language(client, stories):
    root = read(client, "ar")
    entries = entries_by_id(root)
    english, french, translated = (
        entries[str(stories[name].pk)] for name in ("english", "french", "translated")
    )

    assert root.get(LANG) == "ar"  # the interface: the feed's title, subtitle
    assert english.get(LANG) == "en"
    assert english.findtext(f"{ATOM}title") == "Mobile courts reach remote villages"
    assert french.get(LANG) == "fr"
    assert french.findtext(f"{ATOM}title") == "Des tribunaux mobiles dans les villages"
    # Translated into the interface language: the translation, marked as Arabic; its summary is English.
    assert translated.get(LANG) == "ar"
    assert translated.findtext(f"{ATOM}title") == "المساعدة القانونية في كل مقاطعة"
    assert translated.find(f"{ATOM}summary").get(LANG) == "en"
    assert translated.findtext(f"{ATOM}summary") == "Lawyers paid by the state."


def test_interface_text_inside_an_entry_is_marked_as_the_interfaces(client, stories):
    entries = entries_by_id(read(client, "ar"))
    english = entries[str(stories["english"].pk)]
    translated = entries[str(stories["translated"].pk)]

    # The member's name and the theme names are in the interface language, not the story's.
    assert english.find(f"{ATOM}author").get(LANG) == "ar"
    categories = english.findall(f"{ATOM}category")
    assert categories and {category.get(LANG) for category in categories} == {"ar"}
    assert english.find(f"{ATOM}summary").get(LANG) is None  # the story's own, inherited from <entry>
    # In an Arabic entry, Arabic needs no mark of its own.
    assert translated.find(f"{ATOM}author").get(LANG) is None


def test_in_the_storys_own_language_nothing_is_marked_twice(client, stories):
    root = read(client, "en")
    english = entries_by_id(root)[str(stories["english"].pk)]

    assert root.get(LANG) == "en"
    assert english.get(LANG) == "en"
    assert all(element.get(LANG) is None for element in english.iter() if element is not english)


def test_a_feed_reader_sees_each_entrys_language(client, stories):
    parsed = feedparser.parse(client.get(feed_url("ar")).content)
    languages = {entry.title: entry.title_detail.language for entry in parsed.entries}

    assert parsed.feed.title_detail.language == "ar"
    assert languages == {
        "Mobile courts reach remote villages": "en",
        "Des tribunaux mobiles dans les villages": "fr",
        "المساعدة القانونية في كل مقاطعة": "ar",
    }


def test_the_feeds_queries_do_not_grow_with_its_entries(client, stories, django_assert_max_num_queries):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            read(client, "ar")
        return len(queries)

    few = count()
    for number in range(12):
        translated = factories.PublishedStoryFactory(published_at=timezone.now())
        StoryTranslation.objects.create(story=translated, language="ar", title=f"قصة {number}")
    assert count() == few
    cache.clear()
    with django_assert_max_num_queries(few):
        read(client, "ar")
