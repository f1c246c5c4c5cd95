"""A meeting as a schema.org Event, as Google's event guidelines ask: times with the city's UTC offset, a
status Google knows, attendance in person, a place with its address, the organisers."""

import pytest
from django.test import RequestFactory
from django.utils import translation

from meetings.jsonld import meeting_structured_data
from meetings.models import Meeting, MeetingTranslation
from members.models import Member
from tests.meetings.factories import MeetingFactory, local

pytestmark = pytest.mark.django_db


def event(meeting: Meeting, language: str = "en") -> dict:
    request = RequestFactory().get(f"/{language}{meeting.get_absolute_url()[3:]}")
    with translation.override(language):
        loaded = Meeting.objects.prefetch_related("co_chairs", "translations").get(pk=meeting.pk)
        return meeting_structured_data(loaded, request)


def test_a_geneva_meeting_in_winter_and_in_summer_carries_the_city_s_offset():
    winter = MeetingFactory(
        starts_at=local("Europe/Zurich", "2027-01-14 10:00"),
        ends_at=local("Europe/Zurich", "2027-01-14 12:30"),
    )
    summer = MeetingFactory(
        starts_at=local("Europe/Zurich", "2027-07-14 10:00"),
        ends_at=local("Europe/Zurich", "2027-07-14 12:30"),
    )

    assert event(winter)["startDate"] == "2027-01-14T10:00:00+01:00"
    assert event(winter)["endDate"] == "2027-01-14T12:30:00+01:00"
    assert event(summer)["startDate"] == "2027-07-14T10:00:00+02:00"


def test_the_event_names_the_meeting_its_page_place_and_organisers():
    meeting = MeetingFactory(
        title="Ministerial meeting on access to justice",
        co_chairs=list(Member.objects.filter(country__in=["UY", "NO"]).order_by("country")),
    )

    data = event(meeting)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Ministerial meeting on access to justice"
    assert data["description"] == "Ministers share what worked in their countries."
    assert data["url"] == f"http://testserver{meeting.get_absolute_url()}"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"] == {
        "@type": "Place",
        "name": "Palais des Nations, Room XX",
        "address": {"@type": "PostalAddress", "addressLocality": "Geneva", "addressCountry": "CH"},
    }
    assert data["organizer"] == [
        {
            "@type": "Organization",
            "name": "Good Human Rights Stories Initiative",
            "url": "http://testserver/en/",
        },
        {"@type": "Organization", "name": "Norway", "url": "http://testserver/en/members/no/"},
        {"@type": "Organization", "name": "Uruguay", "url": "http://testserver/en/members/uy/"},
    ]


def test_new_york_is_in_the_united_states_and_another_place_claims_no_country():
    new_york = event(
        MeetingFactory(
            new_york=True,
            starts_at=local("America/New_York", "2027-01-14 10:00"),
            ends_at=local("America/New_York", "2027-01-14 12:00"),
        )
    )
    jakarta = event(
        MeetingFactory(
            elsewhere=True,
            starts_at=local("Asia/Jakarta", "2027-01-14 10:00"),
            ends_at=local("Asia/Jakarta", "2027-01-14 12:00"),
        )
    )

    assert new_york["startDate"] == "2027-01-14T10:00:00-05:00"
    assert new_york["location"]["address"]["addressCountry"] == "US"
    assert jakarta["startDate"] == "2027-01-14T10:00:00+07:00"
    assert jakarta["location"] == {
        "@type": "Place",
        "name": "Gedung Pancasila",
        "address": {"@type": "PostalAddress", "addressLocality": "Jakarta"},
    }


def test_a_meeting_without_venue_is_placed_at_its_city_and_without_description_has_none():
    data = event(MeetingFactory(venue="", description=""))

    assert data["location"]["name"] == "Geneva"
    assert "description" not in data


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Meeting.Status.PLANNED, "EventScheduled"),
        (Meeting.Status.CONFIRMED, "EventScheduled"),
        # schema.org has no "held": a meeting that took place as planned was scheduled.
        (Meeting.Status.HELD, "EventScheduled"),
        (Meeting.Status.CANCELLED, "EventCancelled"),
    ],
)
def test_the_status_is_one_google_knows(status, expected):
    meeting = MeetingFactory(
        status=status, outcome_summary="Agreed." if status == Meeting.Status.HELD else ""
    )

    assert event(meeting)["eventStatus"] == f"https://schema.org/{expected}"


def test_a_reader_of_a_translation_gets_its_words():
    meeting = MeetingFactory(title="Meeting on courts", venue="Palais des Nations")
    MeetingTranslation.objects.create(
        meeting=meeting,
        language="fr",
        title="Réunion sur les tribunaux",
        venue="Palais des Nations, salle XX",
    )

    data = event(meeting, "fr")

    assert data["name"] == "Réunion sur les tribunaux"
    assert data["location"]["name"] == "Palais des Nations, salle XX"
    assert data["location"]["address"]["addressLocality"] == "Genève"
    assert data["description"] == "Ministers share what worked in their countries."  # not translated
    assert data["organizer"][0]["url"] == "http://testserver/fr/"
