"""schema.org metadata of a meeting page (JSON-LD): an Event as Google's event guidelines describe it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation

from meetings.models import Meeting
from stories.jsonld import initiative, member_organization

# Countries of the cities whose time zone the portal sets itself. Another place has a name and a time zone
# but no country: a time zone does not say one (Europe/Zurich is also Vaduz's), so none is claimed.
CITY_COUNTRIES = {Meeting.City.GENEVA: "CH", Meeting.City.NEW_YORK: "US"}

SCHEMA = "https://schema.org/"


def event_status(meeting: Meeting) -> str:
    # schema.org has no "held": a meeting that took place as planned stays scheduled.
    if meeting.status == Meeting.Status.CANCELLED:
        return SCHEMA + "EventCancelled"
    return SCHEMA + "EventScheduled"


def location(meeting: Meeting, shown) -> dict[str, Any]:
    place = str(shown.place) if meeting.city == Meeting.City.OTHER else meeting.city_name
    address: dict[str, Any] = {"@type": "PostalAddress", "addressLocality": place}
    if meeting.city in CITY_COUNTRIES:
        address["addressCountry"] = CITY_COUNTRIES[meeting.city]
    venue = str(shown.venue)
    return {"@type": "Place", "name": venue or place, "address": address}


def meeting_structured_data(meeting: Meeting, request: HttpRequest) -> dict[str, Any]:
    """The meeting as a schema.org Event, its words as a reader of the active language sees them.

    Times carry the offset of the meeting's city (10:00 in Geneva is 10:00+01:00 or +02:00), as Google asks.
    The portal records no online or hybrid meetings: every meeting is held in person."""
    shown = meeting.shown_in(translation.get_language() or "en")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": str(shown.title),
        "url": request.build_absolute_uri(meeting.get_absolute_url()),
        "startDate": meeting.local_start.isoformat(),
        "endDate": meeting.local_end.isoformat(),
        "eventStatus": event_status(meeting),
        "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
        "location": location(meeting, shown),
        "organizer": [
            initiative(request),
            *(member_organization(member, request) for member in meeting.co_chairs.all()),
        ],
    }
    if shown.description:
        data["description"] = str(shown.description)
    return data
