"""Reminders of due replies through a real Celery worker on Redis: the beat's task, run twice, mails once."""

import datetime

import pytest
from django.utils import timezone

from cooperation.models import Communication, DeadlineReminder
from cooperation.tasks import queue_due_reminders, send_deadline_reminder
from tests.factories import CoordinatorFactory
from tests.services import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_due_reply_is_reminded_of_once_even_when_the_tasks_run_twice(celery_worker, mission):
    CoordinatorFactory(mission=mission, email="coordinator@example.org", language="en")
    today = timezone.now().astimezone(datetime.UTC).date()
    communication = Communication.objects.create(
        member=mission.member,
        kind=Communication.Kind.URGENT_APPEAL,
        reference="UA WRK 1/2026",
        received_on=today - datetime.timedelta(days=5),
        # Two days ahead in UTC is one to three days ahead in any time zone: the 3 days reminder.
        reply_due_on=today + datetime.timedelta(days=2),
        note="Never in a mail",
    )

    queue_due_reminders.delay()
    queue_due_reminders.delay()  # a second beat, or a retry: must add nothing
    sent = wait_for(lambda: DeadlineReminder.objects.filter(sent_at__isnull=False, kind="days_3").exists())
    reminder = DeadlineReminder.objects.filter(kind="days_3").first()
    if reminder is not None:
        send_deadline_reminder.delay(reminder.pk)  # a redelivery, or the redrive: must not mail again
    # Let the worker drain what a second run might (wrongly) send before looking at its output.
    wait_for(lambda: False, timeout=3)
    output = celery_worker.stop()

    assert sent, f"reminder not sent in time; worker output:\n{output}"
    assert [(r.kind, r.sent_at is not None) for r in DeadlineReminder.objects.order_by("kind")] == [
        ("days_14", True),  # claimed as skipped: the 3 days reminder is the one due
        ("days_3", True),
    ]
    assert DeadlineReminder.objects.get(kind="days_3").communication == communication
    assert output.count("To: coordinator@example.org") == 1
    assert "communication UA WRK 1/2026" in output
    assert "Never in a mail" not in output
