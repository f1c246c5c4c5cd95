"""A backup (`manage.py backup`) of the test database and media, restored (`manage.py restore`) into a scratch
database on the test's own PostgreSQL cluster (see conftest.py) and fresh media folders: the same rows and the
same files."""

import hashlib
import json
import shutil
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from coalition.management.commands.backup import table_counts
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
