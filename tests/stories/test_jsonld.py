"""A story as a schema.org Article: its themes, SDGs and targets as defined terms, its country, its language
and translations, its licence, and a permanent identifier that no edit and no reader's language changes."""

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import translation

from core.models import OpenDataLicence
from members.models import Member
from stories import services
from stories.jsonld import story_identifier, story_structured_data
from stories.models import SdgTarget, StoryTranslation, Theme
from stories.views import story_queryset
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    story = factories.PublishedStoryFactory(
        member=Member.objects.get(country="UY"),
        title="Mobile courts in rural departments",
        slug="mobile-courts",
        summary="Judges travel to the villages.",
        themes=list(Theme.objects.filter(slug__in=["gender-equality", "sdg-16"])),
    )
    story.sdg_targets.set(SdgTarget.objects.filter(code__in=["16.3", "5.a"]))
    StoryTranslation.objects.create(
        story=story, language="fr", title="Des tribunaux mobiles", summary="Les juges vont aux villages."
    )
    return story


def article(story, language: str = "en") -> dict:
    request = RequestFactory().get(f"/{language}/stories/{story.slug}/")
    with translation.override(language):
        loaded = story_queryset().get(pk=story.pk)
        return story_structured_data(loaded, loaded.text_in(language), request)


def test_the_article_names_its_words_its_author_and_its_publisher(story):
    data = article(story)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Article"
    assert data["headline"] == "Mobile courts in rural departments"
    assert data["description"] == "Judges travel to the villages."
    assert data["inLanguage"] == "en"
    assert data["url"] == data["mainEntityOfPage"] == "http://testserver/en/stories/mobile-courts/"
    assert data["datePublished"] == story.published_at.isoformat()
    assert data["author"] == {
        "@type": "Organization",
        "name": "Uruguay",
        "url": "http://testserver/en/members/uy/",
    }
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Good Human Rights Stories Initiative",
        "url": "http://testserver/en/",
    }
    assert data["spatialCoverage"] == {"@type": "Country", "name": "Uruguay", "identifier": "UY"}


def test_themes_goals_and_targets_are_defined_terms_with_the_codes_of_the_open_data(story):
    terms = {term["termCode"]: term for term in article(story)["about"]}

    assert set(terms) == {"gender-equality", "16", "16.3", "5.a"}
    assert all(term["@type"] == "DefinedTerm" for term in terms.values())
    assert terms["gender-equality"]["name"] == "Gender equality"
    assert terms["gender-equality"]["inDefinedTermSet"] == {
        "@type": "DefinedTermSet",
        "name": "Priority themes",
        "url": "http://testserver/en/stories/",
    }
    assert terms["16"]["name"].startswith("SDG 16: ")
    assert terms["16"]["inDefinedTermSet"]["name"] == "Sustainable Development Goals"
    assert terms["16.3"]["inDefinedTermSet"]["name"] == "SDG targets"
    assert terms["16.3"]["name"].startswith("Promote the rule of law")
    assert {terms[code]["inDefinedTermSet"]["url"] for code in ("16", "16.3")} == {
        "https://sdgs.un.org/goals"
    }


def test_the_european_union_is_a_place_not_a_country():
    story = factories.PublishedStoryFactory(member=Member.objects.get(country="EU"))

    coverage = article(story)["spatialCoverage"]

    assert coverage["@type"] == "Place"
    assert coverage["identifier"] == "EU"


def test_the_original_lists_its_translations(story):
    data = article(story)

    assert data["workTranslation"] == [
        {
            "@type": "Article",
            "headline": "Des tribunaux mobiles",
            "inLanguage": "fr",
            "url": "http://testserver/fr/stories/mobile-courts/",
        }
    ]
    assert "translationOfWork" not in data


def test_a_translation_is_the_article_and_names_the_work_it_translates(story):
    StoryTranslation.objects.create(story=story, language="es", title="Tribunales móviles")

    data = article(story, "fr")

    assert data["headline"] == "Des tribunaux mobiles"
    assert data["inLanguage"] == "fr"
    assert data["url"] == "http://testserver/fr/stories/mobile-courts/"
    original = data["translationOfWork"]
    assert original["headline"] == "Mobile courts in rural departments"
    assert original["inLanguage"] == "en"
    assert original["identifier"] == data["identifier"]
    assert [t["inLanguage"] for t in original["workTranslation"]] == ["es"]
    assert "workTranslation" not in data


def test_a_page_in_a_language_with_no_translation_describes_the_original(story):
    data = article(story, "ar")

    assert data["headline"] == "Mobile courts in rural departments"
    assert data["inLanguage"] == "en"
    assert data["url"] == "http://testserver/ar/stories/mobile-courts/"
    assert [t["inLanguage"] for t in data["workTranslation"]] == ["fr"]


def test_the_licence_is_the_one_the_secretariat_set(story, django_capture_on_commit_callbacks):
    assert article(story)["license"] == "https://creativecommons.org/licenses/by/4.0/"

    with django_capture_on_commit_callbacks(execute=True):
        OpenDataLicence.objects.create(
            name="CC BY-SA 4.0", url="https://creativecommons.org/licenses/by-sa/4.0/", attribution="Cite us"
        )

    assert article(story)["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"


def test_the_identifier_is_the_page_in_the_story_s_own_language_under_site_url(story, settings):
    settings.SITE_URL = "https://goodstories.example"

    assert article(story)["identifier"] == "https://goodstories.example/en/stories/mobile-courts/"
    # Whatever language the reader uses.
    assert article(story, "ar")["identifier"] == "https://goodstories.example/en/stories/mobile-courts/"
    arabic = factories.PublishedStoryFactory(language="ar", slug="mahakim")
    assert story_identifier(arabic) == "https://goodstories.example/ar/stories/mahakim/"


def test_the_identifier_survives_a_new_title():
    """The slug is made from the first title and kept by every later save: the identifier with it."""
    author = factories.UserFactory()
    story = services.story_save(
        story=factories.StoryFactory.build(member=author.mission.member, title="Courts on wheels", slug=""),
        actor=author,
        expected_version=None,
        themes=[Theme.objects.get(slug="sdg-16")],
        images=[],
    )
    before = story_identifier(story)
    story.title = "Mobile courts reach every department"

    services.story_save(story=story, actor=author, expected_version=story.version, themes=[], images=[])

    story.refresh_from_db()
    assert story.title == "Mobile courts reach every department"
    assert story_identifier(story) == before == f"{settings.SITE_URL}/en/stories/courts-on-wheels/"
