"""Making, finding and deleting the dated open-data releases.

A release is built in a local temporary folder first (each CSV streamed to disk, counted and hashed as it is
written), compared with the latest release, and only then copied to the public media under
`releases/<slug>/`, beside its `datapackage.json`. Files there are never rewritten: a slug is never used
twice (not after its release was deleted, nor where files were left), and a file that turns up while a
release is saved stops that release.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.audit import records_actor
from core.open_data import current_licence
from core.public_cache import bump_generation
from members.models import User
from opendata.datasets import CsvFile, Dataset, Seen, SiteRequest, datasets, write_all
from opendata.models import DATAPACKAGE, Release, ReleaseEvent

logger = logging.getLogger(__name__)

PUBLISHER = "Good Human Rights Stories Initiative"
DATA_PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"


def media():
    return storages["default"]


# Building ------------------------------------------------------------------------------------------------


@dataclass
class Build:
    """A release's data files, written to a local folder and not yet published."""

    folder: Path
    datasets: list[Dataset]
    files: list[dict[str, Any]]
    seen: Seen

    @property
    def digest(self) -> str:
        return data_digest(self.files)


def data_digest(files: list[dict[str, Any]]) -> str:
    """One checksum for the data of a release: the same files give the same digest."""
    lines = sorted(f"{entry['path']} {entry['sha256']}" for entry in files if entry.get("rows") is not None)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """One snapshot for every file on PostgreSQL (REPEATABLE READ, read only), so the files agree with each
    other (a member added while the release is written is in all of them or none). Inside a transaction
    that already ran queries (tests), the snapshot is that transaction's."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def release_build(folder: Path) -> Build:
    """Write every data file of a release into `folder`. The addresses in the files are the English pages
    (the member names are in English too), under settings.SITE_URL."""
    site = SiteRequest()
    seen = Seen()
    with translation.override("en"):
        sets = datasets()
        files = {dataset.name: CsvFile(folder / dataset.path, dataset.columns) for dataset in sets}
        try:
            with _one_snapshot():
                write_all(files, site, seen)
        finally:
            for out in files.values():
                out.close()
    entries = [
        {
            "name": dataset.name,
            "path": dataset.path,
            "title": dataset.title,
            "format": "csv",
            "mediatype": "text/csv",
            "bytes": files[dataset.name].bytes,
            "sha256": files[dataset.name].sha256,
            "rows": files[dataset.name].rows,
        }
        for dataset in sets
    ]
    return Build(folder=folder, datasets=sets, files=entries, seen=seen)


# What left since the release before ----------------------------------------------------------------------


@dataclass
class Changes:
    stories_added: int = 0
    stories_removed: int = 0
    photos_removed: int = 0


def _previous_stories(release: Release) -> tuple[set[int], dict[str, int]] | None:
    """The story ids and photo addresses (with their story) of a release's stories file, read as a stream
    from the media; None when the file cannot be read."""
    entry = release.file("stories")
    if entry is None:
        return None
    ids: set[int] = set()
    photos: dict[str, int] = {}
    try:
        with media().open(release.file_path(entry["path"]), "rb") as raw:
            for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")):
                story_id = int(row["id"])
                ids.add(story_id)
                for address in row.get("image_urls", "").split():
                    photos[address] = story_id
    except (OSError, KeyError, ValueError):
        logger.exception("the stories of release %s could not be read", release.slug)
        return None
    return ids, photos


def changes_since(previous: Release | None, seen: Seen) -> Changes:
    if previous is None:
        return Changes(stories_added=len(seen.story_ids))
    before = _previous_stories(previous)
    if before is None:
        return Changes()
    ids, photos = before
    return Changes(
        stories_added=len(seen.story_ids - ids),
        stories_removed=len(ids - seen.story_ids),
        # Photos of stories still published: a withdrawn story's photos are counted with the story.
        photos_removed=sum(
            1
            for address, story_id in photos.items()
            if story_id in seen.story_ids and address not in seen.image_urls
        ),
    )


def withdrawn_notice(changes: Changes, previous_slug: str) -> str:
    """What left, for datapackage.json and the catalogue (in English, as the rest of the package); the pages
    say it in the visitor's language from the numbers."""
    if not (changes.stories_removed or changes.photos_removed):
        return ""
    return (
        f"Since release {previous_slug}, {changes.stories_removed} stories and {changes.photos_removed} "
        "photos left the open data: stories withdrawn by their member, and photos whose consent was "
        "withdrawn, are not in later releases."
    )


# Publishing ----------------------------------------------------------------------------------------------


