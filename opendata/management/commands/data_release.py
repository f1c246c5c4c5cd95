"""`manage.py data_release`: publish a dated release of the open data if it changed since the latest one
(`--force`: even if not), and print it with its files."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandParser

from opendata import releases
from opendata.models import Release


class Command(BaseCommand):
    help = "Publish a dated open-data release (CSV files and datapackage.json) when the data changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Publish a release even if nothing changed.")
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            default=None,
            help="The day to name the release after (YYYY-MM-DD); today by default.",
        )

    def handle(self, *args, force: bool, date: datetime.date | None, **options) -> None:
        make = releases.release_create if force else releases.release_if_changed
        release = make(today=date)
        if release is None:
            latest = Release.objects.published().newest_first().first()
            self.stdout.write(
                f"Nothing changed since release {latest}: no new release (use --force to make one anyway)."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Release {release.slug} published: {release.get_absolute_url()}")
        )
        if release.previous_slug:
            self.stdout.write(
                f"Since {release.previous_slug}: {release.stories_added} stories added, "
                f"{release.stories_removed} stories and {release.photos_removed} photos left."
            )
        for entry in release.downloads:
            rows = "" if entry["rows"] is None else f"{entry['rows']} rows, "
            self.stdout.write(f"  {entry['url']}  ({rows}{entry['bytes']} bytes, sha256 {entry['sha256']})")
