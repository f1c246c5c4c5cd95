"""The little that the shared machinery keeps in the database."""

from django.db import models


class PendingCacheBump(models.Model):
    """A change of public content that could not make the cached pages stale because the cache did not
    answer. `core.tasks.public_cache_catch_up` (beat, every `PUBLIC_CACHE_CATCH_UP_SECONDS`) makes them
    stale once the cache is back, then deletes these rows."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"missed cache bump at {self.created_at:%Y-%m-%d %H:%M:%S}"
