"""Celery tasks of the releases: thin callers of the service, safe to run twice."""

from celery import shared_task

from opendata import releases


@shared_task
def release_if_changed() -> str | None:
    """Daily (beat): a new release when the data changed since the latest one. Returns its slug, or None."""
    release = releases.release_if_changed()
    return release.slug if release else None
