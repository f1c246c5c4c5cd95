"""Meeting reminders through a real Celery worker on Redis: the task run twice, each mail sent once."""

import datetime

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, Participant, Reminder
from meetings.tasks import queue_due_reminders
from tests.factories import CoordinatorFactory
from tests.services import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_reminders_go_out_once_even_when_the_task_runs_twice(celery_worker, mission):
    CoordinatorFactory(mission=mission, email="coordinator@example.org")
    start = timezone.now() + datetime.timedelta(hours=20)
    meeting = services.meeting_save(
        meeting=Meeting(
            title="Ministerial meeting on the right to education",
            kind=Meeting.Kind.MINISTERIAL,
            city=Meeting.City.GENEVA,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            status=Meeting.Status.CONFIRMED,
        )
    )
    meeting.co_chairs.add(mission.member)
    Participant.objects.create(
        meeting=meeting,
        name="Confirmed Person",
        category=Participant.Category.EXPERT,
        invitation_status=Participant.Invitation.CONFIRMED,
        email="confirmed@example.org",
    )
    Participant.objects.create(
        meeting=meeting,
        name="Only Invited",
        category=Participant.Category.ACADEMIC,
        invitation_status=Participant.Invitation.INVITED,
        email="invited@example.org",
    )

    queue_due_reminders.delay()
    queue_due_reminders.delay()  # a second beat, or a retry: must add nothing
    sent = wait_for(lambda: Reminder.objects.filter(sent_at__isnull=False).count() == 2)
    queue_due_reminders.delay()
    # Let the worker drain what a third run might (wrongly) queue before looking at its output.
    wait_for(lambda: False, timeout=3)
    output = celery_worker.stop()

    assert sent, f"reminders not sent in time; worker output:\n{output}"
    reminders = Reminder.objects.filter(meeting=meeting).order_by("email")
    assert [(r.email, r.kind) for r in reminders] == [
        ("confirmed@example.org", "day"),
        ("coordinator@example.org", "day"),
    ]
    assert output.count("To: confirmed@example.org") == 1
    assert output.count("To: coordinator@example.org") == 1
    assert "To: invited@example.org" not in output
