"""The markup of content on the public pages: only the words a mission wrote carry their language and
direction (title, summary, body, captions), the interface around them keeps the page's; the photos of the
first row of cards load at once, the rest lazily; translations that may be out of date say so; flags come
from our static files at 4:3."""

import datetime
import html as html_lib
import re

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from stories.models import FaceDetection, StoryImage, StoryTranslation
from tests import factories

pytestmark = pytest.mark.django_db


def get(client, url_name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        url = reverse(url_name, kwargs=kwargs or None)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def story_page(client, story, language: str) -> str:
    with translation.override(language):
        url = story.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def with_photo(story, **texts) -> StoryImage:
    renditions = {str(width): {"jpeg": f"r/{width}.jpg", "webp": f"r/{width}.webp"} for width in (480, 960)}
    texts.setdefault("alt_text", "Judges hear a case in a village hall")
    return StoryImage.objects.create(
        story=story,
        original="stories/originals/test.jpg",
        width=960,
        height=720,
        consent_confirmed=True,
        face_detection=FaceDetection.NONE,
        renditions=renditions,
        **texts,
    )


def stories_with_photos(count: int, **kwargs) -> list:
    stories = []
    for number in range(count):
        story = factories.PublishedStoryFactory(
            title=f"Story with a photo {number}",
            published_at=datetime.datetime(2024, 1, 1 + number, tzinfo=datetime.UTC),
            **kwargs,
        )
        with_photo(story)
        stories.append(story)
    return stories


def card_images(html: str) -> list[str]:
    """The <img> tag of each card's photo, in the order of the cards."""
    cards = re.findall(r'<li class="story-card">(.*?)</li>\s*(?=<li class="story-card">|</ul>)', html, re.S)
    return [re.search(r"<img src=\"[^\"]*\" srcset[^>]*>", card, re.S).group(0) for card in cards]


def loading(image: str) -> tuple[str | None, bool]:
    found = re.search(r'loading="(\w+)"', image)
    return (found.group(1) if found else None, 'fetchpriority="high"' in image)


def test_the_gallerys_first_row_of_two_cards_loads_at_once_the_first_photo_first(client):
    stories_with_photos(5)
    images = card_images(get(client, "stories:story_list"))
    # Beside the 17rem filter column, 16rem cards make rows of two at desktop width.
    assert [loading(image) for image in images] == [
        ("eager", True),
        ("eager", False),
        ("lazy", False),
        ("lazy", False),
        ("lazy", False),
    ]


def test_the_home_pages_row_of_three_cards_loads_at_once(client):
    stories_with_photos(3)
    images = card_images(get(client, "home"))
    assert [loading(image) for image in images] == [("eager", True), ("eager", False), ("eager", False)]


def test_a_member_pages_first_row_of_three_loads_at_once(client):
    member = factories.MemberFactory()
    stories_with_photos(5, member=member)
    images = card_images(get(client, "coalition:member_detail", iso=member.iso.lower()))
    assert [loading(image)[0] for image in images] == ["eager", "eager", "eager", "lazy", "lazy"]
    assert [loading(image)[1] for image in images] == [True, False, False, False, False]


def test_on_a_story_page_the_photo_comes_first_and_related_stories_wait(client):
    story, *_others = stories_with_photos(3)
    html = story_page(client, story, "en")
    hero = re.search(r'<figure class="story-hero">.*?</figure>', html, re.S).group(0)
    assert 'fetchpriority="high"' in hero and "loading=" not in hero
    related = re.search(r'<section aria-labelledby="related-heading".*?</section>', html, re.S).group(0)
    assert [loading(image) for image in card_images(related)] == [("lazy", False), ("lazy", False)]


def test_a_card_marks_only_the_missions_words_with_their_language(client):
    story = factories.PublishedStoryFactory(
        title="Mobile courts reach remote villages",
        summary="Judges travel to the villages.",
        policy_year=2015,
    )
    html = get(client, "stories:story_list", "ar")
    card = re.search(r'<li class="story-card">.*?</li>\s*</ul>', html, re.S).group(0)
    assert (
        '<h3 lang="en" dir="ltr"><a href="' in card and "Mobile courts reach remote villages</a></h3>" in card
    )
    assert '<p lang="en" dir="ltr">Judges travel to the villages.</p>' in card
    # The member line and the theme chips are the page's: no lang of their own, inside no lang of the story's.
    member_line = re.search(r'<p class="muted">.*?</p>', card, re.S).group(0)
    assert "lang=" not in member_line and "2015" in member_line
    with translation.override("ar"):
        assert str(story.member.name) in member_line


def test_a_translation_without_its_own_summary_shows_the_originals_marked_as_such(client):
    story = factories.PublishedStoryFactory(
        language="fr", title="Des bibliothèques ouvertes la nuit", summary="Ouvertes jusqu'à minuit."
    )
    row = StoryTranslation(story=story, language="ar", title="مكتبات مفتوحة ليلًا")
    row.mark_current()
    row.save()
    card = get(client, "stories:story_list", "ar")
    assert '<h3 lang="ar" dir="rtl">' in card
    assert '<p lang="fr" dir="ltr">Ouvertes jusqu&#x27;à minuit.</p>' in card
    page = story_page(client, story, "ar")
    assert '<h1 lang="ar" dir="rtl">مكتبات مفتوحة ليلًا</h1>' in page
    assert '<p class="lead" lang="fr" dir="ltr">Ouvertes jusqu&#x27;à minuit.</p>' in page
    assert '<div class="story-body" lang="fr" dir="ltr">' in page


def test_the_story_page_keeps_its_interface_out_of_the_storys_language(client):
    story = factories.PublishedStoryFactory(
        title="Mobile courts reach remote villages",
        summary="Judges travel to the villages.",
        body="Hearings in village halls.\n\n- Free\n- Close to home",
        policy_year=2015,
    )
    with_photo(story, caption="A hearing in a village hall", credit="Ministry press office")
    html = story_page(client, story, "ar")
    assert '<article class="story">' in html
    assert '<h1 lang="en" dir="ltr">Mobile courts reach remote villages</h1>' in html
    assert '<p class="lead" lang="en" dir="ltr">Judges travel to the villages.</p>' in html
    # The list's bullets sit on the English side: the body, lists and all, runs left to right.
    assert re.search(
        r'<div class="story-body" lang="en" dir="ltr"><p>Hearings in village halls.</p>\s*<ul>', html
    )
    with translation.override("ar"):
        photo_label = translation.gettext("Photo:")
    assert (
        '<figcaption><span lang="en" dir="ltr">A hearing in a village hall</span> · '
        f'<span class="credit">{photo_label} <bdi>Ministry press office</bdi></span></figcaption>'
    ) in html
    header = re.search(r'<header class="story-header">.*?</header>', html, re.S).group(0)
    facts = re.search(r'<dl class="facts">.*?</dl>', header, re.S).group(0)
    assert "lang=" not in facts


def test_an_out_of_date_translation_says_so_in_the_readers_language_with_a_link_to_the_original(client):
    story = factories.PublishedStoryFactory(language="en", title="Mobile courts")
    row = StoryTranslation(story=story, language="fr", title="Des tribunaux mobiles")
    row.mark_current()
    row.save()
    assert "outdated-translation" not in story_page(client, story, "fr")

    story.body += "\n\nSince 2024, in the north too."
    story.save()
    cache.clear()  # the page cache kept the French page of before
    html = story_page(client, story, "fr")
    with translation.override("fr"):
        notice = translation.gettext(
            "This translation may be out of date: the original was changed after it was made."
        )
        original_url = story.get_absolute_url().replace("/fr/", "/en/", 1)
    assert notice in html_lib.unescape(html)
    assert f'<a href="{original_url}" hreflang="en">' in html
    # Above the translated text.
    assert html.index("outdated-translation") < html.index('<h1 lang="fr"')


def test_the_language_links_carry_their_own_language_and_direction(client):
    html = get(client, "home", "en")
    assert 'hreflang="ar" lang="ar" dir="rtl"' in html
    assert 'hreflang="fr" lang="fr" dir="ltr"' in html


def test_flags_are_our_4_by_3_svgs(client):
    member = factories.MemberFactory(country="FR")
    factories.PublishedStoryFactory(member=member)
    gallery = get(client, "stories:story_list")
    assert '<img src="/static/flags/4x3/fr.svg" alt="" width="20" height="15">' in gallery
    members = get(client, "members:member_list")
    assert '<img src="/static/flags/4x3/fr.svg" alt="" width="24" height="18">' in members
    page = get(client, "coalition:member_detail", iso="fr")
    assert '<img src="/static/flags/4x3/fr.svg" alt="" width="36" height="27">' in page
    assert ".gif" not in gallery + members + page


def render(template: str, **context) -> str:
    return Template("{% load stories %}" + template).render(Context(context))


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ar", ' lang="ar" dir="rtl"'), ("zh-hans", ' lang="zh-hans" dir="ltr"'), ("", ' dir="auto"')],
)
def test_lang_attrs_gives_language_and_direction_or_lets_the_text_decide(code, expected):
    assert render("<p{{ code|lang_attrs }}>", code=code) == f"<p{expected}>"


def test_language_dir_of_an_unknown_language_is_auto():
    assert render("{{ 'xx-unknown'|language_dir }} {{ 'ar'|language_dir }}") == "auto rtl"


def test_isolated_wraps_escaped_content_in_its_language_or_a_bdi():
    assert render("{{ v|isolated:'en' }}", v="A & B") == '<span lang="en" dir="ltr">A &amp; B</span>'
    assert render("{{ v|isolated }}", v="<b>") == "<bdi>&lt;b&gt;</bdi>"


def test_a_reference_isolates_its_symbol_and_paragraph_in_the_pages_words():
    recommendation = factories.RecommendationFactory.build(symbol="A/HRC/38/4", paragraph="116.23")
    assert render("{{ r|isolated_reference }}", r=recommendation) == (
        "<bdi>A/HRC/38/4</bdi>, para. <bdi>116.23</bdi>"
    )
    without_paragraph = factories.RecommendationFactory.build(symbol="CAT/C/URY/CO/4", paragraph="")
    assert render("{{ r|isolated_reference }}", r=without_paragraph) == "<bdi>CAT/C/URY/CO/4</bdi>"
