"""Celery tasks of membership applications: thin callers of services, safe to run twice.

The services import these tasks; the tasks import the services inside their bodies, so the import goes one
way only."""

from celery import shared_task


@shared_task
def send_application_event(event_id: int) -> bool:
    from membership import applications

    return applications.application_event_notify(event_id=event_id)


@shared_task
def close_due_consultations() -> list[int]:
    from membership import applications

    return applications.consultations_close_due()


@shared_task
def remove_stale_pending_letters() -> int:
    from membership import applications

    return applications.pending_letters_remove_stale()
