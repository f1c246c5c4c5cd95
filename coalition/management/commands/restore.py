"""Restore a backup made by `backup`: the database (pg_restore) and the media files."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from coalition.management.commands.backup import database_url, tool_path
from core.public_cache import bump_generation


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
                removed = restore_folder(archive_path, Path(root))
                if removed:
                    self.stdout.write(f"Removed {removed} files of {archive_name} made after the backup.")
        # Pages cached before the restore show content that may no longer exist.
        bump_generation()
        self.stdout.write(self.style.SUCCESS(f"Restored {source} into {name}"))


def restore_folder(archive_path: Path, root: Path) -> int:
    """Bring `root` to the archive's state exactly: files the archive does not hold are removed (content
    created after the backup, private photo originals among them), then the archive is extracted. The
    folder itself stays (it may be a mount point). Returns how many files were removed."""
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        kept = {Path(member.name).as_posix() for member in archive.getmembers() if member.isfile()}
        removed = 0
        for path in sorted(root.rglob("*"), reverse=True):  # files before the folders that hold them
            relative = path.relative_to(root).as_posix()
            if path.is_file() or path.is_symlink():
                if relative not in kept:
                    path.unlink()
                    removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        archive.extractall(root, filter="data")
    return removed
