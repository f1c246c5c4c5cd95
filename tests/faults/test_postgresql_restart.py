"""PostgreSQL restarted under a running portal: /healthz reports the outage, and the portal serves pages
again once the database is back, without being restarted itself. The cluster that restarts is the test's own
(see conftest.py), and so is the portal: gunicorn with a migrated database on that cluster."""

import json
import uuid

import pytest

from tests.services import Portal, django_env, manage

pytestmark = pytest.mark.faults


@pytest.fixture
def portal(private_postgres, tmp_path):
    env = django_env(
        DATABASE_URL=private_postgres.create_database(f"portal_{uuid.uuid4().hex[:8]}"),
        CONN_MAX_AGE="60",  # persistent connections, which the restart breaks
        DATABASE_POOL=None,
        CACHE_URL="locmemcache://",
        CELERY_BROKER_URL=None,  # tasks in-process: this portal needs no Redis
        PUBLIC_CACHE="false",  # every page from the database
    )
    manage("migrate", "--no-input", env=env)
    portal = Portal(env, tmp_path / "portal.log")
    yield portal
    portal.stop()


def test_the_portal_survives_a_postgresql_restart_and_healthz_reports_the_outage(private_postgres, portal):
    status, body = portal.get("/healthz")
    assert status == 200, body
    assert portal.get("/en/members/")[0] == 200

    private_postgres.stop()
    try:
        assert not private_postgres.answers()
        status, body = portal.get("/healthz")
        assert status == 503
        checks = json.loads(body)["checks"]
        assert checks["database"]["status"] == "down"
        assert checks["cache"]["status"] == checks["broker"]["status"] == "ok"
    finally:
        private_postgres.start()

    status, body = portal.get("/en/members/")
    assert status == 200, portal.output()
    assert "Argentina" in body
    assert portal.get("/healthz")[0] == 200
