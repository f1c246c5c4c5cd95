"""Suite-wide settings, fixtures and the rule for tests that need real services.

Tests that need PostgreSQL, Redis, a Celery worker or Chromium skip on a bare machine; with
REQUIRE_SERVICES=1 (set by .ci/run) a missing service fails them instead (`require`, in tests/services.py).
Tests with a real Celery worker are in tests/workers/; fault tests, on private Redis and PostgreSQL
instances, in tests/faults/.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.utils import translation
from django.utils.module_loading import import_string

from tests import factories
from tests.services import REQUIRE_SERVICES, require, this_process_namespace

__all__ = ["REQUIRE_SERVICES", "require"]  # still imported from here by some test modules
CHROMIUM = "/usr/bin/chromium"


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
    _own_cache_keys_and_task_queue()
    _media_in_a_temporary_folder()


def _own_cache_keys_and_task_queue() -> None:
    """Parallel pytest workers (`pytest -n auto`) and parallel runs share one Redis: each process gets its own
    cache key prefix and task queue, so none reads another's cache or takes another's tasks, and clearing the
    cache deletes only this process's keys (never the whole database)."""
    from django.test.signals import clear_cache_handlers

    name = this_process_namespace()
    # Celery reads its configuration lazily, after this.
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    default = {**settings.CACHES["default"], "KEY_PREFIX": name}
    if issubclass(import_string(default["BACKEND"]), RedisCache):
        default["BACKEND"] = "tests.services.OwnKeysRedisCache"
    settings.CACHES = {**settings.CACHES, "default": default}
    clear_cache_handlers(setting="CACHES")  # forget a cache built before this, if any


def _media_in_a_temporary_folder() -> None:
    """Uploads and renditions of this run go to a folder of its own, never into the checkout."""
    from django.core.files.storage import storages

    from cooperation.models import Communication, VisitRequest
    from membership.models import Application, Endorsement
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
    Endorsement._meta.get_field("document").storage = storages["private"]
    Application._meta.get_field("letter").storage = storages["private"]
    VisitRequest._meta.get_field("reply_document").storage = storages["private"]
    Communication._meta.get_field("reply_document").storage = storages["private"]


@pytest.fixture(autouse=True)
def _clean_cache_and_eager_tasks():
    """Each test starts in English with an empty cache (rate limits!) and runs tasks in-process,
    unless it asks for a real worker (see tests/workers/). On Redis, `cache.clear()` deletes only this
    process's keys (see _own_cache_keys_and_task_queue)."""
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
