"""Parallel pytest workers (`pytest -n auto`) on one Redis: each has its own cache keys and task queue, and
clearing its cache leaves every other key in the database alone."""

import os
import uuid

from django.conf import settings
from django.core.cache import cache, caches

from coalition.celery import app
from tests.services import OwnKeysRedisCache, namespace, require


def test_each_pytest_worker_of_a_run_has_its_own_namespace():
    names = {namespace(run="1a2b3c", worker=worker) for worker in ("gw0", "gw1", "gw2", None)}
    assert len(names) == 4
    assert namespace(run="1a2b3c", worker="gw1") == "tests-1a2b3c-gw1"
    assert namespace(run="1a2b3c", worker="gw1") != namespace(run="4d5e6f", worker="gw1")
    assert namespace(run="a*b?[c]", worker="gw0") == "tests-a-b--c--gw0"  # never a SCAN wildcard


def test_this_process_uses_its_namespace_for_cache_keys_and_tasks():
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    assert prefix.startswith("tests-")
    assert prefix.endswith(f"-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    assert cache.make_key("rate") == f"{prefix}:1:rate"
    assert app.conf.task_default_queue == prefix


def test_two_workers_do_not_see_each_others_cache_and_clearing_deletes_only_our_keys():
    ours = caches["default"]
    require(isinstance(ours, OwnKeysRedisCache), "needs the cache on Redis (CACHE_URL=redis://...)")
    location = settings.CACHES["default"]["LOCATION"]
    # Another worker of another run, and gw10 beside gw1: its prefix starts with ours.
    others = [
        OwnKeysRedisCache(location, {"KEY_PREFIX": namespace(run="other", worker="gw1")}),
        OwnKeysRedisCache(location, {"KEY_PREFIX": f"{ours.key_prefix}0"}),
    ]
    client = ours._cache.get_client(write=True)
    foreign_key = f"not-a-test-key-{uuid.uuid4().hex}"
    client.set(foreign_key, "kept", ex=60)
    try:
        ours.set("login-attempts", 1)
        for number, other in enumerate(others, start=2):
            other.set("login-attempts", number)
        assert ours.get("login-attempts") == 1
        assert [other.get("login-attempts") for other in others] == [2, 3]

        assert ours.clear() is True

        assert ours.get("login-attempts") is None
        assert [other.get("login-attempts") for other in others] == [2, 3]
        assert client.get(foreign_key) == b"kept"
    finally:
        client.delete(foreign_key)
        for other in others:
            other.delete("login-attempts")
