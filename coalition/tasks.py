"""Project-wide periodic tasks."""

from celery import shared_task

from members.services import invitations_requeue_unsent
from stories.services import side_effects_requeue


@shared_task
def redrive() -> int:
    """Queue again the work a broker outage kept from being queued (each task is safe to run twice)."""
    return invitations_requeue_unsent() + side_effects_requeue()
