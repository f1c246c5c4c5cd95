"""Demo meetings: the initiative's three first meetings (dates, places and topics from the public record; no
invented co-chairs or venues) and one fictional upcoming ministerial meeting."""

from __future__ import annotations

import datetime
import zoneinfo

from django.db import transaction
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Meeting, Participant, ParticipantConsent
from members.models import Member
from stories.models import ConsentUse, Story, Theme


def _at(day: datetime.date, hour: int, zone: str) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=zoneinfo.ZoneInfo(zone))


PAST = [
    {
        "title": "Launch of the initiative at UNGA 73",
        "kind": Meeting.Kind.MINISTERIAL,
        "city": Meeting.City.NEW_YORK,
        "day": datetime.date(2018, 9, 27),
        "topic_text": "Positive human rights narratives across regions",
        "venue": "",
        "outcome": "High-level launch event on the sidelines of the 73rd General Assembly's ministerial "
        "week. (Demo summary: the secretariat writes the real one.)",
        "chairs": [],
    },
    {
        "title": "Geneva launch, two weeks before the 40th session of the Human Rights Council",
        "kind": Meeting.Kind.AMBASSADORIAL,
        "city": Meeting.City.GENEVA,
        "day": datetime.date(2019, 2, 13),
        "topic_text": "Democracy, pluralism, gender equality, penitentiary systems, combatting violence, "
        "migrants' rights, education",
        "venue": "",
        "outcome": "Launch of the initiative in Geneva. (Demo summary: the secretariat writes the real one.)",
        "chairs": [],
    },
    {
        "title": "Second edition at UNGA 74",
        "kind": Meeting.Kind.MINISTERIAL,
        "city": Meeting.City.NEW_YORK,
        "day": datetime.date(2019, 9, 27),
        "topic_text": "Economic, social and cultural rights",
        "venue": "",
        "outcome": "Colombia joined the initiative on this day. "
        "(Demo summary: the secretariat writes the real one.)",
        "chairs": [],
    },
]


def _agenda(meeting: Meeting, stories: list[Story]) -> None:
    AgendaItem.objects.create(meeting=meeting, order=0, time=datetime.time(10, 0), title="Opening remarks")
    for index, story in enumerate(stories, start=1):
        AgendaItem.objects.create(
            meeting=meeting,
            order=index,
            time=datetime.time(10, 15 * index % 60),
            title=f"Good story: {story.title}",
            speaker=f"Delegation of {story.member.name}",
            story=story,
        )


@transaction.atomic
def load_meeting_demo() -> list[Meeting]:
    created = []
    stories = list(Story.objects.published().select_related("member").order_by("pk"))
    economic = Theme.objects.filter(slug="economic-social-and-cultural-rights").first()
    specs = [*PAST]
    upcoming_day = (timezone.now() + datetime.timedelta(days=45)).date()
    specs.append(
        {
            "title": "Ministerial meeting on social inclusion",
            "kind": Meeting.Kind.MINISTERIAL,
            "city": Meeting.City.GENEVA,
            "day": upcoming_day,
            "topic_text": "Social inclusion",
            "venue": "Palais des Nations, Room XXI",
            "outcome": "",
            "chairs": ["NZ", "CO"],
            "upcoming": True,
        }
    )
    for number, spec in enumerate(specs):
        if Meeting.objects.filter(title=spec["title"]).exists():
            continue
        zone = "Europe/Zurich" if spec["city"] == Meeting.City.GENEVA else "America/New_York"
        meeting = Meeting(
            title=spec["title"],
            kind=spec["kind"],
            city=spec["city"],
            venue=spec["venue"],
            starts_at=_at(spec["day"], 10, zone),
            ends_at=_at(spec["day"], 13, zone),
            topic=economic if "cultural" in spec["topic_text"].lower() else None,
            topic_text=spec["topic_text"],
            status=Meeting.Status.CONFIRMED if spec.get("upcoming") else Meeting.Status.HELD,
            outcome_summary=spec["outcome"],
            description="Demonstration entry of the portal's demo mode.",
        )
        services.meeting_save(meeting=meeting)
        meeting.co_chairs.set(Member.objects.filter(country__in=spec["chairs"]))
        _agenda(meeting, stories[number * 2 : number * 2 + 2])
        listed = Participant.objects.create(
            meeting=meeting,
            name="A. Example (demo)",
            organisation="Office of the High Commissioner for Human Rights",
            category=Participant.Category.UN_OFFICIAL,
            invitation_status=Participant.Invitation.CONFIRMED,
            email="un.official@demo.goodstories.example",
        )
        ParticipantConsent.objects.create(
            participant=listed,
            who=listed.name,
            uses=[ConsentUse.PORTAL],
            given_on=meeting.created_at.date(),
            obtained_how="Demonstration data",
        )
        Participant.objects.create(
            meeting=meeting,
            name="B. Sample (demo)",
            organisation="A civil society network",
            category=Participant.Category.CIVIL_SOCIETY,
            invitation_status=Participant.Invitation.INVITED,
            email="civil.society@demo.goodstories.example",
        )
        created.append(meeting)
    return created
