"""Redis (broker and cache) down while people work: the workflow goes on, and the mails follow once Redis is
back. The Redis that fails is the test's own (see conftest.py)."""

import time

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

import coalition.settings as portal_settings
from coalition.tasks import redrive
from stories import services
from stories.models import Story, StoryEvent
from tests.factories import SecretariatFactory
from tests.faults.drafts import complete_draft
from tests.services import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_defaults_requeue_work_within_a_minute_of_the_broker_coming_back():
    """The redrive runs every REDRIVE_EVERY_SECONDS for work older than REDRIVE_AFTER_SECONDS: with both at
    30 at most, work the broker did not take is queued again at most 30 s after its return (or 60 s after it
    was made, for an outage shorter than 30 s)."""
    assert portal_settings.REDRIVE_EVERY_SECONDS <= 30
    assert portal_settings.REDRIVE_AFTER_SECONDS <= 30
    beat = portal_settings.CELERY_BEAT_SCHEDULE["redrive"]
    assert beat["task"] == redrive.name
    assert beat["schedule"] <= 30


def test_with_redis_down_staff_submit_and_the_secretariat_publishes_and_the_mails_follow_later(
    start_worker, private_redis, staff_client, staff_user, settings, record_property
):
    # This process's cache is the private Redis.
    cache.set("where-am-i", "private")
    with redis.Redis.from_url(private_redis.url(1)) as client:
        assert client.keys("*:where-am-i")
    worker = start_worker()
    story = complete_draft(staff_user)
    secretariat = SecretariatFactory()
    assert wait_for(lambda: " ready." in worker.output(), timeout=30), worker.output()
    assert f"Connected to redis://:**@127.0.0.1:{private_redis.port}/0" in worker.output()

    private_redis.stop()  # broker and cache gone, as in a crash
    response = staff_client.post(reverse("my_stories:story_submit", args=[story.pk]))
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "Submitted for review" in page
    services.story_approve(story_id=story.pk, actor=secretariat)
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    assert list(StoryEvent.objects.filter(story=story).values_list("notified_at", flat=True)) == [None, None]

    private_redis.start()  # back, and empty
    back = time.monotonic()
    # What beat does every REDRIVE_EVERY_SECONDS, for work older than REDRIVE_AFTER_SECONDS (30 s by default,
    # one here: the events are older than that).
    settings.REDRIVE_AFTER_SECONDS = 1
    time.sleep(1)
    assert redrive.apply().get() >= 2

    notified = wait_for(
        lambda: not StoryEvent.objects.filter(story=story, notified_at__isnull=True).exists(), timeout=60
    )
    record_property("mails_sent_seconds_after_the_broker_came_back", round(time.monotonic() - back, 2))
    output = worker.stop()
    assert notified, f"the mails were not sent in time; the worker's output:\n{output}"
    # Each mail once (the subject of the first may be encoded: it holds the member's name).
    submitted = "submitted the story \u201cFree legal aid at every police station\u201d for review."
    assert submitted in output, output
    assert output.count("To: secretariat@goodstories.example") == 1, output
    assert output.count("Subject: Published: Free legal aid at every police station") == 1, output
