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


class OpenDataLicence(models.Model):
    """The licence the secretariat publishes the open data under: one row at most (its key is always 1).
    With no row, `core.open_data.DEFAULT_LICENCE` (CC BY 4.0) applies, so a fresh install states a licence."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    name = models.CharField(_("name"), max_length=200, help_text=_("For example: CC BY 4.0."))
    url = models.URLField(_("address of the licence text"), max_length=500)
    attribution = models.CharField(
        _("attribution"),
        max_length=500,
        help_text=_("The sentence people reusing the data are asked to give, with the source."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("open data licence")
        verbose_name_plural = _("open data licence")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="open_data_licence_single_row")]

    def __str__(self) -> str:
        return self.name


def _stale_when_licence_changes() -> None:
    # Every open-data response states the licence (and current_licence() is cached per generation): a new
    # licence must make all of them stale. Here rather than in CoreConfig.ready so it holds in every process.
    from core.public_cache import stale_when_changed

    stale_when_changed(OpenDataLicence)


_stale_when_licence_changes()
