"""iCalendar files of meetings: stable UIDs, the city's time zone, SEQUENCE and STATUS kept current."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event

from core.mail import site_link
from meetings.models import Meeting

PRODID = "-//Good Human Rights Stories Initiative//Meetings//EN"
ICS_STATUS = {
    Meeting.Status.PLANNED: "TENTATIVE",
    Meeting.Status.CONFIRMED: "CONFIRMED",
    Meeting.Status.HELD: "CONFIRMED",
    Meeting.Status.CANCELLED: "CANCELLED",
}


def meeting_uid(meeting: Meeting) -> str:
    """`meeting-4@portal.example.org`: unique across calendars because the right-hand side is the portal's
    own host (RFC 5545, 3.8.4.7), and stable for as long as the meeting and SITE_URL stay the same, so a
    calendar replaces its copy instead of adding a second one."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"meeting-{meeting.pk}@{host}"


def meeting_event(meeting: Meeting) -> Event:
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.local_start)
    event.add("dtend", meeting.local_end)
    event.add("summary", meeting.title)
    event.add("location", ", ".join(part for part in [meeting.venue, meeting.city_name] if part))
    url = site_link(meeting.get_absolute_url())  # in the active language, like the rest of the file
    event.add("url", url)
    event.add("description", f"{meeting.description}\n\n{url}".strip())
    event.add("sequence", meeting.sequence)
    event.add("status", ICS_STATUS[meeting.status])
    return event


def calendar_bytes(meetings: Iterable[Meeting], name: str | None = None, method: str = "PUBLISH") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting))
    calendar.add_missing_timezones()
    return calendar.to_ical()
