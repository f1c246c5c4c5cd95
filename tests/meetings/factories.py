"""factory_boy factories for meetings; meetings are saved through meetings.services.meeting_save."""

import datetime
import zoneinfo
from urllib.parse import urlsplit

import factory
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Document, Meeting, Participant, ParticipantConsent
from tests.core.pdf_files import plain_pdf

# A small, well-formed PDF whose metadata names its author: the admin recognises PDFs by their content, not
# their name, and keeps them without their metadata.
PDF_BYTES = plain_pdf(author="Jane Diplomat")


def local(zone: str, text: str) -> datetime.datetime:
    """`local("Europe/Zurich", "2027-01-14 10:00")`: a wall-clock time in a zone, as an aware datetime."""
    naive = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=zoneinfo.ZoneInfo(zone))


def utc(text: str) -> datetime.datetime:
    return local("UTC", text)


def in_days(days: float, hour: int = 10) -> datetime.datetime:
    """10:00 UTC on the day `days` from today, for upcoming and past meetings."""
    moment = timezone.now() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


class MeetingFactory(factory.django.DjangoModelFactory):
    """A confirmed ministerial meeting in Geneva a month from now, saved through the service."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Ministerial meeting on good stories {n}")
    kind = Meeting.Kind.MINISTERIAL
    city = Meeting.City.GENEVA
    venue = "Palais des Nations, Room XX"
    starts_at = factory.LazyFunction(lambda: in_days(30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    status = Meeting.Status.CONFIRMED
    description = "Ministers share what worked in their countries."

    class Params:
        held = factory.Trait(
            status=Meeting.Status.HELD,
            outcome_summary="Ministers agreed to share twelve new stories by the next session.",
        )
        new_york = factory.Trait(city=Meeting.City.NEW_YORK, venue="UN Headquarters, Conference Room 4")
        elsewhere = factory.Trait(
            city=Meeting.City.OTHER, place="Jakarta", time_zone="Asia/Jakarta", venue="Gedung Pancasila"
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.meeting_save(meeting=model_class(*args, **kwargs))

    @factory.post_generation
    def co_chairs(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.co_chairs.set(extracted)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Agenda item {n}")
    time = datetime.time(10, 30)
    speaker = ""
    story = None


class ParticipantFactory(factory.django.DjangoModelFactory):
    """An invited minister with an address who has not consented to be named on the portal."""

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    meeting = factory.SubFactory(MeetingFactory)
    name = factory.Sequence(lambda n: f"Participant Person {n}")
    organisation = factory.Sequence(lambda n: f"Ministry of Justice {n}")
    category = Participant.Category.MINISTER
    email = factory.Sequence(lambda n: f"participant{n}@example.org")
    invitation_status = Participant.Invitation.INVITED

    @factory.post_generation
    def consents_to_portal(self, create: bool, extracted, **kwargs) -> None:
        """`consents_to_portal=True`: named on the portal (a consent record covering it, given on the
        meeting's creation day)."""
        if create and extracted:
            ParticipantConsent.objects.create(
                participant=self,
                who=self.name,
                uses=["portal"],
                given_on=timezone.localdate(self.meeting.created_at),
                obtained_how="Signed form",
            )


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    meeting = factory.SubFactory(MeetingFactory)
    kind = Document.Kind.CONCEPT_NOTE
    title = factory.Sequence(lambda n: f"Concept note {n}")
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="concept-note.pdf"))
    size = len(PDF_BYTES)


def uid(meeting: Meeting) -> str:
    """The calendar UID of a meeting under the current SITE_URL (tests/meetings/test_calendar.py checks the
    rule itself with literal hosts)."""
    return f"meeting-{meeting.pk}@{urlsplit(settings.SITE_URL).hostname}"
