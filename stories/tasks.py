"""Celery tasks of the stories app: thin callers of services, safe to run twice."""

from celery import shared_task

from stories import services


@shared_task
def make_image_renditions(image_id: int) -> bool:
    return services.image_make_renditions(image_id=image_id)


@shared_task
def send_story_notification(event_id: int) -> bool:
    return services.story_event_notify(event_id=event_id)


@shared_task
def publish_due_stories() -> list[int]:
    return services.stories_publish_due()


@shared_task
def remove_stale_pending_uploads() -> int:
    return services.pending_uploads_remove_stale()
