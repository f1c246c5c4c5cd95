"""Periodic work of the shared machinery."""

from celery import shared_task

from core.public_cache import catch_up_missed_bumps


@shared_task
def public_cache_catch_up() -> bool:
    """Make the public cache stale for changes made while the cache was unreachable (safe to run twice)."""
    return catch_up_missed_bumps()
