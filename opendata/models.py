"""Dated, immutable releases of the open data, and the log of what was done to them.

A release is a folder of files in the public media (`releases/<slug>/`): one CSV per dataset and a
Frictionless `datapackage.json` describing them. Its files are written once and never rewritten; the row
here records what they are (sizes, checksums, rows), the licence they were published under and what changed
since the release before. Only `opendata.releases` writes these rows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import HistoryEvent

RELEASES_FOLDER = "releases"
DATAPACKAGE = "datapackage.json"
# What each file holds, for the pages (the files themselves describe it in English, in datapackage.json).
FILE_LABELS = {
    "datapackage": _("Description of the files: fields, types, checksums (Frictionless data package)"),
    "stories": _("Published stories"),
    "story_themes": _("Themes and SDGs of each story"),
    "themes": _("Priority themes and SDGs"),
    "members": _("Members"),
    "meetings": _("Meetings and events"),
    "endorsements": _("Endorsements of the joint declaration"),
    "recommendations": _("UN recommendations to members"),
    "cooperation": _("Cooperation cards with the UN Special Procedures"),
}


class ReleaseQuerySet(models.QuerySet):
    def published(self) -> ReleaseQuerySet:
        return self.filter(status=Release.Status.PUBLISHED)

    def newest_first(self) -> ReleaseQuerySet:
        return self.order_by("-created_at", "-pk")


class Release(models.Model):
    class Status(models.TextChoices):
        # The row exists while the files are being saved, so that two runs never take the same folder.
        WRITING = "writing", _("Being written")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(
        _("identifier"),
        max_length=20,
        unique=True,
        help_text=_("The day of the release (2026-12-01), with -2, -3… for a further release the same day."),
    )
    released_on = models.DateField(_("released on"))
    created_at = models.DateTimeField(_("created at"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.WRITING)
    files = models.JSONField(
        _("files"),
        default=list,
        help_text=_("Each file: name, path, title, format, media type, bytes, sha256 and rows."),
    )
    # A digest of the data files' checksums: equal digests mean the same data (the daily task compares them).
    data_digest = models.CharField(_("digest of the data"), max_length=64)
    licence_name = models.CharField(_("licence"), max_length=200)
    licence_url = models.URLField(_("licence address"), max_length=500)
    licence_attribution = models.CharField(_("attribution"), max_length=500)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous release"),
    )
    # Kept as text too: a previous release deleted later is still named.
    previous_slug = models.CharField(_("previous release's identifier"), max_length=20, blank=True)
    stories_added = models.PositiveIntegerField(_("stories added"), default=0)
    stories_removed = models.PositiveIntegerField(_("stories no longer published"), default=0)
    photos_removed = models.PositiveIntegerField(_("photos no longer published"), default=0)
    # Machine-facing (datapackage.json and the catalogue, in English); pages say it from the numbers above.
    withdrawn_notice = models.TextField(_("notice of what left"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("open data release")
        verbose_name_plural = _("open data releases")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="opendata_release_status_at")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | ~Q(data_digest=""),
                name="opendata_release_published_digest",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("opendata:release_detail", kwargs={"slug": self.slug})

    @property
    def folder(self) -> str:
        return f"{RELEASES_FOLDER}/{self.slug}"

    def file_path(self, path: str) -> str:
        return f"{self.folder}/{path}"

    def file_url(self, path: str) -> str:
        """The file's address in the public media (a path from the site's root, or the object store's URL)."""
        return storages["default"].url(self.file_path(path))

    @property
    def datapackage_url(self) -> str:
        return self.file_url(DATAPACKAGE)

    @property
    def downloads(self) -> list[dict[str, Any]]:
        """The files with their addresses, for the pages."""
        return [
            {
                **entry,
                "url": self.file_url(entry["path"]),
                "label": FILE_LABELS.get(entry["name"], entry["title"]),
            }
            for entry in self.files
        ]

    def file(self, name: str) -> dict[str, Any] | None:
        return next((entry for entry in self.files if entry["name"] == name), None)

    @property
    def data_files(self) -> list[dict[str, Any]]:
        return [entry for entry in self.files if entry.get("rows") is not None]

    @property
    def something_left(self) -> bool:
        return bool(self.stories_removed or self.photos_removed)

    @property
    def year(self) -> int:
        return self.released_on.year


class ReleaseEvent(HistoryEvent):
    """What was done to a release: published, or deleted with its files. Kept when the release is deleted."""

    class Action(models.TextChoices):
        PUBLISHED = "published", _("published")
        DELETED = "deleted", _("deleted with its files")

    release = models.ForeignKey(
        Release,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("release"),
    )
    slug = models.CharField(_("release"), max_length=20)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("open data release event")
        verbose_name_plural = _("open data release events")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.slug} {self.get_action_display()}"
