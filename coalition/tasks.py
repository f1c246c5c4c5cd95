"""Project-wide periodic tasks."""

import datetime

from celery import shared_task
from django.conf import settings

from cooperation.deadlines import reminders_requeue
from meetings.services import meeting_mails_requeue
from members.services import invitations_requeue_unsent
from membership.applications import application_mails_requeue
from recommendations.services.notifications import notifications_requeue
from stories.services import side_effects_requeue

# Each app's "queue again what the broker did not take" function. Every task they queue is safe to run twice.
REQUEUES = (
    invitations_requeue_unsent,
    side_effects_requeue,
    meeting_mails_requeue,
    application_mails_requeue,
    notifications_requeue,
    reminders_requeue,
)


@shared_task
def redrive(older_than_seconds: int | None = None) -> int:
    """Queue again the work a broker outage kept from being queued, for every app. Only work older than
    REDRIVE_AFTER_SECONDS: newer work is most likely still on its way."""
    if older_than_seconds is None:
        older_than_seconds = settings.REDRIVE_AFTER_SECONDS
    older_than = datetime.timedelta(seconds=older_than_seconds)
    return sum(requeue(older_than=older_than) for requeue in REQUEUES)


@shared_task
def noop() -> None:
    """Does nothing: the benchmark measures the broker and the worker with it."""
