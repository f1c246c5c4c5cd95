"""Celery tasks of the meetings app: thin callers of services, safe to run twice.

The services import these tasks; the tasks import the services inside their bodies, so the import goes one
way only.
"""

from celery import shared_task


@shared_task
def send_participant_invitation(participant_id: int) -> bool:
    from meetings import services

    return services.participant_send_invitation(participant_id=participant_id)


@shared_task
def send_cancellation(participant_id: int, message: str | None = None) -> bool:
    # `message` is only given by tasks queued before the message was kept in the meeting's history.
    from meetings import services

    return services.participant_send_cancellation(participant_id=participant_id, message=message)


@shared_task
def queue_due_reminders() -> int:
    from meetings import services

    return services.reminders_queue_due()


@shared_task
def send_reminder(reminder_id: int) -> bool:
    from meetings import services

    return services.reminder_send(reminder_id=reminder_id)
