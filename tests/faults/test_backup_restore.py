"""A backup (`manage.py backup`) of the test database and media, restored (`manage.py restore`) into a scratch
database on the test's own PostgreSQL cluster (see conftest.py): into fresh media folders, the same rows and
the same files; over media changed since the backup, exactly the files of the backup, and the public cache
made stale."""

import hashlib
import json
import shutil
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from coalition.management.commands.backup import table_counts
from core import public_cache
from stories.models import StoryImage
from tests.faults.drafts import big_jpeg, draft_with_photo
from tests.services import django_env, manage, require

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COUNT_TABLES = (
    "import json; from coalition.management.commands.backup import table_counts; "
    "print(json.dumps(table_counts()))"
)


def file_digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_a_backup_restores_into_a_scratch_database_with_the_same_rows_and_files(
    private_postgres, staff_user, tmp_path
):
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")
    require(shutil.which("pg_dump") is not None, "needs PostgreSQL's client programs (pg_dump, pg_restore)")
    draft_with_photo(staff_user, big_jpeg(1600, 1000))  # tasks run in-process: the renditions are made
    source_counts = table_counts()
    backup_dir = tmp_path / "backup"
    manage("backup", "--to", str(backup_dir), env=django_env())

    restored_media, restored_private = tmp_path / "media", tmp_path / "private"
    restore_env = django_env(
        DATABASE_URL=private_postgres.create_database(f"restored_{uuid.uuid4().hex[:8]}"),
        MEDIA_ROOT=str(restored_media),
        PRIVATE_MEDIA_ROOT=str(restored_private),
    )
    manage("restore", "--from", str(backup_dir), "--yes", env=restore_env)
    counted = manage("shell", "-c", COUNT_TABLES, env=restore_env)
    restored_counts = json.loads(counted.strip().splitlines()[-1])

    assert restored_counts == source_counts
    assert source_counts["stories_storyimage"] == 1
    assert file_digests(restored_private) == file_digests(Path(settings.PRIVATE_MEDIA_ROOT))
    assert file_digests(restored_media) == file_digests(Path(settings.MEDIA_ROOT))


def test_a_restore_brings_the_media_back_to_the_backup_exactly_and_makes_the_public_cache_stale(
    private_postgres, staff_user, tmp_path
):
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")
    require(shutil.which("pg_dump") is not None, "needs PostgreSQL's client programs (pg_dump, pg_restore)")
    public, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    story = draft_with_photo(staff_user, big_jpeg(1600, 1000))
    backup_dir = tmp_path / "backup"
    manage("backup", "--to", str(backup_dir), env=django_env())
    at_backup = {"public": file_digests(public), "private": file_digests(private)}

    # After the backup: a new photo (a private original and its public renditions), and a changed file.
    draft_with_photo(staff_user, big_jpeg(1200, 800))
    changed = public / StoryImage.objects.get(story=story).renditions["480"]["jpeg"]
    changed.write_bytes(b"not the photo of the backup")
    assert set(file_digests(private)) > set(at_backup["private"])
    assert set(file_digests(public)) > set(at_backup["public"])
    cached_generation = public_cache.generation()  # in the cache this process shares with the restore

    restore_env = django_env(
        DATABASE_URL=private_postgres.create_database(f"restored_{uuid.uuid4().hex[:8]}")
    )
    output = manage("restore", "--from", str(backup_dir), "--yes", env=restore_env)

    assert "made after the backup" in output
    assert file_digests(public) == at_backup["public"]
    assert file_digests(private) == at_backup["private"]
    assert public_cache.generation() != cached_generation
