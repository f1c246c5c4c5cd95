"""Suite-wide settings, fixtures and the rule for tests that need real services.

Tests that need PostgreSQL, Redis, a Celery worker or Chromium skip on a bare machine; with
REQUIRE_SERVICES=1 (set by .ci/run) a missing service fails them instead.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing, or fail when the run demands every service (CI)."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: CI needs it)", pytrace=False)
    pytest.skip(reason)


def pytest_configure(config) -> None:
    # Tests talk plain HTTP to the test client and the live server, and need no collected static files.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ADMIN_REQUIRE_MFA = False
    # This run's own task queue, so a worker started by a test never takes another run's tasks (and the other
    # way round). Celery reads its configuration lazily, after this.
    settings.CELERY_TASK_DEFAULT_QUEUE = f"tests-{uuid.uuid4().hex[:12]}"
    _media_in_a_temporary_folder()


def _media_in_a_temporary_folder() -> None:
    """Uploads and renditions of this run go to a folder of its own, never into the checkout."""
    from django.core.files.storage import storages

    from stories.models import PendingUpload, StoryImage

    root = Path(tempfile.mkdtemp(prefix="goodstories-media-"))
    settings.MEDIA_ROOT = root / "public"
    settings.PRIVATE_MEDIA_ROOT = root / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.PRIVATE_MEDIA_ROOT, "base_url": None},
        },
    }
    # Forget storages built from the old settings, as Django's own setting_changed handler does.
    storages._backends = None
    storages._storages = {}
    storages.__dict__.pop("backends", None)
    # File fields resolved their storage when the models loaded: point them at the new one.
    StoryImage._meta.get_field("original").storage = storages["private"]
    PendingUpload._meta.get_field("file").storage = storages["private"]


@pytest.fixture(autouse=True)
def _clean_cache_and_eager_tasks():
    """Each test starts in English with an empty cache (rate limits!) and runs tasks in-process,
    unless it asks for a real worker (see tests/coalition/test_celery_worker.py)."""
    from coalition.celery import app

    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager
    translation.deactivate()
    cache.clear()


@pytest.fixture
def uses_postgresql() -> None:
    from django.db import connection

    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def chromium_path() -> str:
    require(os.path.exists(CHROMIUM) or bool(shutil.which("chromium")), "needs Debian's Chromium")
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


@pytest.fixture
def member(db):
    return factories.MemberFactory()


@pytest.fixture
def mission(member):
    return factories.MissionFactory(member=member)


@pytest.fixture
def staff_user(mission):
    """Mission staff of `mission`; password is factories.TEST_PASSWORD."""
    return factories.UserFactory(mission=mission, full_name="Stella Staff")


@pytest.fixture
def coordinator(mission):
    return factories.CoordinatorFactory(mission=mission, full_name="Cora Coordinator")


@pytest.fixture
def secretariat_user(db):
    return factories.SecretariatFactory(full_name="Sami Secretariat")


@pytest.fixture
def story(staff_user):
    """A complete draft of staff_user's member, written by staff_user."""
    return factories.StoryFactory(member=staff_user.mission.member, author=staff_user)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def secretariat_client(client, secretariat_user):
    client.force_login(secretariat_user)
    return client


class WorkerProcess:
    """A `celery worker` subprocess on this run's own queue; `stop()` returns what it printed."""

    def __init__(self, process, output_path):
        self.process = process
        self.output_path = output_path

    def kill(self) -> None:
        """Die at once, as a machine losing power would: no warm shutdown, no acknowledgement."""
        self.process.kill()
        self.process.wait()

    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.output_path.read_text(errors="replace")


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start real worker processes against the test database and the Redis broker; tasks stop running
    eagerly. `start_worker(CELERY_VISIBILITY_TIMEOUT="3")` passes settings through the environment."""
    from django.db import connection

    from coalition.celery import app

    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")
    broker = app.conf.broker_url
    require(broker.startswith("redis"), "needs a Redis broker (CELERY_BROKER_URL=redis://...)")
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as error:
        require(False, f"the broker at {broker} does not answer: {error}")

    db = connection.settings_dict
    database_url = "postgres://{user}:{password}@{host}:{port}/{name}".format(
        user=db["USER"] or "",
        password=db["PASSWORD"] or "",
        host=db["HOST"] or "localhost",
        port=db["PORT"] or 5432,
        name=db["NAME"],
    )
    workers: list[WorkerProcess] = []

    def start(**extra_env: str) -> WorkerProcess:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_TASK_DEFAULT_QUEUE": app.conf.task_default_queue,
            "EMAIL_URL": "consolemail://",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            **extra_env,
        }
        output_path = tmp_path / f"worker-{len(workers)}.log"
        with output_path.open("w") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "coalition",
                    "worker",
                    "--pool=solo",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-Q",
                    app.conf.task_default_queue,
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        worker = WorkerProcess(process, output_path)
        workers.append(worker)
        return worker

    app.conf.task_always_eager = False
    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(start_worker):
    """One real worker on this run's queue (see start_worker)."""
    return start_worker()