def _taken_slugs(day: datetime.date) -> set[str]:
    prefix = day.isoformat()
    return set(Release.objects.filter(slug__startswith=prefix).values_list("slug", flat=True)) | set(
        ReleaseEvent.objects.filter(slug__startswith=prefix).values_list("slug", flat=True)
    )


def _has_files(slug: str, paths: list[str]) -> bool:
    """Whether the media holds a file where this release's would go (the database restored from a backup
    older than the media, say): that slug is not free either."""
    folder = Release(slug=slug)
    return any(media().exists(folder.file_path(path)) for path in [DATAPACKAGE, *paths])


def _reserve(day: datetime.date, paths: list[str], **fields: Any) -> Release:
    """The release's row, with the first free slug of the day: 2026-12-01, then 2026-12-01-2, -3… A slug
    used once (even by a release deleted since, or with files left in the media) is never used again: its
    address may have been cited."""
    for _attempt in range(5):
        taken = _taken_slugs(day)
        number = 1
        while (slug := day.isoformat() if number == 1 else f"{day.isoformat()}-{number}") in taken or (
            _has_files(slug, paths)
        ):
            number += 1
        try:
            with transaction.atomic():
                return Release.objects.create(
                    slug=slug, released_on=day, status=Release.Status.WRITING, **fields
                )
        except IntegrityError:
            continue  # another run took it at the same moment
    raise RuntimeError(f"no free release slug on {day}")


def _save(name: str, content: File) -> None:
    storage = media()
    if storage.exists(name):
        raise FileExistsError(f"{name} exists already: a release's files are never rewritten")
    saved = storage.save(name, content)
    if saved != name:  # a storage that renamed it rather than overwrite: the page would link a wrong file
        storage.delete(saved)
        raise FileExistsError(f"{name} was stored as {saved}")


def _licence_id(url: str) -> str | None:
    """The SPDX identifier of a Creative Commons licence from its address (CC-BY-4.0, CC0-1.0), if any."""
    found = re.match(r"https?://creativecommons\.org/licenses/([a-z-]+)/(\d\.\d)/?$", url)
    if found:
        return f"CC-{found[1].upper()}-{found[2]}"
    if re.match(r"https?://creativecommons\.org/publicdomain/zero/1\.0/?$", url):
        return "CC0-1.0"
    return None


def datapackage(release: Release, build: Build, page_url: str) -> dict[str, Any]:
    """The Frictionless Data Package (v2) of a release: each file with its size, checksum and Table Schema."""
    description = (
        "Dated, immutable snapshot of the open data of the Good Human Rights Stories Initiative: published "
        "good stories, their themes, members, meetings, endorsements of the joint declaration, UN "
        "recommendations to members and published cooperation cards. CSV files in UTF-8 with a byte-order "
        "mark; several values in one cell are separated as each field's schema says."
    )
    if release.withdrawn_notice:
        description = f"{description} {release.withdrawn_notice}"
    licence: dict[str, str] = {"path": release.licence_url, "title": release.licence_name}
    if licence_id := _licence_id(release.licence_url):
        licence = {"name": licence_id, **licence}
    files = {entry["name"]: entry for entry in build.files}
    return {
        "$schema": DATA_PACKAGE_PROFILE,
        "name": f"good-human-rights-stories-{release.slug}",
        "id": page_url,
        "title": f"{PUBLISHER}: open data release {release.slug}",
        "description": description,
        "homepage": page_url,
        "version": release.slug,
        "created": release.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": [licence],
        "contributors": [{"title": PUBLISHER, "roles": ["publisher"]}],
        "keywords": ["human rights", "good practices", "United Nations", "Sustainable Development Goals"],
        "resources": [
            {
                "name": dataset.name,
                "type": "table",
                "path": dataset.path,
                "title": dataset.title,
                "description": dataset.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": files[dataset.name]["bytes"],
                "hash": f"sha256:{files[dataset.name]['sha256']}",
                "schema": dataset.table_schema(),
            }
            for dataset in build.datasets
        ],
    }


