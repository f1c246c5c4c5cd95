"""A worker killed in the middle of a task: the task is handed to another worker, which finishes it. Both
work on the test's own Redis (see conftest.py), so the short visibility timeout re-delivers nobody else's
unacknowledged tasks."""

import pytest

from stories.models import StoryImage
from tests.faults.drafts import big_jpeg, draft_with_photo
from tests.services import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_worker_killed_while_making_renditions_is_replaced_and_the_renditions_are_made(
    start_worker, private_redis, staff_user
):
    first = start_worker(CELERY_VISIBILITY_TIMEOUT="5")
    story = draft_with_photo(staff_user, big_jpeg())
    image = StoryImage.objects.get(story=story)

    assert wait_for(
        lambda: "make_image_renditions" in first.output() and "received" in first.output(), interval=0.02
    ), first.output()
    assert f"Connected to redis://:**@127.0.0.1:{private_redis.port}/0" in first.output()
    first.kill()  # mid-task: the message was never acknowledged
    assert StoryImage.objects.get(pk=image.pk).renditions == {}

    second = start_worker(CELERY_VISIBILITY_TIMEOUT="5")
    made = wait_for(lambda: bool(StoryImage.objects.get(pk=image.pk).renditions), timeout=90)
    output = second.stop()
    assert made, f"the replacement worker did not finish the renditions:\n{output}"
    assert sorted(StoryImage.objects.get(pk=image.pk).renditions, key=int) == ["480", "960", "1600"]
