import pytest

from core.slugs import unique_slug
from stories.models import Story
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_free_slug_is_the_plain_slug():
    assert unique_slug("Legal aid for all", taken=Story.objects.all(), fallback="x") == ("legal-aid-for-all")


def test_taken_slugs_get_the_next_free_number():
    factories.StoryFactory(slug="legal-aid")
    factories.StoryFactory(slug="legal-aid-2")
    assert unique_slug("Legal aid", taken=Story.objects.all(), fallback="story") == "legal-aid-3"


def test_the_row_being_saved_does_not_count_as_taken():
    story = factories.StoryFactory(slug="legal-aid")
    assert unique_slug("Legal aid", taken=Story.objects.exclude(pk=story.pk), fallback="story") == (
        "legal-aid"
    )


def test_text_with_nothing_to_slugify_gets_the_fallback():
    assert unique_slug("¿?!", taken=Story.objects.none(), fallback="meeting") == "meeting"


def test_a_long_text_keeps_its_suffix_within_the_length():
    factories.StoryFactory(slug="a" * 20)
    slug = unique_slug("a" * 50, taken=Story.objects.all(), fallback="story", max_length=20)
    assert slug == "a" * 18 + "-2"
