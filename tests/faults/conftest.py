"""Fault tests break instances of their own, never the shared services: a redis-server on a free port and a
PostgreSQL cluster made with initdb, both in temporary folders and removed at the end (see tests/services.py).
"""

import shutil

import pytest
from django.db import connection

from tests.services import (
    CeleryWorkers,
    PrivatePostgres,
    PrivateRedis,
    celery_on,
    postgres_user_for_root,
    postgresql_bin_dir,
    require,
)


@pytest.fixture
def private_redis():
    """A running private Redis; the test may `stop()` and `start()` it."""
    require(shutil.which("redis-server") is not None, "needs redis-server (Debian: apt install redis-server)")
    redis = PrivateRedis()
    try:
        redis.start()
        yield redis
    finally:
        redis.remove()


@pytest.fixture
def cache_and_broker_on_private_redis(private_redis, settings):
    """This process's cache (db 1) and broker (db 0) on the private Redis, then back on the shared ones."""
    from coalition.celery import app

    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache_backends.ResilientRedisCache",
            "LOCATION": private_redis.url(1),
            "KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with celery_on(private_redis.url(0)):
        assert app.conf.broker_url == private_redis.url(0)
        yield private_redis


@pytest.fixture
def start_worker(cache_and_broker_on_private_redis, transactional_db, tmp_path):
    """`start_worker(**env)` starts a Celery worker on the private Redis and the test database (PostgreSQL);
    tasks stop running eagerly. Workers are stopped at the end. This process's cache and broker are on the
    private Redis as long as it is used."""
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")
    with CeleryWorkers(tmp_path) as workers:
        yield workers.start


@pytest.fixture(scope="session")
def private_postgres():
    """A running private PostgreSQL cluster, for the whole session; the test may `stop()` and `start()` it."""
    bin_dir = postgresql_bin_dir()
    require(bin_dir is not None, "needs PostgreSQL's server programs (initdb, pg_ctl)")
    try:
        run_as = postgres_user_for_root()
    except KeyError:
        require(False, "PostgreSQL refuses to run as root, and there is no `postgres` user to run it as")
    cluster = PrivatePostgres(bin_dir, run_as=run_as)
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
