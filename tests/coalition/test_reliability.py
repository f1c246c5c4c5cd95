"""Faults survived, on the real services: Redis down while people work, a worker killed in the middle of a
task, PostgreSQL restarted under a running portal, and a backup restored into a scratch database."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, connections
from django.urls import reverse
from PIL import Image

from coalition.tasks import redrive
from stories import services
from stories.models import Story, StoryEvent, StoryImage, Theme
from tests.coalition.test_celery_worker import wait_for
from tests.conftest import require
from tests.factories import SecretariatFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def redis_answers() -> bool:
    return (
        subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True, check=False).returncode == 0
    )


@pytest.fixture
def redis_outage():
    """Stop the real local Redis (broker and cache); `back()` starts it again, as .ci/run does."""
    require(
        shutil.which("redis-server") is not None and os.geteuid() == 0,
        "needs a local Redis this user may restart",
    )
    require("127.0.0.1:6379" in os.environ.get("CELERY_BROKER_URL", ""), "needs the broker on 127.0.0.1:6379")
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)

    def back() -> None:
        if not redis_answers():
            subprocess.run(REDIS_START, check=True, capture_output=True)
        assert wait_for(redis_answers, timeout=20)

    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True, check=False)
    assert wait_for(lambda: not redis_answers(), timeout=10)
    yield back
    back()


def complete_draft(staff_user) -> Story:
    story = services.story_save(
        story=Story(
            member_id=staff_user.mission.member_id,
            title="Free legal aid at every police station",
            summary="Anyone held by the police can talk to a lawyer at once, free of charge.",
            body="Lawyers are on call day and night.",
            policy_year=2018,
            language="en",
        ),
        actor=staff_user,
        expected_version=None,
        themes=Theme.objects.filter(slug="sdg-16"),
        recommendations=[],
        images=[],
    )
    return story


def test_with_redis_down_staff_submit_and_the_secretariat_publishes_and_the_mails_follow_later(
    start_worker, staff_client, staff_user, redis_outage
):
    worker = start_worker()
    story = complete_draft(staff_user)
    secretariat = SecretariatFactory()

    # Redis is down (the fixture stopped it): broker and cache are gone.
    response = staff_client.post(reverse("my_stories:story_submit", args=[story.pk]))
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "Submitted for review" in page
    services.story_approve(story_id=story.pk, actor=secretariat)
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    assert list(StoryEvent.objects.filter(story=story).values_list("notified_at", flat=True)) == [None, None]

    redis_outage()  # Redis is back
    assert (
        redrive.apply(kwargs={"older_than_seconds": 0}).get() >= 2
    )  # what the beat task does every 5 minutes

    assert wait_for(lambda: not StoryEvent.objects.filter(story=story, notified_at__isnull=True).exists())
    output = worker.stop()
    assert "Story submitted for review: Free legal aid at every police station" in output
    assert "Published: Free legal aid at every police station" in output
    assert output.count("Published: Free legal aid at every police station") == 1


def big_jpeg(width: int = 7000, height: int = 5000):
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = Image.effect_noise((width // 10, height // 10), 60).convert("RGB").resize((width, height))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("big.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_a_worker_killed_while_making_renditions_is_replaced_and_the_renditions_are_made(
    start_worker, staff_user
):
    first = start_worker(CELERY_VISIBILITY_TIMEOUT="5")
    pending = services.pending_upload_create(owner=staff_user, upload=big_jpeg())
    story = complete_draft(staff_user)
    services.story_save(
        story=story,
        actor=staff_user,
        expected_version=story.version,
        themes=story.themes.all(),
        recommendations=[],
        images=[services.ImageData(pending_id=pending.pk, alt_text="Noise", consent_confirmed=True)],
    )
    image = StoryImage.objects.get(story=story)

    assert wait_for(
        lambda: "make_image_renditions" in first.output() and "received" in first.output(), interval=0.02
    )
    first.kill()  # mid-task: the message was never acknowledged
    assert StoryImage.objects.get(pk=image.pk).renditions == {}

    second = start_worker(CELERY_VISIBILITY_TIMEOUT="5")
    made = wait_for(lambda: bool(StoryImage.objects.get(pk=image.pk).renditions), timeout=90)
    output = second.stop()
    assert made, f"the replacement worker did not finish the renditions:\n{output}"
    assert sorted(StoryImage.objects.get(pk=image.pk).renditions, key=int) == ["480", "960", "1600"]


def pg_ctl(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            version,
            "main",
            action,
            *(["-m", "fast"] if action == "stop" else []),
        ],
        check=True,
        capture_output=True,
    )


def test_the_portal_survives_a_postgresql_restart_and_healthz_reports_the_outage(live_server, client):
    require(
        shutil.which("pg_ctlcluster") is not None and os.geteuid() == 0 and Path("/etc/postgresql").exists(),
        "needs a local PostgreSQL this user may restart",
    )
    require(connection.vendor == "postgresql", "needs PostgreSQL")
    import urllib.error
    import urllib.request

    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"{live_server.url}{path}", timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    assert get("/healthz")[0] == 200
    connections.close_all()
    pg_ctl("stop")
    try:
        status, body = get("/healthz")
        assert status == 503
        assert json.loads(body)["checks"]["database"]["status"] == "down"
    finally:
        pg_ctl("start")
        assert wait_for(
            lambda: subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode == 0,
            timeout=30,
        )
    connections.close_all()
    status, body = get("/en/members/")
    assert status == 200 and "Argentina" in body
    assert get("/healthz")[0] == 200


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
    staff_user, tmp_path, settings
):
    require(
        connection.vendor == "postgresql" and shutil.which("pg_dump") is not None, "needs PostgreSQL tools"
    )
    from coalition.management.commands.backup import database_url, table_counts

    pending = services.pending_upload_create(owner=staff_user, upload=big_jpeg(1600, 1000))
    story = complete_draft(staff_user)
    services.story_save(
        story=story,
        actor=staff_user,
        expected_version=story.version,
        themes=story.themes.all(),
        recommendations=[],
        images=[services.ImageData(pending_id=pending.pk, alt_text="Noise", consent_confirmed=True)],
    )
    source_counts = table_counts()
    backup_dir = tmp_path / "backup"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "backup", "--to", str(backup_dir)], cwd=ROOT, env=env, check=True, capture_output=True
    )

    scratch = f"{connection.settings_dict['NAME']}_restore"
    admin = {**connection.settings_dict, "NAME": "postgres"}
    subprocess.run(["dropdb", "--if-exists", f"--maintenance-db={database_url(admin)}", scratch], check=True)
    subprocess.run(["createdb", f"--maintenance-db={database_url(admin)}", scratch], check=True)
    restored_media, restored_private = tmp_path / "media", tmp_path / "private"
    restore_env = {
        **env,
        "DATABASE_URL": database_url({**connection.settings_dict, "NAME": scratch}),
        "MEDIA_ROOT": str(restored_media),
        "PRIVATE_MEDIA_ROOT": str(restored_private),
    }
    try:
        subprocess.run(
            [*manage, "restore", "--from", str(backup_dir), "--yes"],
            cwd=ROOT,
            env=restore_env,
            check=True,
            capture_output=True,
        )
        counted = subprocess.run(
            [*manage, "shell", "-c", COUNT_TABLES],
            cwd=ROOT,
            env=restore_env,
            check=True,
            capture_output=True,
            text=True,
        )
        restored_counts = json.loads(counted.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(
            ["dropdb", "--if-exists", f"--maintenance-db={database_url(admin)}", scratch], check=False
        )

    assert restored_counts == source_counts
    assert source_counts["stories_storyimage"] == 1
    assert file_digests(restored_private) == file_digests(Path(settings.PRIVATE_MEDIA_ROOT))
    assert file_digests(restored_media) == file_digests(Path(settings.MEDIA_ROOT))
