"""Celery tasks of the recommendations app: thin callers of services, safe to run twice."""

from celery import shared_task

from recommendations.services import notifications


@shared_task
def send_recommendation_notification(event_id: int) -> bool:
    return notifications.event_notify(event_id=event_id)
