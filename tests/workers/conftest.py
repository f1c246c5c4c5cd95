"""Real Celery worker processes on the shared Redis broker (this process's own queue) and the test database
in PostgreSQL."""

import pytest
from django.db import connection

from coalition.celery import app
from tests.services import CeleryWorkers, broker_answers, require


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """`start_worker(**env)` starts a worker; tasks stop running eagerly. Workers are stopped at the end."""
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")
    broker = app.conf.broker_url
    require(broker.startswith("redis"), "needs a Redis broker (CELERY_BROKER_URL=redis://...)")
    problem = broker_answers(broker)
    require(problem is None, f"the broker at {broker} does not answer: {problem}")
    with CeleryWorkers(tmp_path) as workers:
        yield workers.start


@pytest.fixture
def celery_worker(start_worker):
    """One real worker on this process's queue (see start_worker)."""
    return start_worker()
