"""Meeting mails through a real Celery worker on Redis: each task run twice, each mail sent once."""

import datetime

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, Participant, Reminder
from meetings.tasks import queue_due_reminders, send_cancellation, send_participant_invitation
from tests.factories import CoordinatorFactory, SecretariatFactory
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


def test_invitation_and_cancellation_each_go_out_once_even_when_their_tasks_run_twice(celery_worker):
    secretariat = SecretariatFactory()
    start = timezone.now() + datetime.timedelta(days=10)
    meeting = services.meeting_save(
        meeting=Meeting(
            title="Ministerial meeting on the right to housing",
            kind=Meeting.Kind.MINISTERIAL,
            city=Meeting.City.GENEVA,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
        )
    )
    participant = Participant.objects.create(
        meeting=meeting,
        name="Invited Person",
        category=Participant.Category.EXPERT,
        invitation_status=Participant.Invitation.INVITED,
        email="invited@example.org",
    )

    services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat)
    send_participant_invitation.delay(participant.pk)  # a redelivery, or the redrive: must not mail again
    invited = wait_for(
        lambda: Participant.objects.filter(pk=participant.pk, invitation_sent_at__isnull=False).exists()
    )
    wait_for(lambda: False, timeout=2)
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat, message="We meet in spring instead.")
    send_cancellation.delay(participant.pk)
    told = wait_for(
        lambda: Participant.objects.filter(pk=participant.pk, cancellation_sent_at__isnull=False).exists()
    )
    wait_for(lambda: False, timeout=3)
    output = celery_worker.stop()

    assert invited and told, f"mails not sent in time; worker output:\n{output}"
    assert output.count("To: invited@example.org") == 2
    assert output.count("Subject: Invitation: Ministerial meeting on the right to housing") == 1
    assert output.count("Subject: Cancelled: Ministerial meeting on the right to housing") == 1
    assert "We meet in spring instead." in output
