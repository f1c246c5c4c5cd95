"""A withdrawn story or a photo taken down leaves the downloadable data at once: a new release is made right
after the change commits, so the unfiltered CSV (a redirect to the latest release) no longer holds it."""

import datetime

import pytest

from opendata import releases
from opendata.models import Release
from stories import consent as consent_services
from stories import services as story_services
from tests.opendata.data import everything, rows, widest_jpeg

pytestmark = pytest.mark.django_db


def test_a_withdrawal_makes_a_release_without_the_story(
    member, mission, staff_user, secretariat_user, django_capture_on_commit_callbacks
):
    data = everything(member)
    first = releases.release_create(today=datetime.date(2026, 12, 1))

    with django_capture_on_commit_callbacks(execute=True):
        story_services.story_withdraw(
            story_id=data["story"].pk, actor=secretariat_user, reason="Asked by the member"
        )

    latest = Release.objects.exclude(pk=first.pk).get()
    assert str(data["story"].pk) not in {row["id"] for row in rows(latest, "stories")}


def test_a_photo_taken_down_makes_a_release_without_it(
    member, mission, staff_user, django_capture_on_commit_callbacks
):
    data = everything(member)
    first = releases.release_create(today=datetime.date(2026, 12, 1))
    photo_url = widest_jpeg(data["image"])

    with django_capture_on_commit_callbacks(execute=True):
        consent_services.consent_withdraw(actor=staff_user, consent_id=data["consent"].pk)

    latest = Release.objects.exclude(pk=first.pk).get()
    assert all(photo_url not in " ".join(row.values()) for row in rows(latest, "stories"))


def test_other_history_makes_no_release(member, mission, staff_user, django_capture_on_commit_callbacks):
    everything(member)
    releases.release_create(today=datetime.date(2026, 12, 1))
    story = __import__("tests.factories", fromlist=["StoryFactory"]).StoryFactory(
        member=member, author=staff_user
    )

    with django_capture_on_commit_callbacks(execute=True):
        story_services.story_submit(story_id=story.pk, actor=staff_user)

    assert Release.objects.count() == 1
