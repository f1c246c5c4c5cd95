"""Celery tasks of the members app: thin callers of services, safe to run twice."""

from celery import shared_task

from members import services


@shared_task
def send_invitation(invitation_id: int) -> bool:
    return services.invitation_send(invitation_id=invitation_id)
