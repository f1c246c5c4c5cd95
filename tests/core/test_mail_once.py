"""`send_once`: an event's mails, one per key (language, or audience and language), each sent once."""

import smtplib

import pytest
from django.core.mail import EmailMessage

from core.mail import send_once
from stories.models import StoryEvent
from tests import factories

pytestmark = pytest.mark.django_db


class RefusingConnection:
    """A mail server that fails with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def send_messages(self, messages):
        raise self.error


def mail(to: str, *, refused: Exception | None = None) -> EmailMessage:
    connection = RefusingConnection(refused) if refused is not None else None
    return EmailMessage(subject=f"To {to}", body="-", to=[to], connection=connection)


DROPPED = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def event() -> StoryEvent:
    story = factories.StoryFactory()
    return story.events.create(actor=story.author, from_status="draft", to_status="submitted")


def test_every_mail_leaves_and_the_event_is_saved_as_notified(event, mailoutbox):
    failure = send_once(event=event, mails={"fr": mail("fr@example.org"), "ar": mail("ar@example.org")})

    assert failure is None
    assert [message.to for message in mailoutbox] == [["fr@example.org"], ["ar@example.org"]]
    event.refresh_from_db()
    assert event.notified_languages == ["fr", "ar"] and event.notified_at is not None


def test_a_key_already_served_is_not_sent_again(event, mailoutbox):
    event.notified_languages = ["fr"]

    send_once(event=event, mails={"fr": mail("fr@example.org"), "ar": mail("ar@example.org")})

    assert [message.to for message in mailoutbox] == [["ar@example.org"]]
    event.refresh_from_db()
    assert event.notified_languages == ["fr", "ar"] and event.notified_at is not None


def test_a_failed_send_is_returned_after_the_others_left_and_the_retry_sends_only_it(event, mailoutbox):
    failure = send_once(
        event=event,
        mails={"fr": mail("fr@example.org", refused=DROPPED), "ar": mail("ar@example.org")},
    )

    assert failure is DROPPED
    assert [message.to for message in mailoutbox] == [["ar@example.org"]]
    event.refresh_from_db()
    assert event.notified_languages == ["ar"] and event.notified_at is None  # still owed

    assert send_once(event=event, mails={"fr": mail("fr@example.org"), "ar": mail("ar@example.org")}) is None
    assert [message.to for message in mailoutbox] == [["ar@example.org"], ["fr@example.org"]]
    event.refresh_from_db()
    assert event.notified_languages == ["ar", "fr"] and event.notified_at is not None


def test_the_first_of_several_failures_is_returned(event):
    failure = send_once(
        event=event,
        mails={
            "fr": mail("fr@example.org", refused=DROPPED),
            "ar": mail("ar@example.org", refused=OSError("no route to host")),
        },
    )

    assert failure is DROPPED
    event.refresh_from_db()
    assert event.notified_languages == [] and event.notified_at is None


def test_a_mail_given_as_a_function_is_built_only_when_owed_and_just_before_it_leaves(event, mailoutbox):
    built: list[tuple[str, int]] = []

    def builder(language: str):
        def build() -> EmailMessage:
            built.append((language, len(mailoutbox)))  # how many mails had left when it was built
            return mail(f"{language}@example.org")

        return build

    event.notified_languages = ["en"]
    send_once(event=event, mails={"en": builder("en"), "fr": builder("fr"), "ar": builder("ar")})

    assert built == [("fr", 0), ("ar", 1)]
    assert len(mailoutbox) == 2


def test_with_nothing_owed_no_mail_leaves_and_the_event_is_marked_notified(event, mailoutbox):
    event.notified_languages = ["fr"]

    assert send_once(event=event, mails={"fr": mail("fr@example.org")}) is None

    assert mailoutbox == []
    event.refresh_from_db()
    assert event.notified_at is not None
