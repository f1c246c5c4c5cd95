"""The deployment checks of coalition/checks.py: a cache private to each process while DEBUG is off."""

import pytest
from django.core.checks import Error, Warning, run_checks
from django.test import override_settings

from coalition.checks import gunicorn_workers

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache:6379/1"}
}
GUNICORN_ENVIRONMENT = ("SERVER_SOFTWARE", "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY")


@pytest.fixture(autouse=True)
def not_under_gunicorn(monkeypatch):
    """Whatever runs the tests, the checks see a plain process unless a test says otherwise."""
    for name in GUNICORN_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.argv", ["manage.py", "check"])


def ours(*, deploy: bool) -> list:
    return [
        message
        for message in run_checks(include_deployment_checks=deploy)
        if message.id.startswith("coalition.")
    ]


def ids(messages) -> list[str]:
    return [message.id for message in messages]


# The warning, under `check --deploy`


@override_settings(DEBUG=False, CACHES=LOCAL_MEMORY)
def test_local_memory_cache_with_debug_off_is_a_deploy_warning():
    messages = ours(deploy=True)

    assert ids(messages) == ["coalition.W001"]
    assert isinstance(messages[0], Warning)
    assert "CACHE_URL" in messages[0].hint


@override_settings(DEBUG=False, CACHES=LOCAL_MEMORY)
def test_the_warning_is_only_a_deploy_check():
    assert ours(deploy=False) == []


@override_settings(DEBUG=True, CACHES=LOCAL_MEMORY)
def test_no_warning_with_debug_on():
    assert ours(deploy=True) == []


@override_settings(DEBUG=False, CACHES=REDIS)
def test_no_warning_with_a_shared_cache():
    assert ours(deploy=True) == []


# The error, under gunicorn with several workers


@pytest.mark.parametrize(
    ("environment", "argv", "workers"),
    [
        ({"SERVER_SOFTWARE": "gunicorn/27.0.1", "WEB_CONCURRENCY": "3"}, ["manage.py", "check"], 3),
        ({}, ["/srv/.venv/bin/gunicorn", "coalition.wsgi", "--workers", "3"], 3),
        ({}, ["/srv/.venv/bin/gunicorn", "coalition.wsgi", "-w4"], 4),
        ({"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:8000 --workers=2"}, ["manage.py", "check"], 2),
        ({"WEB_CONCURRENCY": "5"}, ["manage.py", "check", "--deploy"], 5),
    ],
)
def test_gunicorn_with_several_workers_and_local_memory_is_an_error(monkeypatch, environment, argv, workers):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.argv", argv)

    with override_settings(DEBUG=False, CACHES=LOCAL_MEMORY):
        plain = ours(deploy=False)
        deploy = ours(deploy=True)

    assert ids(plain) == ["coalition.E001"]
    assert isinstance(plain[0], Error)
    assert f"{workers} workers" in plain[0].msg
    assert sorted(ids(deploy)) == ["coalition.E001", "coalition.W001"]


@pytest.mark.parametrize(
    ("environment", "argv"),
    [
        ({"SERVER_SOFTWARE": "gunicorn/27.0.1"}, ["gunicorn", "coalition.wsgi"]),  # gunicorn's default: one
        ({"WEB_CONCURRENCY": "1"}, ["manage.py", "check"]),
        ({}, ["/srv/.venv/bin/gunicorn", "coalition.wsgi", "--workers", "1"]),
        ({}, ["manage.py", "runserver"]),
    ],
)
def test_one_worker_or_no_gunicorn_is_no_error(monkeypatch, environment, argv):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.argv", argv)

    with override_settings(DEBUG=False, CACHES=LOCAL_MEMORY):
        assert ours(deploy=False) == []


def test_several_workers_with_a_shared_cache_or_debug_on_is_no_error(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")

    with override_settings(DEBUG=False, CACHES=REDIS):
        assert ours(deploy=True) == []
    with override_settings(DEBUG=True, CACHES=LOCAL_MEMORY):
        assert ours(deploy=True) == []


def test_the_command_line_beats_the_environment():
    # gunicorn's own order: command line, then GUNICORN_CMD_ARGS, then WEB_CONCURRENCY.
    environ = {"GUNICORN_CMD_ARGS": "--workers 2", "WEB_CONCURRENCY": "8"}

    assert gunicorn_workers(environ, ["gunicorn", "app", "--workers", "3"]) == 3
    assert gunicorn_workers(environ, ["gunicorn", "app"]) == 2
    assert gunicorn_workers({"WEB_CONCURRENCY": "8"}, ["gunicorn", "app"]) == 8
    assert gunicorn_workers({}, ["python", "manage.py", "check"]) == 0
