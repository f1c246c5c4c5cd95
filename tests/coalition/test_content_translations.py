"""Content in every language, kept fresh: meetings, agenda items, themes, the declaration and stories are
translated row by row; a changed original flags its translations "may be out of date" to readers and in the
secretariat's list, until someone updates or confirms them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from core.translations import digest, translations_confirm
from meetings.models import AgendaItemTranslation, MeetingTranslation
from membership import declaration as declaration_services
from membership.models import DeclarationText
from stories.models import StoryTranslation, Theme, ThemeTranslation
from tests import factories
from tests.meetings.factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def url_in(language: str, name: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


@pytest.fixture
def meeting():
    meeting = MeetingFactory(
        title="Good stories on access to justice",
        venue="Palais des Nations, Room XXI",
        description="Members present what worked.",
        language="en",
    )
    translated = MeetingTranslation(
        meeting=meeting,
        language="ar",
        title="قصص جيدة عن الوصول إلى العدالة",
        venue="قصر الأمم، القاعة 21",
        description="يعرض الأعضاء ما نجح.",
    )
    translated.mark_current()
    translated.save()
    return meeting


def test_digest_in_python_and_in_the_database_agree(meeting):
    row = MeetingTranslation.objects.get(meeting=meeting)
    assert row.source_digest == meeting.translation_digest()
    assert not row.outdated
    assert not MeetingTranslation.outdated_rows().exists()
    assert digest(["a", None, "b"]) == digest(["a", "", "b"])


def test_an_arabic_reader_sees_the_translation_marked_with_its_language(client, meeting):
    html = client.get(url_in("ar", "meetings:meeting_detail", slug=meeting.slug)).content.decode()
    assert 'lang="ar" dir="rtl">قصص جيدة عن الوصول إلى العدالة</h1>' in html
    assert "قصر الأمم، القاعة 21" in html
    assert "may be out of date" not in html and "outdated-translation" not in html


def test_a_french_reader_sees_the_english_original_marked_english(client, meeting):
    html = client.get(url_in("fr", "meetings:meeting_detail", slug=meeting.slug)).content.decode()
    assert '<h1 lang="en" dir="ltr">Good stories on access to justice</h1>' in html
    assert '<span lang="en" dir="ltr">Palais des Nations, Room XXI</span>' in html


def test_a_changed_original_flags_its_translation_until_confirmed(
    client, meeting, secretariat_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting.description = "Members present what worked, and what did not."
        meeting.save()
    row = MeetingTranslation.objects.get(meeting=meeting)
    assert row.outdated
    assert list(MeetingTranslation.outdated_rows()) == [row]

    html = client.get(url_in("ar", "meetings:meeting_detail", slug=meeting.slug)).content.decode()
    assert "outdated-translation" in html
    assert f'href="{url_in("en", "meetings:meeting_detail", slug=meeting.slug)}" hreflang="en"' in html

    with django_capture_on_commit_callbacks(execute=True):
        assert translations_confirm(actor=secretariat_user, model=MeetingTranslation, ids=[row.pk]) == 1
    row.refresh_from_db()
    assert not row.outdated
    html = client.get(url_in("ar", "meetings:meeting_detail", slug=meeting.slug)).content.decode()
    assert "outdated-translation" not in html


def test_a_blank_translated_field_shows_the_original_in_its_own_language(client):
    meeting = MeetingFactory(title="Original title", description="Original description", language="en")
    row = MeetingTranslation(meeting=meeting, language="fr", title="Titre traduit")
    row.mark_current()
    row.save()
    with translation.override("fr"):
        shown = meeting.shown_in("fr")
    assert (str(shown.title), shown.title.language) == ("Titre traduit", "fr")
    assert (str(shown.description), shown.description.language) == ("Original description", "en")


def test_agenda_items_are_translated_too(client, meeting):
    item = AgendaItemFactory(meeting=meeting, title="Opening")
    row = AgendaItemTranslation(item=item, language="ar", title="الافتتاح")
    row.mark_current()
    row.save()
    html = client.get(url_in("ar", "meetings:meeting_detail", slug=meeting.slug)).content.decode()
    assert '<strong lang="ar" dir="rtl">الافتتاح</strong>' in html
    item.title = "Opening and welcome"
    item.save()
    assert list(AgendaItemTranslation.outdated_rows()) == [row]


def test_the_meeting_page_query_count_does_not_grow_with_translations(client, meeting):
    url = url_in("ar", "meetings:meeting_detail", slug=meeting.slug)
    client.get(url)  # warm the per-process caches (themes, languages)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url, HTTP_CACHE_CONTROL="no-cache")
    for n in range(4):
        item = AgendaItemFactory(meeting=meeting, title=f"Item {n}")
        AgendaItemTranslation.objects.create(item=item, language="ar", title=f"بند {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url, HTTP_CACHE_CONTROL="no-cache")
    assert len(many) == len(few)


def test_the_story_translation_is_flagged_when_the_story_changes():
    story = factories.PublishedStoryFactory(language="en")
    row = StoryTranslation(story=story, language="fr", title="Des tribunaux mobiles")
    row.mark_current()
    row.save()
    assert not story.text_in("fr").outdated
    story.body = story.body + "\n\nSince 2024, also in the north."
    story.save()
    story = type(story).objects.prefetch_related("translations").get(pk=story.pk)
    text = story.text_in("fr")
    assert text.outdated and text.original_language == "en"
    # No summary of its own: the summary shown is the original's, marked as English.
    assert text.summary_language == "en" and text.language == "fr"
    assert story.has_outdated_translation


def test_a_theme_description_is_shown_in_the_readers_language(client, django_capture_on_commit_callbacks):
    theme = Theme.objects.get(slug="sdg-16")
    theme.description = "Peaceful and inclusive societies, justice for all."
    theme.save()
    row = ThemeTranslation(theme=theme, language="es", description="Sociedades pacíficas e inclusivas.")
    row.mark_current()
    row.save()
    factories.PublishedStoryFactory()
    html = client.get(url_in("es", "stories:story_list") + "?sdg=16").content.decode()
    assert '<div lang="es" dir="ltr"><p>Sociedades pacíficas e inclusivas.</p></div>' in html
    html = client.get(url_in("ar", "stories:story_list") + "?sdg=16").content.decode()
    assert '<div lang="en" dir="ltr"><p>Peaceful and inclusive societies, justice for all.</p></div>' in html
    with django_capture_on_commit_callbacks(execute=True):
        theme.description = "Peaceful, just and inclusive societies."
        theme.save()
    html = client.get(url_in("es", "stories:story_list") + "?sdg=16").content.decode()
    assert "outdated-translation" in html


@pytest.fixture
def declaration(secretariat_user):
    return declaration_services.declaration_version_create(
        actor=secretariat_user,
        number=90,
        adopted_on=datetime.date(2026, 1, 10),
        original_language="en",
        texts=[
            ("en", "Joint declaration", "We share good stories."),
            ("fr", "Déclaration", "Nous partageons."),
        ],
        is_current=True,
    )


def test_a_changed_declaration_flags_its_translations(
    client, secretariat_user, declaration, django_capture_on_commit_callbacks
):
    french = DeclarationText.objects.get(version=declaration, language="fr")
    assert not french.outdated and not DeclarationText.outdated_rows().exists()
    # The original changes; the French text is sent unchanged: it keeps its fingerprint and is flagged.
    declaration_services.declaration_version_update(
        actor=secretariat_user,
        version_id=declaration.pk,
        adopted_on=declaration.adopted_on,
        original_language="en",
        is_current=True,
        texts=[
            ("en", "Joint declaration", "We share good stories, and learn."),
            ("fr", "Déclaration", "Nous partageons."),
        ],
    )
    assert list(DeclarationText.outdated_rows()) == [french]
    html = client.get(url_in("fr", "declaration:index")).content.decode()
    assert "outdated-translation" in html
    with django_capture_on_commit_callbacks(execute=True):
        declaration_services.declaration_texts_confirm(actor=secretariat_user, text_ids=[french.pk])
    assert not DeclarationText.outdated_rows().exists()
    assert "outdated-translation" not in client.get(url_in("fr", "declaration:index")).content.decode()


def test_the_secretariat_lists_and_confirms_every_outdated_translation(
    secretariat_client, meeting, declaration, secretariat_user
):
    meeting.title = "Good stories on access to justice, second edition"
    meeting.save()
    story = factories.PublishedStoryFactory()
    StoryTranslation.objects.create(story=story, language="ar", title="قصة", source_digest="stale")
    url = reverse("admin:outdated_translations")
    html = secretariat_client.get(url).content.decode()
    assert 'id="language-ar"' in html and "(2)" in html
    assert meeting.title in html and story.title in html
    assert 'id="language-fr"' not in html

    meeting_row = MeetingTranslation.objects.get(meeting=meeting)
    response = secretariat_client.post(
        url, {"translation": [f"meetings.meetingtranslation:{meeting_row.pk}"]}
    )
    assert response.status_code == 302
    assert not MeetingTranslation.outdated_rows().exists()
    assert StoryTranslation.outdated_rows().count() == 1


def test_the_list_is_the_secretariats_only(staff_client):
    response = staff_client.get(reverse("admin:outdated_translations"))
    assert response.status_code == 302  # to the admin's login


def test_the_admin_shows_translations_beside_the_original_and_saves_them_fresh(secretariat_client, meeting):
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    html = secretariat_client.get(url).content.decode()
    assert 'class="translation-original" lang="en" dir="ltr">Palais des Nations, Room XXI</div>' in html
    assert "Up to date with the original." in html


def test_the_story_changelist_filters_stories_with_outdated_translations(secretariat_client):
    fresh = factories.PublishedStoryFactory(title="Fresh one")
    stale = factories.PublishedStoryFactory(title="Stale one")
    row = StoryTranslation(story=fresh, language="fr", title="Frais")
    row.mark_current()
    row.save()
    StoryTranslation.objects.create(story=stale, language="fr", title="Vieux", source_digest="x")
    html = secretariat_client.get(
        reverse("admin:stories_story_changelist") + "?translations=outdated"
    ).content.decode()
    assert "Stale one" in html and "Fresh one" not in html


def test_theme_translations_are_edited_in_the_admin(secretariat_client):
    theme = Theme.objects.get(slug="sdg-16")
    html = secretariat_client.get(reverse("admin:stories_theme_change", args=[theme.pk])).content.decode()
    assert "theme translation" in html.lower()


def test_a_story_saved_with_its_translations_unchanged_keeps_them_flagged(staff_user):
    from stories import services

    story = factories.StoryFactory(member=staff_user.mission.member, author=staff_user, language="en")
    french = services.TranslationData(language="fr", title="Des tribunaux mobiles", summary="Résumé")
    services.translations_replace(story=story, translations=[french])
    assert not StoryTranslation.outdated_rows().exists()

    story.summary = "A new summary."
    services.story_save(
        story=story,
        actor=staff_user,
        expected_version=story.version,
        themes=[],
        images=[],
        translations=[french],
    )
    assert StoryTranslation.outdated_rows().count() == 1  # sent back unchanged: still made from the old text

    story.refresh_from_db()
    confirmed = services.TranslationData(
        language="fr", title=french.title, summary=french.summary, confirmed=True
    )
    services.story_save(
        story=story,
        actor=staff_user,
        expected_version=story.version,
        themes=[],
        images=[],
        translations=[confirmed],
    )
    assert not StoryTranslation.outdated_rows().exists()

    story.refresh_from_db()
    story.body = "Changed again."
    changed = services.TranslationData(
        language="fr", title="Des tribunaux mobiles, partout", summary="Résumé"
    )
    services.story_save(
        story=story,
        actor=staff_user,
        expected_version=story.version,
        themes=[],
        images=[],
        translations=[changed],
    )
    assert not StoryTranslation.outdated_rows().exists()  # updated with the story: made from it as it is now


def test_a_translation_added_in_the_admin_is_made_from_the_original_as_saved(secretariat_client):
    from meetings.models import Meeting
    from tests.meetings.test_admin import form_errors, meeting_data

    data = meeting_data()
    data.update(
        {
            "translations-TOTAL_FORMS": "1",
            "translations-0-language": "fr",
            "translations-0-title": "Réunion ministérielle sur l'accès à la justice",
            "translations-0-topic_text": "",
            "translations-0-place": "",
            "translations-0-venue": "Palais des Nations, salle XX",
            "translations-0-description": "",
            "translations-0-outcome_summary": "",
            "translations-0-updated_at": "",
        }
    )
    response = secretariat_client.post(reverse("admin:meetings_meeting_add"), data)
    assert response.status_code == 302, form_errors(response)
    meeting = Meeting.objects.get()
    row = meeting.translations.get()
    assert row.source_digest == meeting.translation_digest() and not row.outdated
