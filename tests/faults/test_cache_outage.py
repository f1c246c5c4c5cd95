"""The Redis cache stopped (refusing connections) or frozen (SIGSTOP: accepting them, answering nothing) while
people log in, log out, change their password and publish. The Redis that fails is the test's own (see
conftest.py): this process's cache (db 1) and broker (db 0) are on it, with the portal's one-second socket
timeouts and its default RETRY_SECONDS (one second in the tests that wait for Redis to be back); one test
runs the portal under gunicorn on it."""

import json
import time

import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

import coalition.settings as portal_settings
from coalition.celery import app
from core.models import PendingCacheBump
from core.tasks import public_cache_catch_up
from stories import services
from stories.models import Story, StoryEvent
from tests.factories import TEST_PASSWORD, PublishedStoryFactory, SecretariatFactory
from tests.faults.drafts import complete_draft
from tests.services import Browser, Portal, django_env, require, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WRONG_PASSWORD = "not the password at all"
NEW_PASSWORD = "a brand new passphrase 2024"


def log_in(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def old_cookie_opens_my_stories(session_key: str) -> bool:
    """Whether a browser that kept this session cookie still gets into the logged-in pages."""
    browser = Client()
    browser.cookies["sessionid"] = session_key
    response = browser.get(reverse("my_stories:story_list"))
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login")), response["Location"]
        return False
    assert response.status_code == 200, response.status_code
    return True


def logged_in_cookie(user, password: str = TEST_PASSWORD) -> str:
    client = Client()
    assert log_in(client, user.email, password).status_code == 302
    return client.cookies["sessionid"].value


@pytest.fixture
def quick_retry(cache_and_broker_on_private_redis, settings):
    """The cache asks Redis again one second after a failure (5 by default): the test waits less for it."""
    default = settings.CACHES["default"]
    settings.CACHES = {"default": {**default, "OPTIONS": {**default["OPTIONS"], "RETRY_SECONDS": 1}}}
    return cache_and_broker_on_private_redis


def wait_until_the_cache_answers_again() -> bool:
    """The backend asks Redis again RETRY_SECONDS after its last failure; the first answer ends `degraded`."""
    return wait_for(lambda: cache.get("probe") is None and not cache.degraded, timeout=15, interval=0.1)


# Logins ----------------------------------------------------------------------------------------------------


def test_with_redis_stopped_people_log_in_and_failed_logins_are_still_limited(
    cache_and_broker_on_private_redis, staff_user
):
    cache_and_broker_on_private_redis.stop()

    client = Client()
    response = log_in(client, staff_user.email, TEST_PASSWORD)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("coalition:my")
    assert client.get(reverse("coalition:my")).status_code == 200
    assert cache.degraded

    # The limit of 5 failed logins per address holds, in this process's memory, during the outage.
    stranger = Client()
    for _attempt in range(5):
        assert log_in(stranger, staff_user.email, WRONG_PASSWORD).status_code == 200
    for password in (WRONG_PASSWORD, TEST_PASSWORD):  # even the right password, now
        response = log_in(stranger, staff_user.email, password)
        assert response.status_code == 429
        assert "Too many attempts" in response.content.decode()
    assert stranger.get(reverse("coalition:my")).status_code == 302  # not logged in


def test_with_redis_frozen_the_live_portal_answers_healthz_at_once_and_people_log_in(
    cache_and_broker_on_private_redis, staff_user, tmp_path, record_property
):
    """The portal under gunicorn, with its own settings (timeouts, retry) and the private Redis as cache and
    broker."""
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")
    # The portal hashes as in production: a PBKDF2 hash (few rounds, for speed), not the tests' MD5.
    staff_user.password = PBKDF2PasswordHasher().encode(TEST_PASSWORD, get_random_string(12), iterations=1000)
    staff_user.save(update_fields=["password"])
    private_redis = cache_and_broker_on_private_redis
    portal = Portal(
        django_env(CACHE_URL=private_redis.url(1), CELERY_BROKER_URL=private_redis.url(0)),
        tmp_path / "portal.log",
    )
    try:
        assert Browser(portal.url).get("/healthz").status == 200  # connections made while Redis answers
        with private_redis.frozen():
            reply = Browser(portal.url).get("/healthz")
            record_property("healthz_seconds_with_redis_frozen", round(reply.seconds, 2))
            assert reply.status == 503
            checks = json.loads(reply.text)["checks"]
            assert checks["cache"]["status"] == "down"
            assert checks["database"]["status"] == "ok"
            assert reply.seconds < 5, f"/healthz took {reply.seconds:.1f} s with Redis frozen"

            person = Browser(portal.url)
            reply = person.log_in(staff_user.email, TEST_PASSWORD)
            record_property("login_seconds_with_redis_frozen", round(reply.seconds, 2))
            assert reply.status == 302, reply.text[:2000]
            assert reply.location == reverse("coalition:my")
            assert person.get(reverse("coalition:my")).status == 200

            # Failed logins are still limited, in the memory of this web process.
            stranger = Browser(portal.url)
            for _attempt in range(5):
                assert stranger.log_in(staff_user.email, WRONG_PASSWORD).status == 200
            reply = stranger.log_in(staff_user.email, TEST_PASSWORD)
            assert reply.status == 429
            assert "Too many attempts" in reply.text
    finally:
        output = portal.stop()
    assert output.count("cache unavailable") == 1, output  # one line for the outage, not one per request
    assert "Traceback" not in output, output


def test_with_redis_frozen_an_approval_is_quick_and_its_mail_waits_for_the_redrive(
    cache_and_broker_on_private_redis, staff_user, record_property
):
    story = complete_draft(staff_user)
    services.story_submit(story_id=story.pk, actor=staff_user)
    secretariat = SecretariatFactory()

    with cache_and_broker_on_private_redis.frozen():
        client = Client()
        assert log_in(client, staff_user.email, TEST_PASSWORD).status_code == 302

        # The mail goes through the (frozen) broker, as in production, not in-process.
        app.conf.task_always_eager = False  # set back by tests/conftest.py
        started = time.monotonic()
        services.story_approve(story_id=story.pk, actor=secretariat)
        approval_seconds = time.monotonic() - started
        record_property("approval_seconds_with_redis_frozen", round(approval_seconds, 2))
        assert approval_seconds < 10, f"the approval took {approval_seconds:.1f} s with Redis frozen"

    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    assert Client().get(reverse("stories:story_detail", args=[story.slug])).status_code == 200
    # Its mail was not lost: the event waits for the redrive (see test_redis_outage.py).
    assert StoryEvent.objects.filter(story=story, to_status=Story.Status.PUBLISHED, notified_at=None).exists()


# Logouts and password changes -----------------------------------------------------------------------------


def test_a_logout_during_a_redis_outage_is_never_undone(quick_retry, staff_user):
    private_redis = quick_retry

    # Stopped, and back empty (a crash).
    client = Client()
    assert log_in(client, staff_user.email, TEST_PASSWORD).status_code == 302
    session_key = client.cookies["sessionid"].value
    assert old_cookie_opens_my_stories(session_key)
    private_redis.stop()
    assert client.post(reverse("account_logout")).status_code == 302
    private_redis.start()
    assert wait_until_the_cache_answers_again()
    assert not old_cookie_opens_my_stories(session_key)

    # Frozen, and back with everything it held.
    client = Client()
    assert log_in(client, staff_user.email, TEST_PASSWORD).status_code == 302
    session_key = client.cookies["sessionid"].value
    assert old_cookie_opens_my_stories(session_key)
    with private_redis.frozen():
        assert client.post(reverse("account_logout")).status_code == 302
    assert wait_until_the_cache_answers_again()
    assert not old_cookie_opens_my_stories(session_key)


def test_a_password_changed_during_a_redis_outage_ends_the_other_sessions(quick_retry, staff_user):
    private_redis = quick_retry
    on_another_device = logged_in_cookie(staff_user)
    changing = Client()
    assert log_in(changing, staff_user.email, TEST_PASSWORD).status_code == 302

    with private_redis.frozen():
        response = changing.post(
            reverse("account_change_password"),
            {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    assert wait_until_the_cache_answers_again()

    assert not old_cookie_opens_my_stories(on_another_device)
    # The person who changed it stays logged in, and the new password is the one that works.
    assert changing.get(reverse("my_stories:story_list")).status_code == 200
    assert log_in(Client(), staff_user.email, TEST_PASSWORD).status_code == 200
    assert log_in(Client(), staff_user.email, NEW_PASSWORD).status_code == 302

    # The same with Redis stopped, and back empty.
    on_another_device = logged_in_cookie(staff_user, NEW_PASSWORD)
    private_redis.stop()
    staff_user.refresh_from_db()
    staff_user.set_password(TEST_PASSWORD)
    staff_user.save()
    private_redis.start()
    assert wait_until_the_cache_answers_again()
    assert not old_cookie_opens_my_stories(on_another_device)


# The public page cache -------------------------------------------------------------------------------------


def gallery() -> str:
    response = Client().get(reverse("stories:story_list"))
    assert response.status_code == 200
    return response.content.decode()


def test_what_is_published_or_withdrawn_while_the_cache_is_frozen_shows_once_it_is_back(
    quick_retry, staff_user
):
    private_redis = quick_retry
    # The settings that make "within a minute of Redis coming back" hold: the catch-up runs every 30 s.
    assert portal_settings.PUBLIC_CACHE_CATCH_UP_SECONDS <= 30
    beat = portal_settings.CELERY_BEAT_SCHEDULE["public-cache-catch-up"]
    assert beat["task"] == public_cache_catch_up.name and beat["schedule"] <= 30
    secretariat = SecretariatFactory()
    older = PublishedStoryFactory(member=staff_user.mission.member, title="Older story of the gallery")
    story = complete_draft(staff_user)
    services.story_submit(story_id=story.pk, actor=staff_user)

    page = gallery()  # cached, in Redis
    assert older.title in page and story.title not in page
    with redis.Redis.from_url(private_redis.url(1)) as client:
        assert client.keys("*public:*")

    # A publication.
    with private_redis.frozen():
        services.story_approve(story_id=story.pk, actor=secretariat)
        assert cache.degraded
        assert PendingCacheBump.objects.exists()  # one per change the cache missed
        assert story.title in gallery()  # not from the cache while it is down
    assert mail.outbox  # the notification went (tasks run in-process here)
    assert wait_until_the_cache_answers_again()
    # Redis came back with the page and the generation it had: without the catch-up, the page is stale.
    assert story.title not in gallery()
    assert public_cache_catch_up() is True
    assert not PendingCacheBump.objects.exists()
    assert story.title in gallery()

    # A withdrawal.
    with private_redis.frozen():
        services.story_withdraw(story_id=older.pk, actor=secretariat, reason="Consent withdrawn.")
        assert PendingCacheBump.objects.exists()
    assert wait_until_the_cache_answers_again()
    assert older.title in gallery()
    assert public_cache_catch_up() is True
    assert not PendingCacheBump.objects.exists()
    page = gallery()
    assert older.title not in page and story.title in page
    # Nothing missed: a second run changes nothing.
    assert public_cache_catch_up() is False
