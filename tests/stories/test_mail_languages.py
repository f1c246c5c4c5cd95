"""Story notifications in each recipient's language: one mail per language, links from SITE_URL with the
reader's language prefix, and a retry after one language's mail failed sends only what is owed."""

import re
import smtplib

import pytest
from django.core.mail.backends import locmem
from django.utils import translation

from stories import services
from stories.models import Story, StoryEvent
from tests import factories

pytestmark = pytest.mark.django_db

SITE = "https://portal.example.org"
COMMENT = "Please name the ministry that runs the courts."
LINK = re.compile(r"https?://[^\s\"<>]+")

# The subjects as locale/fr and locale/ar translate them (French puts a no-break space before the colon).
CHANGES_REQUESTED = {"fr": "Modifications demandées\u00a0: {title}", "ar": "مطلوب إدخال تعديلات: {title}"}
PUBLISHED = {"fr": "Histoire publiée\u00a0: {title}", "ar": "نُشرت: {title}"}
SUBMITTED = {
    "fr": "Histoire soumise pour examen\u00a0: {title} ({member})",
    "ar": "قصة مقدَّمة للاستعراض: {title} ({member})",
}
COMMENT_LABEL = {"fr": "Commentaire\u00a0:", "ar": "التعليق:"}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def html_of(message) -> str:
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def links(message) -> list[str]:
    found = LINK.findall(message.body) + LINK.findall(html_of(message))
    assert found, message.body
    return found


def by_recipient(mailoutbox) -> dict[tuple[str, ...], object]:
    return {tuple(sorted(message.to)): message for message in mailoutbox}


@pytest.fixture
def french_author(mission):
    return factories.UserFactory(mission=mission, language="fr", email="auteur@example.org")


@pytest.fixture
def arabic_coordinator(mission):
    return factories.CoordinatorFactory(mission=mission, language="ar", email="munassiq@example.org")


def story_of(author, status: str) -> Story:
    return factories.StoryFactory(member=author.mission.member, author=author, status=status)


def test_changes_asked_for_go_to_each_person_in_their_language_as_two_mails(
    french_author, arabic_coordinator, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    story = story_of(french_author, Story.Status.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.story_request_changes(story_id=story.pk, actor=secretariat_user, comment=COMMENT)

    assert len(mailoutbox) == 2
    mails = by_recipient(mailoutbox)
    for person in (french_author, arabic_coordinator):
        message = mails[(person.email,)]
        language = person.language
        assert message.subject == CHANGES_REQUESTED[language].format(title=story.title)
        assert COMMENT_LABEL[language] in message.body and COMMENT in message.body
        assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html_of(message)
        expected = f"{SITE}/{language}/my/stories/{story.pk}/"
        assert set(links(message)) == {expected}
    assert StoryEvent.objects.get(story=story, to_status=Story.Status.CHANGES_REQUESTED).notified_at


def test_a_publication_links_each_reader_to_the_story_in_their_language(
    french_author, arabic_coordinator, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    story = story_of(french_author, Story.Status.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.story_approve(story_id=story.pk, actor=secretariat_user)

    mails = by_recipient(mailoutbox)
    assert sorted(mails) == sorted([(arabic_coordinator.email,), (french_author.email,)])
    for person in (french_author, arabic_coordinator):
        message = mails[(person.email,)]
        assert message.subject == PUBLISHED[person.language].format(title=story.title)
        assert set(links(message)) == {f"{SITE}/{person.language}/stories/{story.slug}/"}


def test_people_of_one_language_share_one_mail(
    mission, french_author, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator = factories.CoordinatorFactory(mission=mission, language="fr")
    story = story_of(french_author, Story.Status.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.story_reject(story_id=story.pk, actor=secretariat_user, comment=COMMENT)

    (message,) = mailoutbox
    assert sorted(message.to) == sorted([french_author.email, coordinator.email])
    assert "«\u00a0" + story.title + "\u00a0»" in message.body


@pytest.mark.parametrize(("site_language", "author_language"), [("fr", "ar"), ("ar", "fr")])
def test_a_submission_reaches_the_secretariat_in_the_sites_language_not_the_authors(
    site_language, author_language, settings, mission, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = site_language
    author = factories.UserFactory(mission=mission, language=author_language)
    story = story_of(author, Story.Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        services.story_submit(story_id=story.pk, actor=author)

    (message,) = mailoutbox
    assert message.to == [settings.SECRETARIAT_EMAIL]
    with translation.override(site_language):
        member = story.member.name  # the country's name in that language
    assert message.subject == SUBMITTED[site_language].format(title=story.title, member=member)
    direction = "rtl" if site_language == "ar" else "ltr"
    assert f'<html lang="{site_language}" dir="{direction}">' in html_of(message)
    # The admin has no language prefix.
    assert set(links(message)) == {f"{SITE}/admin/stories/story/{story.pk}/change/"}


def test_the_secretariats_address_among_the_people_told_gets_the_sites_language(
    settings, mission, french_author, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    shared = factories.CoordinatorFactory(mission=mission, language="ar", email="shared@goodstories.example")
    settings.SECRETARIAT_EMAIL = shared.email
    story = story_of(french_author, Story.Status.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.story_request_changes(story_id=story.pk, actor=secretariat_user, comment=COMMENT)

    mails = by_recipient(mailoutbox)
    assert mails[(shared.email,)].subject == f"Changes requested: {story.title}"
    assert set(links(mails[(shared.email,)])) == {f"{SITE}/en/my/stories/{story.pk}/"}
    assert mails[(french_author.email,)].subject == CHANGES_REQUESTED["fr"].format(title=story.title)


def test_after_one_languages_mail_failed_the_retry_sends_only_that_language(
    french_author, arabic_coordinator, secretariat_user, mailoutbox, monkeypatch
):
    story = story_of(french_author, Story.Status.SUBMITTED)
    services.story_request_changes(story_id=story.pk, actor=secretariat_user, comment=COMMENT)
    event = StoryEvent.objects.get(story=story, to_status=Story.Status.CHANGES_REQUESTED)
    real_send = locmem.EmailBackend.send_messages
    failures = {french_author.email: 1}  # the mail server drops the French mail once

    def flaky_send(backend, messages):
        for message in messages:
            if failures.get(message.to[0]):
                failures[message.to[0]] -= 1
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(backend, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", flaky_send)

    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.story_event_notify(event_id=event.pk)
    event.refresh_from_db()
    assert event.notified_at is None  # still owed: the redrive runs it again
    assert event.notified_languages == ["ar"]  # kept in the database, whatever happens to the cache
    assert [message.to for message in mailoutbox] == [[arabic_coordinator.email]]

    assert services.story_event_notify(event_id=event.pk) is True
    assert services.story_event_notify(event_id=event.pk) is False

    assert [message.to for message in mailoutbox] == [[arabic_coordinator.email], [french_author.email]]
    event.refresh_from_db()
    assert event.notified_at is not None
