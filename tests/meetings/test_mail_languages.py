"""Meeting mails in each recipient's language: invitations and cancellation notices in the participant's,
reminders in the language found for their address when they are sent; every link from SITE_URL with the
reader's language prefix, in the text, the HTML and the calendar file."""

import datetime
import re

import pytest
from django.utils import formats, translation
from icalendar import Calendar

from meetings import services
from meetings.models import Participant, Reminder
from tests import factories
from tests.meetings.factories import MeetingFactory, ParticipantFactory, in_days, uid

pytestmark = pytest.mark.django_db

SITE = "https://portal.example.org"
LINK = re.compile(r"https?://[^\s\"<>]+")
P = Participant.Invitation

# As locale/fr and locale/ar translate them (French puts a no-break space before the colon).
INVITATION = {"fr": "Invitation\u00a0: {title}", "ar": "دعوة: {title}"}
INVITING = {
    "fr": "nous avons le plaisir de vous inviter à\u00a0:",
    "ar": "باسم مبادرة القصص الجيدة في مجال حقوق الإنسان، يسرنا أن ندعوكم إلى:",
}
CANCELLED = {"fr": "Annulation\u00a0: {title}", "ar": "أُلغي: {title}"}
REGRET = {
    "fr": "Nous avons le regret de vous informer que cette réunion est annulée\u00a0:",
    "ar": "يؤسفنا إبلاغكم بإلغاء هذا الاجتماع:",
}
REMINDER = {"fr": "Rappel\u00a0: {title}, {date}", "ar": "تذكير: {title}، {date}"}
COMING_UP = {"fr": "Rappel\u00a0: cette réunion approche.", "ar": "تذكير: موعد هذا الاجتماع يقترب."}
GENEVA = {"fr": "Genève", "ar": "جنيف"}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def html_of(message) -> str:
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def calendar_event(message):
    (attachment,) = [a for a in message.attachments if a[2].startswith("text/calendar")]
    (event,) = Calendar.from_ical(attachment[1]).events
    return event


def assert_in_language(message, language: str, meeting) -> None:
    """The mail speaks `language` and every link in it, calendar file included, is the meeting's page in
    that language under SITE_URL."""
    page = f"{SITE}/{language}/meetings/{meeting.slug}/"
    html = html_of(message)
    event = calendar_event(message)
    found = LINK.findall(message.body) + LINK.findall(html) + LINK.findall(str(event["DESCRIPTION"]))
    assert found and set(found) == {page}, found
    assert str(event["URL"]) == page
    assert str(event["UID"]) == uid(meeting)  # one meeting, one calendar entry, whatever the language
    assert str(event["LOCATION"]).endswith(GENEVA[language])
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html


def mails_to(mailoutbox) -> dict[str, object]:
    assert all(len(message.to) == 1 for message in mailoutbox)
    return {message.to[0]: message for message in mailoutbox}


@pytest.fixture
def meeting():
    return MeetingFactory(title="Ministerial meeting on access to justice")


def test_each_participant_is_invited_in_their_language(
    meeting, mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    ParticipantFactory(meeting=meeting, email="fr@example.org", language="fr")
    ParticipantFactory(meeting=meeting, email="ar@example.org", language="ar")

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)

    mails = mails_to(mailoutbox)
    assert sorted(mails) == ["ar@example.org", "fr@example.org"]
    for language in ("fr", "ar"):
        message = mails[f"{language}@example.org"]
        assert message.subject == INVITATION[language].format(title=meeting.title)
        assert INVITING[language] in message.body
        assert_in_language(message, language, meeting)


def test_each_participant_is_told_of_a_cancellation_in_their_language(
    meeting, mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    ParticipantFactory(meeting=meeting, email="fr@example.org", language="fr")
    ParticipantFactory(meeting=meeting, email="ar@example.org", language="ar")

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user, message="Moved to spring.")

    mails = mails_to(mailoutbox)
    assert sorted(mails) == ["ar@example.org", "fr@example.org"]
    for language in ("fr", "ar"):
        message = mails[f"{language}@example.org"]
        assert message.subject == CANCELLED[language].format(title=meeting.title)
        assert REGRET[language] in message.body and "Moved to spring." in message.body
        assert_in_language(message, language, meeting)
        assert calendar_event(message)["STATUS"] == "CANCELLED"


def test_reminders_go_to_a_participant_and_a_coordinator_each_in_their_language(
    mailoutbox, django_capture_on_commit_callbacks
):
    coordinator = factories.CoordinatorFactory(email="coordinator@example.org", language="ar")
    meeting = MeetingFactory(starts_at=in_days(20), co_chairs=[coordinator.mission.member])
    ParticipantFactory(meeting=meeting, invitation_status=P.CONFIRMED, email="fr@example.org", language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_queue_due(now=meeting.starts_at - datetime.timedelta(days=7))

    mails = mails_to(mailoutbox)
    assert sorted(mails) == ["coordinator@example.org", "fr@example.org"]
    for address, language in (("fr@example.org", "fr"), ("coordinator@example.org", "ar")):
        message = mails[address]
        with translation.override(language):  # the date as that language writes it (coalition/formats)
            date = formats.date_format(meeting.local_start, "LONG_DATETIME_FORMAT")
        assert message.subject == REMINDER[language].format(title=meeting.title, date=date)
        assert COMING_UP[language] in message.body
        assert_in_language(message, language, meeting)


def test_a_reminders_language_is_the_participants_then_the_accounts_then_the_sites(meeting):
    factories.CoordinatorFactory(email="both@example.org", language="ar")
    factories.CoordinatorFactory(email="account@example.org", language="ar")
    ParticipantFactory(meeting=meeting, email="Both@Example.org", language="fr")

    def language_of(email: str) -> str:
        reminder = Reminder.objects.create(meeting=meeting, email=email, kind=Reminder.Kind.WEEK)
        return services.reminder_language(reminder)

    assert language_of("both@example.org") == "fr"  # the participant of this meeting comes first
    assert language_of("account@example.org") == "ar"
    assert language_of("nobody@example.org") == "en"
