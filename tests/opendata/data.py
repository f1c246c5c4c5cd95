"""Data for the releases' tests: a little of everything a release publishes, and ways to read a release."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from cooperation.models import CooperationRecord
from meetings.models import AgendaItem, Meeting
from membership.models import DeclarationVersion, Endorsement
from opendata.models import Release
from stories.models import StoryImage, Theme
from tests import factories
from tests.cooperation.test_card import publish, visit
from tests.stories.test_consent import give_consent, photo


def everything(member) -> dict:
    """Published stories (one with a consented photo), a draft, a meeting presenting a story, an
    endorsement, a recommendation and a published cooperation card."""
    theme = Theme.objects.filter(kind="priority").order_by("order").first()
    story = factories.PublishedStoryFactory(
        member=member,
        title="=Mobile courts",  # a formula, neutralised in the file
        published_at=timezone.now() - datetime.timedelta(days=2),
        themes=[theme, *Theme.objects.filter(slug="sdg-16")],
    )
    pictured = factories.PublishedStoryFactory(
        member=member,
        title="Hearings open to everyone",
        published_at=timezone.now() - datetime.timedelta(days=1),
    )
    image = photo(pictured)
    consent = give_consent(image)
    factories.StoryFactory(member=member, title="A draft nobody sees")
    start = timezone.now() + datetime.timedelta(days=20)
    meeting = Meeting.objects.create(
        title="Ministerial meeting on access to justice",
        slug="ministerial-access-to-justice",
        kind=Meeting.Kind.MINISTERIAL,
        city=Meeting.City.GENEVA,
        time_zone="Europe/Zurich",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        topic=theme,
        description="Members share good stories.",
    )
    meeting.co_chairs.add(member)
    AgendaItem.objects.create(meeting=meeting, title="A good story", story=story)
    Meeting.objects.create(  # elsewhere, with no topic, cancelled
        title="Regional event in Jakarta",
        slug="regional-event-jakarta",
        kind=Meeting.Kind.REGIONAL,
        city=Meeting.City.OTHER,
        place="Jakarta",
        time_zone="Asia/Jakarta",
        starts_at=start - datetime.timedelta(days=90),
        ends_at=start - datetime.timedelta(days=90) + datetime.timedelta(hours=3),
        status=Meeting.Status.CANCELLED,
    )
    Endorsement.objects.create(
        member=member,
        version=DeclarationVersion.objects.get(number=1),
        endorsed_on=datetime.date(2019, 9, 27),
        signatory_name="Ana Ministra",
        signatory_title="Minister of Foreign Affairs",
        level=Endorsement.Level.MINISTER,
        means=Endorsement.Means.LETTER,
    )
    recommendation = factories.RecommendationFactory(country=member.country)
    CooperationRecord.objects.create(member=member, standing_invitation_on=datetime.date(2012, 5, 4))
    visit(member, status="completed", report_symbol="A/HRC/99/1/Add.1")
    publish(member)
    return {
        "story": story,
        "pictured": pictured,
        "image": image,
        "consent": consent,
        "meeting": meeting,
        "recommendation": recommendation,
    }


def stored(release: Release, path: str) -> Path:
    """Where a release's file is in the test run's public media folder."""
    return Path(settings.MEDIA_ROOT) / release.file_path(path)


def rows(release: Release, name: str) -> list[dict]:
    entry = release.file(name)
    text = stored(release, entry["path"]).read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def widest_jpeg(image: StoryImage) -> str:
    from django.core.files.storage import storages

    widest = max(image.renditions, key=int)
    return f"{settings.SITE_URL}{storages['default'].url(image.renditions[widest]['jpeg'])}"
