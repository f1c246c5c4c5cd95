"""The little that the shared machinery keeps in the database."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HistoryEvent(models.Model):
    """What every history row has: who acted (kept empty when that account is deleted, or for the system
    itself) and when. Each app's event model adds what changed (`StoryEvent`, `MeetingEvent`, `UserEvent`)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        abstract = True


class PendingCacheBump(models.Model):
    """A change of public content that could not make the cached pages stale because the cache did not
    answer. `core.tasks.public_cache_catch_up` (beat, every `PUBLIC_CACHE_CATCH_UP_SECONDS`) makes them
    stale once the cache is back, then deletes these rows."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"missed cache bump at {self.created_at:%Y-%m-%d %H:%M:%S}"
