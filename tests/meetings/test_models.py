"""Meetings keep their city's time zone: typed in local time, stored in UTC, shown in local time again;
the database refuses what must never be stored."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from meetings import services
from meetings.forms import MeetingAdminForm
from meetings.models import Meeting
from tests.meetings.factories import MeetingFactory, local, utc

pytestmark = pytest.mark.django_db


def admin_form(**overrides) -> MeetingAdminForm:
    data = {
        "title": "Ministerial meeting on access to justice",
        "slug": "",
        "kind": Meeting.Kind.MINISTERIAL,
        "status": Meeting.Status.PLANNED,
        "city": Meeting.City.GENEVA,
        "place": "",
        "time_zone": "",
        "venue": "Palais des Nations",
        "language": "en",
        "local_starts_at": "2027-01-14 10:00",
        "local_ends_at": "2027-01-14 12:00",
        "topic_text": "",
        "description": "",
        "outcome_summary": "",
        **overrides,
    }
    return MeetingAdminForm(data=data)


def saved(form: MeetingAdminForm) -> Meeting:
    assert form.is_valid(), form.errors
    meeting = services.meeting_save(meeting=form.save(commit=False))
    meeting.refresh_from_db()
    return meeting


# ---------------------------------------------------------------------------------------------------------
# Local time typed, UTC stored


@pytest.mark.parametrize(
    ("city", "typed_start", "typed_end", "utc_start", "utc_end"),
    [
        ("geneva", "2027-01-14 10:00", "2027-01-14 12:00", "2027-01-14 09:00", "2027-01-14 11:00"),
        ("geneva", "2027-07-14 10:00", "2027-07-14 12:00", "2027-07-14 08:00", "2027-07-14 10:00"),
        ("new_york", "2027-01-14 10:00", "2027-01-14 12:00", "2027-01-14 15:00", "2027-01-14 17:00"),
        ("new_york", "2027-07-14 10:00", "2027-07-14 12:00", "2027-07-14 14:00", "2027-07-14 16:00"),
    ],
)
def test_the_admin_form_reads_the_city_local_time_and_the_meeting_is_stored_in_utc(
    city, typed_start, typed_end, utc_start, utc_end
):
    meeting = saved(admin_form(city=city, local_starts_at=typed_start, local_ends_at=typed_end))

    assert meeting.starts_at == utc(utc_start)
    assert meeting.ends_at == utc(utc_end)
    assert meeting.starts_at.utcoffset() == datetime.timedelta(0)
    assert meeting.time_zone == {"geneva": "Europe/Zurich", "new_york": "America/New_York"}[city]


def test_the_admin_form_uses_the_time_zone_given_for_another_place():
    meeting = saved(
        admin_form(
            city=Meeting.City.OTHER,
            place="Jakarta",
            time_zone="Asia/Jakarta",
            local_starts_at="2027-03-02 10:00",
            local_ends_at="2027-03-02 12:00",
        )
    )

    assert meeting.starts_at == utc("2027-03-02 03:00")
    assert meeting.local_start.strftime("%H:%M %z") == "10:00 +0700"


@pytest.mark.parametrize(
    ("city", "start_utc", "local_text"),
    [
        ("geneva", "2027-01-14 09:00", "2027-01-14 10:00 +0100 Europe/Zurich"),
        ("geneva", "2027-07-14 08:00", "2027-07-14 10:00 +0200 Europe/Zurich"),
        ("new_york", "2027-01-14 15:00", "2027-01-14 10:00 -0500 America/New_York"),
        ("new_york", "2027-07-14 14:00", "2027-07-14 10:00 -0400 America/New_York"),
    ],
)
def test_local_start_and_end_are_in_the_city_time_zone(city, start_utc, local_text):
    start = utc(start_utc)
    meeting = MeetingFactory(city=city, starts_at=start, ends_at=start + datetime.timedelta(hours=2))

    assert f"{meeting.local_start:%Y-%m-%d %H:%M %z} {meeting.tz.key}" == local_text
    assert meeting.local_end - meeting.local_start == datetime.timedelta(hours=2)
    assert meeting.local_end.tzinfo == meeting.tz


def test_the_admin_form_shows_a_saved_meeting_in_local_time_with_its_offset():
    meeting = MeetingFactory(starts_at=utc("2027-07-14 08:00"), ends_at=utc("2027-07-14 10:00"))

    form = MeetingAdminForm(instance=meeting)

    assert form["local_starts_at"].value().strftime("%Y-%m-%d %H:%M") == "2027-07-14 10:00"
    assert form["local_ends_at"].value().strftime("%Y-%m-%d %H:%M") == "2027-07-14 12:00"
    assert "UTC+02:00" in str(form.fields["local_starts_at"].help_text)
    assert "Europe/Zurich" in str(form.fields["local_starts_at"].help_text)


def test_the_admin_form_refuses_an_end_before_the_start():
    form = admin_form(local_starts_at="2027-01-14 12:00", local_ends_at="2027-01-14 10:00")

    assert not form.is_valid()
    assert form.has_error("local_ends_at", code="ends_before_start")


def test_the_admin_form_refuses_an_unknown_time_zone_for_another_place():
    form = admin_form(city=Meeting.City.OTHER, place="Atlantis", time_zone="Atlantis/Lost_City")

    assert not form.is_valid()
    # The message says what is wrong with the zone given, not that none was given.
    assert "Atlantis/Lost_City" in " ".join(form.errors["time_zone"])


def test_the_admin_form_asks_for_the_time_zone_of_another_place():
    form = admin_form(city=Meeting.City.OTHER, place="Jakarta", time_zone="")

    assert not form.is_valid()
    assert "time_zone" in form.errors


# ---------------------------------------------------------------------------------------------------------
# Validation and database constraints


def test_geneva_and_new_york_get_their_time_zone_whatever_was_typed():
    meeting = MeetingFactory(city=Meeting.City.NEW_YORK, time_zone="Asia/Jakarta")

    meeting.refresh_from_db()
    assert meeting.time_zone == "America/New_York"


def test_an_unknown_time_zone_for_another_place_is_a_validation_error():
    meeting = Meeting(
        title="Regional event",
        kind=Meeting.Kind.REGIONAL,
        city=Meeting.City.OTHER,
        place="Atlantis",
        time_zone="Atlantis/Lost_City",
        starts_at=utc("2027-03-02 09:00"),
        ends_at=utc("2027-03-02 11:00"),
    )

    with pytest.raises(ValidationError) as raised:
        services.meeting_save(meeting=meeting)

    assert "time_zone" in raised.value.error_dict
    assert raised.value.error_dict["time_zone"][0].code == "unknown_time_zone"
    assert not Meeting.objects.exists()


def test_another_place_needs_a_time_zone_and_a_name():
    meeting = Meeting(
        title="Regional event",
        kind=Meeting.Kind.REGIONAL,
        city=Meeting.City.OTHER,
        starts_at=utc("2027-03-02 09:00"),
        ends_at=utc("2027-03-02 11:00"),
    )

    with pytest.raises(ValidationError) as raised:
        meeting.full_clean()

    assert "time_zone" in raised.value.error_dict


def test_full_clean_refuses_an_end_before_the_start():
    meeting = MeetingFactory.build(starts_at=utc("2027-01-14 11:00"), ends_at=utc("2027-01-14 10:00"))

    with pytest.raises(ValidationError) as raised:
        meeting.full_clean()

    assert "ends_at" in raised.value.error_dict


def test_the_database_refuses_a_meeting_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            title="Backwards",
            slug="backwards",
            kind=Meeting.Kind.MINISTERIAL,
            city=Meeting.City.GENEVA,
            time_zone="Europe/Zurich",
            starts_at=utc("2027-01-14 11:00"),
            ends_at=utc("2027-01-14 10:00"),
        )


def test_the_database_refuses_a_meeting_that_ends_when_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            title="No time at all",
            slug="no-time-at-all",
            kind=Meeting.Kind.MINISTERIAL,
            city=Meeting.City.GENEVA,
            time_zone="Europe/Zurich",
            starts_at=utc("2027-01-14 11:00"),
            ends_at=utc("2027-01-14 11:00"),
        )


def test_the_database_refuses_a_held_meeting_without_an_outcome():
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            title="Held, silently",
            slug="held-silently",
            kind=Meeting.Kind.MINISTERIAL,
            city=Meeting.City.GENEVA,
            time_zone="Europe/Zurich",
            starts_at=utc("2026-01-14 10:00"),
            ends_at=utc("2026-01-14 11:00"),
            status=Meeting.Status.HELD,
        )


def test_a_held_meeting_with_an_outcome_is_stored():
    meeting = MeetingFactory(held=True, starts_at=utc("2026-01-14 10:00"), ends_at=utc("2026-01-14 11:00"))

    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.HELD


def test_full_clean_refuses_held_without_an_outcome():
    meeting = MeetingFactory.build(status=Meeting.Status.HELD, outcome_summary="   ")

    with pytest.raises(ValidationError) as raised:
        meeting.full_clean()

    assert "outcome_summary" in raised.value.error_dict


def test_city_name_is_the_place_for_another_place():
    assert MeetingFactory.build(elsewhere=True).city_name == "Jakarta"
    assert MeetingFactory.build(new_york=True).city_name == "New York"


def test_a_meeting_local_time_survives_daylight_saving_changes():
    # Geneva switches to summer time on 28 March 2027: 10:00 stays 10:00 locally, an hour earlier in UTC.
    before = MeetingFactory(starts_at=local("Europe/Zurich", "2027-03-26 10:00"))
    after = MeetingFactory(starts_at=local("Europe/Zurich", "2027-03-29 10:00"))

    assert before.starts_at.astimezone(datetime.UTC).hour == 9
    assert after.starts_at.astimezone(datetime.UTC).hour == 8
    assert before.local_start.hour == after.local_start.hour == 10
