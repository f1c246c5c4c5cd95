"""Celery tasks of the cooperation app: thin callers of services, safe to run twice.

The services import these tasks; the tasks import the services inside their bodies, so the import goes one
way only."""

from celery import shared_task


@shared_task
def queue_due_reminders() -> int:
    from cooperation import deadlines

    return deadlines.reminders_queue_due()


@shared_task
def send_deadline_reminder(reminder_id: int) -> bool:
    from cooperation import deadlines

    return deadlines.reminder_send(reminder_id=reminder_id)
