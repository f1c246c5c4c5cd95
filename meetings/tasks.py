"""Celery tasks of the meetings app: thin callers of services, safe to run twice."""

from celery import shared_task

from meetings import services


@shared_task
def send_participant_invitation(participant_id: int) -> bool:
    return services.participant_send_invitation(participant_id=participant_id)


@shared_task
def send_cancellation(participant_id: int, message: str = "") -> bool:
    return services.participant_send_cancellation(participant_id=participant_id, message=message)


@shared_task
def queue_due_reminders() -> int:
    return services.reminders_queue_due()


@shared_task
def send_reminder(reminder_id: int) -> bool:
    return services.reminder_send(reminder_id=reminder_id)
