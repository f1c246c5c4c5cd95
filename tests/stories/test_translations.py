"""Stories in several languages: written in one, translated by the mission, shown and found in each."""

import pytest
from django.urls import reverse
from django.utils import translation

from stories import services
from stories.models import Story, StoryTranslation
from tests.factories import PublishedStoryFactory
from tests.stories.test_form_flow import form_data

pytestmark = pytest.mark.django_db


def with_translation(**overrides) -> dict:
    data = form_data()
    for name in ("alt_text", "caption", "credit", "consent_confirmed"):
        data.pop(f"images-0-{name}")  # no photo in these tests
    data.update(
        {
            "translations-TOTAL_FORMS": "1",
            "translations-INITIAL_FORMS": "0",
            "translations-MIN_NUM_FORMS": "0",
            "translations-MAX_NUM_FORMS": "5",
            "translations-0-language": "fr",
            "translations-0-title": "L'enregistrement des naissances pour chaque enfant",
            "translations-0-summary": "Chaque enfant est enregistré à la naissance, gratuitement.",
            "translations-0-body": "Des équipes mobiles visitent **chaque maternité**.",
        }
    )
    data.update(overrides)
    return data


def test_the_mission_adds_a_translation_in_the_story_form(staff_client):
    response = staff_client.post(reverse("my_stories:story_create"), with_translation())

    assert response.status_code == 302
    story = Story.objects.get(title="Birth registration for every child")
    assert story.translations.get().title == "L'enregistrement des naissances pour chaque enfant"


def test_a_translation_in_the_storys_own_language_or_twice_the_same_is_refused(staff_client):
    data = with_translation(**{"translations-0-language": "en"})
    html = staff_client.post(reverse("my_stories:story_create"), data).content.decode()
    assert "cannot be in the language the story is written in" in html

    data = with_translation(**{"translations-TOTAL_FORMS": "2"})
    data.update({"translations-1-language": "fr", "translations-1-title": "Encore"})
    html = staff_client.post(reverse("my_stories:story_create"), data).content.decode()
    assert "at most one translation per language" in html
    assert not Story.objects.exists()


def test_visitors_read_the_story_in_their_language_when_it_exists(client):
    story = PublishedStoryFactory(title="Birth registration for every child", language="en")
    StoryTranslation.objects.create(
        story=story,
        language="fr",
        title="L'enregistrement des naissances",
        summary="Chaque enfant.",
        body="Texte.",
    )

    with translation.override("fr"):
        french = client.get(story.get_absolute_url()).content.decode()
    with translation.override("es"):
        spanish = client.get(story.get_absolute_url()).content.decode()

    # Only the story's words carry its language: the article around them is the page's.
    assert '<article class="story">' in french
    assert '<h1 lang="fr" dir="ltr">L&#x27;enregistrement des naissances</h1>' in french
    assert "Birth registration for every child</h1>" not in french
    # No Spanish translation: the original, marked as English, with the languages it exists in.
    assert '<h1 lang="en" dir="ltr">Birth registration for every child</h1>' in spanish
    assert 'hreflang="fr"' in spanish and f"/fr/stories/{story.slug}/" in spanish


def test_the_gallery_search_finds_a_story_by_the_words_of_its_translation(client):
    story = PublishedStoryFactory(title="Birth registration for every child", language="en")
    services.translations_replace(
        story=story,
        translations=[services.TranslationData(language="fr", title="Enregistrement des naissances")],
    )
    from stories.search import update_search_vector

    update_search_vector([story.pk], story.language)

    html = client.get(reverse("stories:story_list"), {"q": "naissances"}).content.decode()

    assert "1 story" in html
    assert story.get_absolute_url().split("/", 2)[2] in html
