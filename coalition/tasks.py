"""Project-wide periodic tasks."""

import datetime

from celery import shared_task

from meetings.services import meeting_mails_requeue
from members.services import invitations_requeue_unsent
from stories.services import side_effects_requeue

# Each app's "queue again what the broker did not take" function. Every task they queue is safe to run twice.
REQUEUES = (invitations_requeue_unsent, side_effects_requeue, meeting_mails_requeue)


@shared_task
def redrive(older_than_seconds: int = 120) -> int:
    """Queue again the work a broker outage kept from being queued, for every app.
    Only work older than a couple of minutes: newer work is most likely still on its way."""
    older_than = datetime.timedelta(seconds=older_than_seconds)
    return sum(requeue(older_than=older_than) for requeue in REQUEUES)


@shared_task
def noop() -> None:
    """Does nothing: the benchmark measures the broker and the worker with it."""