def _publish(*, build: Build, previous: Release | None, actor: User | None, day: datetime.date) -> Release:
    changes = changes_since(previous, build.seen)
    previous_slug = previous.slug if previous else ""
    licence = current_licence()
    release = _reserve(
        day,
        [entry["path"] for entry in build.files],
        created_at=timezone.now(),
        data_digest=build.digest,
        licence_name=licence.name,
        licence_url=licence.url,
        licence_attribution=licence.attribution,
        previous=previous,
        previous_slug=previous_slug,
        stories_added=changes.stories_added,
        stories_removed=changes.stories_removed,
        photos_removed=changes.photos_removed,
        withdrawn_notice=withdrawn_notice(changes, previous_slug),
        created_by=actor,
    )
    saved: list[str] = []
    try:
        for entry in build.files:
            with (build.folder / entry["path"]).open("rb") as handle:
                _save(release.file_path(entry["path"]), File(handle))
            saved.append(release.file_path(entry["path"]))
        with translation.override("en"):
            page_url = SiteRequest().build_absolute_uri(release.get_absolute_url())
        package = json.dumps(datapackage(release, build, page_url), ensure_ascii=False, indent=2).encode()
        _save(release.file_path(DATAPACKAGE), ContentFile(package))
        saved.append(release.file_path(DATAPACKAGE))
        package_entry = {
            "name": "datapackage",
            "path": DATAPACKAGE,
            "title": "Frictionless Data Package",
            "format": "json",
            "mediatype": "application/json",
            "bytes": len(package),
            "sha256": hashlib.sha256(package).hexdigest(),
            "rows": None,
        }
        with transaction.atomic():
            release = Release.objects.select_for_update().get(pk=release.pk)
            release.files = [package_entry, *build.files]
            release.status = Release.Status.PUBLISHED
            release.save(update_fields=["files", "status"])
            ReleaseEvent.objects.create(
                actor=actor,
                release=release,
                slug=release.slug,
                action=ReleaseEvent.Action.PUBLISHED,
                note=release.withdrawn_notice,
            )
            bump_generation()  # /data/, the catalogue and the full CSV's redirect
    except BaseException:
        # Nothing of a release that failed half-way stays public, and its slug is free again (never cited).
        for name in saved:
            media().delete(name)
        Release.objects.filter(pk=release.pk, status=Release.Status.WRITING).delete()
        raise
    return release


@contextmanager
def _built() -> Iterator[tuple[Build, Release | None]]:
    """A new build in a temporary folder (removed afterwards), and the latest release to compare it with."""
    with tempfile.TemporaryDirectory(prefix="goodstories-release-") as folder:
        build = release_build(Path(folder))
        yield build, Release.objects.published().newest_first().first()


@records_actor
def release_create(*, actor: User | None = None, today: datetime.date | None = None) -> Release:
    """Publish a new release of the open data now, changed or not."""
    with _built() as (build, previous):
        return _publish(build=build, previous=previous, actor=actor, day=today or timezone.localdate())


@records_actor
def release_if_changed(*, actor: User | None = None, today: datetime.date | None = None) -> Release | None:
    """Publish a new release if the data changed since the latest one (their files' checksums differ);
    None when nothing changed."""
    with _built() as (build, previous):
        if previous is not None and previous.data_digest == build.digest:
            return None
        return _publish(build=build, previous=previous, actor=actor, day=today or timezone.localdate())


# Deleting ------------------------------------------------------------------------------------------------


def can_delete(*, user: User | None) -> bool:
    return bool(user is not None and user.is_active and user.has_perm("opendata.delete_release"))


@records_actor
def release_delete(*, actor: User, release_id: int, note: str = "") -> str:
    """Delete a release and its files: for a release that published something it must not have (a person
    at risk). The files go first: if one cannot be deleted, nothing changes and the error is shown. The
    slug is never used again, and the deletion is logged. Returns the slug."""
    if not can_delete(user=actor):
        raise PermissionDenied(_("Only the secretariat deletes open-data releases."))
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release_id)
        names = [release.file_path(entry["path"]) for entry in release.files]
        for name in names:
            media().delete(name)
        ReleaseEvent.objects.create(
            actor=actor,
            release=None,
            slug=release.slug,
            action=ReleaseEvent.Action.DELETED,
            note=(note.strip() + "\n" if note.strip() else "")
            + gettext("Files deleted: %(files)s") % {"files": ", ".join(names)},
        )
        slug = release.slug
        release.delete()
        bump_generation()
    return slug


# Reading -------------------------------------------------------------------------------------------------


def latest_file_url(name: str) -> str | None:
    """The address of file `name` ("stories"…) of the latest release, or None before the first: one query,
    for the open-data API's redirect of the unfiltered CSV."""
    latest = Release.objects.published().newest_first().values("slug", "files").first()
    if latest is None:
        return None
    entry = next((entry for entry in latest["files"] if entry["name"] == name), None)
    if entry is None:
        return None
    return Release(slug=latest["slug"]).file_url(entry["path"])
