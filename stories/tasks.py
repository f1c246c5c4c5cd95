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


# Consent records (stories/consent.py): the services import these tasks, so the tasks import them late.


@shared_task
def expire_consents() -> list[int]:
    """Every minute: photos whose consent ran out are taken down (and takedown notices a broker outage
    held back are queued again)."""
    from stories import consent

    taken_down = consent.consents_expire_due()
    consent.takedown_notices_requeue()
    return taken_down


@shared_task
def warn_expiring_consents() -> int:
    """Daily: warn of consents ending within 30 days."""
    from stories import consent

    return consent.consents_warn_expiring()


@shared_task
def send_consent_expiry_warning(consent_id: int) -> bool:
    from stories import consent

    return consent.consent_expiry_warn(consent_id=consent_id)


@shared_task
def send_photo_takedown_notice(event_id: int) -> bool:
    from stories import consent

    return consent.photo_takedown_notify(event_id=event_id)
