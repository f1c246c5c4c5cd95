"""The iCalendar files, read back with the icalendar library as a calendar program would read them."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.models import Participant
from tests.meetings.factories import MeetingFactory, ParticipantFactory, local, uid, utc

pytestmark = pytest.mark.django_db


def fetch(client, url: str) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def meeting_calendar(client, meeting) -> Calendar:
    url = reverse("meetings:meeting_ics", kwargs={"slug": meeting.slug})
    assert url == f"/en/meetings/{meeting.slug}.ics"
    return fetch(client, url)


def full_calendar(client) -> Calendar:
    url = reverse("meetings:calendar_ics")
    assert url == "/en/meetings/calendar.ics"
    return fetch(client, url)


def only_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def event_by_uid(calendar: Calendar, meeting):
    (event,) = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid(meeting)]
    return event


@pytest.mark.parametrize(
    ("city", "zone", "typed", "utc_start"),
    [
        ("geneva", "Europe/Zurich", "2027-01-14 10:00", "2027-01-14 09:00"),
        ("geneva", "Europe/Zurich", "2027-07-14 10:00", "2027-07-14 08:00"),
        ("new_york", "America/New_York", "2027-01-14 10:00", "2027-01-14 15:00"),
        ("new_york", "America/New_York", "2027-07-14 10:00", "2027-07-14 14:00"),
    ],
)
def test_a_meeting_file_has_the_local_start_and_end_in_the_city_zone(client, city, zone, typed, utc_start):
    start = local(zone, typed)
    meeting = MeetingFactory(
        city=city, starts_at=start, ends_at=start + datetime.timedelta(hours=2, minutes=30)
    )

    calendar = meeting_calendar(client, meeting)
    event = only_event(calendar)

    assert str(event["UID"]) == uid(meeting)
    assert event["DTSTART"].params["TZID"] == zone
    assert event["DTEND"].params["TZID"] == zone
    dtstart, dtend = event.decoded("DTSTART"), event.decoded("DTEND")
    assert dtstart.strftime("%Y-%m-%d %H:%M") == typed
    assert dtstart == utc(utc_start)
    assert dtend == utc(utc_start) + datetime.timedelta(hours=2, minutes=30)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [zone]
    assert str(event["SUMMARY"]) == meeting.title
    assert meeting.get_absolute_url() in str(event["URL"])


def test_a_meeting_elsewhere_carries_its_own_zone(client):
    meeting = MeetingFactory(elsewhere=True, starts_at=local("Asia/Jakarta", "2027-03-02 10:00"))

    calendar = meeting_calendar(client, meeting)
    event = only_event(calendar)

    assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
    assert event.decoded("DTSTART") == utc("2027-03-02 03:00")
    assert "Jakarta" in str(event["LOCATION"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Jakarta"]


def test_the_uid_is_stable_and_the_sequence_rises_when_the_meeting_changes(client):
    meeting = MeetingFactory(starts_at=local("Europe/Zurich", "2027-01-14 10:00"))
    before = only_event(meeting_calendar(client, meeting))

    meeting.starts_at = local("Europe/Zurich", "2027-01-14 15:00")
    meeting.ends_at = local("Europe/Zurich", "2027-01-14 17:00")
    services.meeting_save(meeting=meeting)
    after = only_event(meeting_calendar(client, meeting))

    assert str(after["UID"]) == str(before["UID"]) == uid(meeting)
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("DTSTART") == utc("2027-01-14 14:00")


@pytest.mark.parametrize(
    ("site_url", "host"),
    [
        ("https://portal.example.org", "portal.example.org"),
        ("https://Stories.Example.ORG:8443", "stories.example.org"),
        ("http://127.0.0.1:8000", "127.0.0.1"),
    ],
)
def test_the_uid_carries_the_portals_host_and_stays_the_same_in_files_and_mails(
    client, settings, site_url, host, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    # RFC 5545 (3.8.4.7): the part after "@" is a domain name (or address) of the host that made the UID.
    settings.SITE_URL = site_url
    meeting = MeetingFactory(status="planned")
    ParticipantFactory(meeting=meeting, email="ana@example.org")
    expected = f"meeting-{meeting.pk}@{host}"

    in_file = only_event(meeting_calendar(client, meeting))
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)
    services.meeting_confirm(meeting_id=meeting.pk, actor=secretariat_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)
    in_mails = [
        str(event["UID"])
        for message in mailoutbox
        for _name, content, _type in message.attachments
        for event in Calendar.from_ical(content).walk("VEVENT")
    ]
    in_full_calendar = [str(event["UID"]) for event in full_calendar(client).walk("VEVENT")]

    assert str(in_file["UID"]) == expected
    assert in_mails == [expected, expected]  # the invitation, then the cancellation
    assert in_full_calendar == [expected]


@pytest.mark.parametrize(("status", "expected"), [("planned", "TENTATIVE"), ("confirmed", "CONFIRMED")])
def test_the_status_follows_the_meeting(client, status, expected):
    meeting = MeetingFactory(status=status)

    assert str(only_event(meeting_calendar(client, meeting))["STATUS"]) == expected


def test_a_cancelled_meeting_is_cancelled_in_calendars_with_a_higher_sequence(client, secretariat_user):
    meeting = MeetingFactory()
    before = only_event(meeting_calendar(client, meeting))

    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)
    after = only_event(meeting_calendar(client, meeting))
    in_full_calendar = event_by_uid(full_calendar(client), meeting)

    assert str(after["STATUS"]) == "CANCELLED"
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert str(in_full_calendar["STATUS"]) == "CANCELLED"
    assert in_full_calendar["SEQUENCE"] == after["SEQUENCE"]


def test_the_full_calendar_has_every_meeting_with_its_zone(client):
    geneva = MeetingFactory(starts_at=local("Europe/Zurich", "2027-01-14 10:00"))
    new_york = MeetingFactory(new_york=True, starts_at=local("America/New_York", "2027-07-14 10:00"))
    past = MeetingFactory(held=True, starts_at=local("Europe/Zurich", "2025-06-20 15:00"))

    calendar = full_calendar(client)

    assert len(calendar.walk("VEVENT")) == 3
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {"Europe/Zurich", "America/New_York"}
    assert event_by_uid(calendar, geneva).decoded("DTSTART") == utc("2027-01-14 09:00")
    assert event_by_uid(calendar, new_york).decoded("DTSTART") == utc("2027-07-14 14:00")
    assert event_by_uid(calendar, new_york)["DTSTART"].params["TZID"] == "America/New_York"
    assert event_by_uid(calendar, past).decoded("DTSTART") == utc("2025-06-20 13:00")


def test_an_unknown_meeting_has_no_file(client):
    assert client.get(reverse("meetings:meeting_ics", kwargs={"slug": "no-such-meeting"})).status_code == 404


def test_no_participant_is_named_in_the_calendar_files(client):
    meeting = MeetingFactory()
    people = [
        ParticipantFactory(
            meeting=meeting,
            name="Listed Lara",
            email="lara@example.org",
            consents_to_portal=True,
            invitation_status=Participant.Invitation.CONFIRMED,
        ),
        ParticipantFactory(meeting=meeting, name="Private Pavel", email="pavel@example.org"),
    ]

    files = [
        client.get(reverse("meetings:meeting_ics", kwargs={"slug": meeting.slug})).content.decode(),
        client.get(reverse("meetings:calendar_ics")).content.decode(),
    ]

    for content in files:
        for person in people:
            assert person.name not in content
            assert person.email not in content
            assert person.organisation not in content
