"""A backup of the full stack: the PostgreSQL database (pg_dump, custom format) and the media files."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def database_url(settings_dict: dict) -> str:
    return "postgresql://{user}:{password}@{host}:{port}/{name}".format(
        user=settings_dict["USER"] or "",
        password=settings_dict["PASSWORD"] or "",
        host=settings_dict["HOST"] or "localhost",
        port=settings_dict["PORT"] or 5432,
        name=settings_dict["NAME"],
    )


def tool_path(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            # The table names come from the database itself and are quoted by the backend.
            query = f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}"  # noqa: S608  # nosec B608
            cursor.execute(query)
            counts[table] = cursor.fetchone()[0]
    return counts


class Command(BaseCommand):
    help = "Back up the database (pg_dump, custom format) and the public and private media into a folder."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--to", default=f"backups/{timezone.now():%Y%m%d-%H%M%S}", help="the folder to write"
        )

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Backups are for the full stack (PostgreSQL); the embedded SQLite file can be copied."
            )
        target = Path(options["to"])
        target.mkdir(parents=True, exist_ok=True)
        dump = target / "database.dump"
        result = subprocess.run(  # noqa: S603 - fixed command from the PostgreSQL client tools, no shell
            [
                tool_path("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--dbname={database_url(connection.settings_dict)}",
                f"--file={dump}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        for name, root in (("media", settings.MEDIA_ROOT), ("private_media", settings.PRIVATE_MEDIA_ROOT)):
            with tarfile.open(target / f"{name}.tar.gz", "w:gz") as archive:
                if Path(root).exists():
                    archive.add(root, arcname=".")
        manifest = {"created_at": timezone.now().isoformat(), "tables": table_counts()}
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))
