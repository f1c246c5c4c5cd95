"""Restore a backup made by `backup`: the database (pg_restore) and the media files."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from coalition.management.commands.backup import database_url, tool_path


class Command(BaseCommand):
    help = "Restore a backup folder into the configured database and media folders (replacing what is there)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="source", required=True, help="the backup folder")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options) -> None:
        source = Path(options["source"])
        dump = source / "database.dump"
        if not dump.exists():
            raise CommandError(f"{dump} does not exist: give the folder that `backup` wrote.")
        if connection.vendor != "postgresql":
            raise CommandError("Restoring is for the full stack (PostgreSQL).")
        name = connection.settings_dict["NAME"]
        if not options["yes"]:
            answer = input(f"This replaces the database {name!r} and the media files. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was restored.")
        connection.close()
        result = subprocess.run(  # noqa: S603 - fixed command from the PostgreSQL client tools, no shell
            [
                tool_path("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={database_url(connection.settings_dict)}",
                str(dump),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        for archive_name, root in (
            ("media", settings.MEDIA_ROOT),
            ("private_media", settings.PRIVATE_MEDIA_ROOT),
        ):
            archive_path = source / f"{archive_name}.tar.gz"
            if archive_path.exists():
                Path(root).mkdir(parents=True, exist_ok=True)
                with tarfile.open(archive_path, "r:gz") as archive:
                    archive.extractall(root, filter="data")
        self.stdout.write(self.style.SUCCESS(f"Restored {source} into {name}"))
