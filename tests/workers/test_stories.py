"""Renditions and notifications made by a real Celery worker process on Redis, seen in PostgreSQL."""

import pytest
from django.core.files.storage import storages

from stories import services
from stories.models import Story, StoryEvent, StoryImage, Theme
from tests.services import wait_for
from tests.stories import imagefiles

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_real_worker_makes_the_renditions_and_sends_the_notification(celery_worker, staff_user):
    # 1500 x 2000 as stored, 2000 wide once the camera's rotation is applied.
    pending = services.pending_upload_create(owner=staff_user, upload=imagefiles.jpeg_with_gps(1500, 2000))
    story = services.story_save(
        story=Story(
            member_id=staff_user.mission.member_id,
            title="Night schools for adults",
            language="en",
            summary="Adults who never finished school can now do so in the evening.",
            body="Classes run in every district.",
            policy_year=2016,
        ),
        actor=staff_user,
        expected_version=None,
        themes=[],
        images=[
            services.ImageData(
                pending_id=pending.pk, alt_text="Adults in a classroom at night", consent_confirmed=True
            )
        ],
    )
    image = StoryImage.objects.get(story=story)
    assert image.renditions == {}  # this process runs no tasks: the worker must

    ready = wait_for(lambda: bool(StoryImage.objects.get(pk=image.pk).renditions))
    story.themes.add(Theme.objects.get(slug="sdg-4"))
    services.story_submit(story_id=story.pk, actor=staff_user)
    event = StoryEvent.objects.get(story=story, to_status=Story.Status.SUBMITTED)
    notified = wait_for(lambda: StoryEvent.objects.filter(pk=event.pk, notified_at__isnull=False).exists())

    output = celery_worker.stop()
    assert ready, f"no renditions in time; worker output:\n{output}"
    renditions = StoryImage.objects.get(pk=image.pk).renditions
    assert sorted(renditions, key=int) == ["480", "960", "1600"]
    for entry in renditions.values():
        for fmt in ("webp", "jpeg"):
            with storages["default"].open(entry[fmt]) as handle:
                imagefiles.assert_no_metadata(handle.read())
    assert notified, f"no notification in time; worker output:\n{output}"
    assert "Story submitted for review: Night schools for adults" in output
