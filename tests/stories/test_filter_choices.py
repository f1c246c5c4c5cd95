"""The filter forms of the gallery and of the recommendations list: every menu's empty choice says what
it means ("Any member"), never "---------", in every language; the forms fold behind a "Filter ..." button
that is open when a filter is in use."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fr", "es", "ar", "zh-hans", "ru"]


def get(client, name: str, language: str, query: str = "") -> str:
    with translation.override(language):
        url = reverse(name)
    response = client.get(f"{url}{query}")
    assert response.status_code == 200
    return response.content.decode()


def empty_choices(html: str) -> dict[str, str]:
    """Each menu's name -> the label of its option without a value."""
    return {
        name: label
        for name, label in re.findall(
            r'<select name="([^"]+)"[^>]*>\s*<option value=""[^>]*>([^<]*)</option>', html
        )
    }


@pytest.fixture
def content():
    story = factories.PublishedStoryFactory(policy_year=2015)
    factories.RecommendationFactory(country=story.member.country)
    return story


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_gallerys_menus_say_any_instead_of_dashes(client, content, language):
    html = get(client, "stories:story_list", language)
    assert "---------" not in html
    with translation.override(language):
        expected = {
            "member": translation.gettext("Any member"),
            "region": translation.gettext("Any region"),
            "theme": translation.gettext("Any theme"),
            "sdg": translation.gettext("Any SDG"),
            "target": translation.gettext("Any SDG target"),
            "year": translation.gettext("Any year"),
        }
    assert empty_choices(html) == expected
    # The order has no empty choice: one order always applies.
    assert 'name="sort"' in html and "sort" not in empty_choices(html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_recommendations_menus_say_any_instead_of_dashes(client, content, language):
    html = get(client, "recommendations:recommendation_list", language)
    assert "---------" not in html
    with translation.override(language):
        expected = {
            "member": translation.gettext("Any member"),
            "mechanism": translation.gettext("Any mechanism"),
            "body": translation.gettext("Any body"),
            "cycle": translation.gettext("Any cycle"),
            "response": translation.gettext("Any response"),
            "theme": translation.gettext("Any theme"),
            "sdg": translation.gettext("Any SDG"),
            "target": translation.gettext("Any SDG target"),
            "answered": translation.gettext("Answered or not"),
        }
    assert empty_choices(html) == expected


def test_a_chosen_filter_is_still_named_by_its_value(client, content):
    html = get(client, "recommendations:recommendation_list", "en", "?mechanism=upr")
    # The active filters' chips show the menu's label for the value, not the empty choice's.
    assert "Mechanism: <bdi>Universal Periodic Review</bdi>" in html


def test_a_special_procedures_mandate_in_the_menu_is_marked_english_on_an_arabic_page(client, content):
    factories.RecommendationFactory(
        country=content.member.country,
        mechanism="special_procedures",
        body="Special Rapporteur on the right to food",
        response="",
        upr_cycle=None,
    )
    html = get(client, "recommendations:recommendation_list", "ar")
    assert (
        '<option value="Special Rapporteur on the right to food" dir="ltr" lang="en">'
        "Special Rapporteur on the right to food</option>"
    ) in html


def filter_panel(html: str) -> str:
    match = re.search(r'<details class="filter-panel"[^>]*>\s*<summary[^>]*>[^<]*</summary>', html)
    assert match, "the filters are folded in a <details> with a summary"
    return match.group(0)


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        ("stories:story_list", "Filter stories"),
        ("recommendations:recommendation_list", "Filter recommendations"),
    ],
)
def test_the_filters_are_folded_unless_one_is_in_use(client, content, name, summary):
    closed = filter_panel(get(client, name, "en"))
    assert " open" not in closed and f">{summary}</summary>" in closed
    assert 'class="button button-secondary"' in closed  # looks like a button, focus ring as every control

    opened = filter_panel(get(client, name, "en", "?sdg=16"))
    assert '<details class="filter-panel" open>' in opened


def test_words_alone_open_the_gallerys_filters_but_the_order_alone_does_not(client, content):
    assert " open>" in filter_panel(get(client, "stories:story_list", "en", "?q=courts"))
    assert " open>" not in filter_panel(get(client, "stories:story_list", "en", "?sort=oldest"))


def test_the_summary_is_in_the_pages_language(client, content):
    html = get(client, "stories:story_list", "fr")
    with translation.override("fr"):
        word = translation.gettext("Filter stories")
    assert f">{word}</summary>" in filter_panel(html)
