"""A worker killed in the middle of a task: the task is handed to another worker, which finishes it. Both
work on the test's own Redis (see conftest.py), so the short visibility timeout re-delivers nobody else's
unacknowledged tasks."""

import time
from pathlib import Path

import pytest
from django.conf import settings

import coalition.settings as portal_settings
from stories.models import StoryImage
from stories.tasks import make_image_renditions
from tests.faults.drafts import big_jpeg, draft_with_photo
from tests.services import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def served_files(image: StoryImage) -> list[Path]:
    """The public files the photo's renditions point at."""
    names = [name for entry in image.renditions.values() for key, name in entry.items() if key != "height"]
    return [Path(settings.MEDIA_ROOT) / name for name in names]


def test_by_default_a_killed_workers_task_runs_again_within_two_minutes():
    """An unacknowledged task goes back to the queue `visibility_timeout` seconds after it was taken; workers
    look for such tasks every `unacked_restore_interval` seconds."""
    options = portal_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert portal_settings.CELERY_TASK_ACKS_LATE and portal_settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert options["visibility_timeout"] <= 110
    assert options["visibility_timeout"] + options["unacked_restore_interval"] <= 120


def test_a_worker_killed_while_making_renditions_is_replaced_and_the_renditions_are_made(
    start_worker, private_redis, staff_user, record_property
):
    first = start_worker(CELERY_VISIBILITY_TIMEOUT="5")
    story = draft_with_photo(staff_user, big_jpeg())
    image = StoryImage.objects.get(story=story)

    assert wait_for(
        lambda: "make_image_renditions" in first.output() and "received" in first.output(), interval=0.02
    ), first.output()
    assert f"Connected to redis://:**@127.0.0.1:{private_redis.port}/0" in first.output()
    first.kill()  # mid-task: the message was never acknowledged
    killed = time.monotonic()
    assert StoryImage.objects.get(pk=image.pk).renditions == {}

    second = start_worker(CELERY_VISIBILITY_TIMEOUT="5")
    made = wait_for(lambda: bool(StoryImage.objects.get(pk=image.pk).renditions), timeout=90)
    record_property(
        "renditions_made_seconds_after_the_kill_with_a_5s_visibility", round(time.monotonic() - killed, 2)
    )
    output = second.stop()
    assert made, f"the replacement worker did not finish the renditions:\n{output}"
    image.refresh_from_db()
    assert sorted(image.renditions, key=int) == ["480", "960", "1600"]
    served = served_files(image)
    assert len(served) == 6 and all(path.is_file() for path in served), served

    # A further run (the redrive, or another re-delivery) changes nothing and deletes nothing served.
    renditions = image.renditions
    make_image_renditions(image.pk)
    image.refresh_from_db()
    assert image.renditions == renditions
    assert all(path.is_file() for path in served)
