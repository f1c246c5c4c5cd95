"""The real services tests use, and the private ones fault tests start and break.

- `require`: a missing service skips a test, or fails it when the run demands every service
  (REQUIRE_SERVICES=1).
- Parallel pytest workers (`pytest -n`) and parallel runs share one Redis: each process has its own cache key
  prefix and Celery queue (`namespace`), and its cache's `clear()` deletes only its own keys.
- `PrivateRedis` and `PrivatePostgres`: throw-away instances on free ports in temporary folders. Fault tests
  stop and break these; the shared services (Redis on 6379, PostgreSQL on 5432) are only ever used, never
  stopped, flushed or reconfigured.
- `CeleryWorkers` and `Portal`: real `celery worker` and gunicorn subprocesses, pointed at the database, cache
  and broker of the test that starts them (`django_env`); `Browser`, a visitor of such a portal with cookies
  of its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings

from core.cache_backends import UNAVAILABLE, ResilientRedisCache

logger = logging.getLogger(__name__)
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
ROOT = Path(__file__).resolve().parents[1]
# The settings of every Django process a test starts: the portal's own, with the test process's key prefix.
SUBPROCESS_SETTINGS = "tests.subprocess_settings"


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing, or fail when the run demands every service (CI)."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: CI needs it)", pytrace=False)
    pytest.skip(reason)


def wait_for(condition: Callable[[], bool], timeout: float = 60.0, interval: float = 0.2) -> bool:
    """True as soon as `condition()` is, False if it still is not after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Parallel workers and runs on one Redis -------------------------------------------------------------------


def namespace(*, run: str, worker: str | None) -> str:
    """The cache key prefix and Celery queue of one pytest process: its run, then its xdist worker
    (`gw0`, `gw1`, ...; `main` without xdist). Letters, digits and dashes only: it goes in a SCAN pattern."""
    name = f"tests-{run}-{worker or 'main'}"
    return re.sub(r"[^A-Za-z0-9-]", "-", name)


def this_process_namespace() -> str:
    # xdist gives every worker of a run the same id; a run without xdist makes one of its own.
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
    return namespace(run=run[:12], worker=os.environ.get("PYTEST_XDIST_WORKER"))


class OwnKeysRedisCache(ResilientRedisCache):
    """The portal's Redis cache, except that `clear()` deletes only the keys under this cache's prefix: other
    pytest workers, other runs and anything else in the same Redis database keep theirs (Django's `clear()`
    would FLUSHDB)."""

    def clear(self) -> bool:
        if not self.key_prefix:
            raise RuntimeError("refusing to clear a shared Redis database without a key prefix")
        try:
            client = self._cache.get_client(write=True)
            keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
        except UNAVAILABLE as error:
            logger.warning("cache unavailable (clear): %s", error.__class__.__name__)
            return False
        finally:
            # What the backend kept in local memory while Redis was down, if it does that.
            fallback = getattr(self, "_fallback", None)
            if fallback is not None:
                fallback.clear()
        return True


# Private Redis ----------------------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of the test's own on a free port of 127.0.0.1, in a temporary folder, keeping nothing on
    disk: stop it, start it again (same port, empty, as after a crash), kill it at the end."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="goodstories-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def answers(self) -> bool:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Asked once: redis-py's client otherwise retries three times with backoff (seconds per question).
        client = redis.Redis(
            host="127.0.0.1",
            port=self.port,
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for(self.answers, timeout=15, interval=0.05):
            self.stop()
            raise RuntimeError(f"the private redis-server did not start:\n{self.log()}")

    def stop(self) -> None:
        """Gone at once, like a crashed server: whatever it held is lost."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        assert wait_for(lambda: not self.answers(), timeout=10, interval=0.05)

    def freeze(self) -> None:
        """Stopped by SIGSTOP: connections are still accepted (by the kernel), but nothing is answered, as
        a server that hangs or a network that drops packets. `resume()` (SIGCONT) brings it back with its
        data."""
        assert self.process is not None and self.process.poll() is None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
        assert wait_for(self.answers, timeout=10, interval=0.05)

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Frozen while open, resumed at the end whatever happens (a frozen server hangs the teardown)."""
        self.freeze()
        try:
            yield
        finally:
            self.resume()

    def log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def celery_on(broker_url: str) -> Iterator[None]:
    """This process sends its tasks to `broker_url` (and gives it to the workers it starts) while open."""
    from coalition.celery import app

    # Celery takes CELERY_BROKER_URL from the environment before its configuration: change both.
    saved_env, saved_conf = os.environ.get("CELERY_BROKER_URL"), app.conf["broker_url"]
    os.environ["CELERY_BROKER_URL"] = app.conf["broker_url"] = broker_url
    _forget_broker_connections()
    try:
        yield
    finally:
        app.conf["broker_url"] = saved_conf
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _forget_broker_connections()


def _forget_broker_connections() -> None:
    from kombu import pools

    from coalition.celery import app

    pools.reset()  # close kombu's connection and producer pools, which are global, and forget them
    app._pool = None
    app.amqp._producer_pool = None


# Private PostgreSQL -----------------------------------------------------------------------------------------


def postgresql_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or Debian's newest /usr/lib/postgresql/<version>/bin (the
    version `pg_dump` and `pg_restore` run by default)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    versions = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    versions.sort(key=lambda bin_dir: int(bin_dir.parent.name) if bin_dir.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster made with initdb in a temporary folder, listening on a free port of
    127.0.0.1 (trust authentication, user `postgres`, no fsync). PostgreSQL refuses to run as root: as root,
    its programs run as `run_as` (the `postgres` system user), which owns the folder."""

    def __init__(self, bin_dir: Path, run_as: str | None = None) -> None:
        self.bin_dir = bin_dir
        self.run_as = run_as
        self.folder = Path(tempfile.mkdtemp(prefix="goodstories-postgres-"))
        if run_as is not None:
            account = pwd.getpwnam(run_as)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.data = self.folder / "data"
        self.port = free_port()

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        user = {}
        if self.run_as is not None:
            account = pwd.getpwnam(self.run_as)
            user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        result = subprocess.run(
            [str(self.bin_dir / program), *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            check=False,
            **user,
        )
        if result.returncode != 0:
            output = f"{result.stdout}{result.stderr}{self.log()}"
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{output}")
        return result

    def create(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.folder / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: every connection is cut and the server shuts down cleanly, as a restart by an operator."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", mode, "stop")

    def connect(self, database: str = "postgres"):
        import psycopg

        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=2)

    def answers(self) -> bool:
        import psycopg

        try:
            with self.connect() as conn:
                conn.execute("SELECT 1")
        except psycopg.OperationalError:
            return False
        return True

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        from psycopg import sql

        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def log(self) -> str:
        path = self.folder / "postgres.log"
        try:
            return path.read_text(errors="replace")
        except OSError:
            return ""

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self.stop(mode="immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def postgres_user_for_root() -> str | None:
    """Who runs PostgreSQL's programs: None (this user) when not root, else `postgres` (KeyError if none)."""
    if os.geteuid() != 0:
        return None
    pwd.getpwnam("postgres")
    return "postgres"


# Django subprocesses: Celery workers and the portal under gunicorn ------------------------------------------


def django_env(**overrides: str | None) -> dict[str, str]:
    """The environment of a Django process started by a test: this process's database, cache, broker, task
    queue and media folders, unless overridden (None removes a variable)."""
    from django.db import connection

    from coalition.celery import app
    from coalition.management.commands.backup import database_url

    cache = settings.CACHES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SUBPROCESS_SETTINGS,
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CACHE_URL": cache["LOCATION"] if "Redis" in cache["BACKEND"] else "locmemcache://",
        "TEST_CACHE_KEY_PREFIX": cache.get("KEY_PREFIX", ""),
        "CELERY_BROKER_URL": app.conf.broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": app.conf.task_default_queue,
        "EMAIL_URL": "consolemail://",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args: str, env: dict[str, str]) -> str:
    """Run `manage.py <args>` in a subprocess; returns what it printed, or fails with it."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
    return result.stdout


class LoggedProcess:
    """A subprocess whose output goes to a file: `output()` reads it so far, `stop()` ends the process and
    returns all of it."""

    def __init__(self, command: list[str], env: dict[str, str], output_path: Path) -> None:
        self.output_path = output_path
        with output_path.open("w") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def kill(self) -> None:
        """Die at once, as a machine losing power would: no warm shutdown, no acknowledgement."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.output()


class CeleryWorkers:
    """Real `celery worker` processes on this process's broker, task queue, cache and (test) database. While
    it is open, this process queues tasks instead of running them eagerly.

    `start(CELERY_VISIBILITY_TIMEOUT="5")` passes settings through the environment."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.workers: list[LoggedProcess] = []

    def __enter__(self) -> CeleryWorkers:
        from coalition.celery import app

        self._eager = app.conf.task_always_eager
        app.conf.task_always_eager = False
        return self

    def __exit__(self, *exc_info: object) -> None:
        from coalition.celery import app

        for worker in self.workers:
            worker.stop()
        app.conf.task_always_eager = self._eager
        with contextlib.suppress(Exception):
            _remove_queue(app.conf.task_default_queue)

    def start(self, **extra_env: str) -> LoggedProcess:
        from coalition.celery import app

        worker = LoggedProcess(
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
            django_env(**extra_env),
            self.folder / f"worker-{len(self.workers)}.log",
        )
        self.workers.append(worker)
        return worker


def _remove_queue(name: str) -> None:
    """Take this process's own queue, and its binding, out of the broker again."""
    from kombu import Exchange, Queue

    from coalition.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        queue = Queue(name, Exchange(name, type="direct"), routing_key=name)(conn.default_channel)
        queue.declare()  # a channel deletes only the bindings it knows
        queue.delete()


def broker_answers(broker_url: str) -> str | None:
    """None when the broker at `broker_url` answers, else why not."""
    from coalition.celery import app

    try:
        with app.connection_for_write(broker_url) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as error:
        return str(error)
    return None


class Portal(LoggedProcess):
    """The portal under gunicorn (one process, two threads unless told, DEBUG off), as in production, on a
    free port."""

    def __init__(self, env: dict[str, str], output_path: Path, *, threads: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "coalition.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                str(threads),
                "--timeout",
                "30",
                "--graceful-timeout",
                "2",
            ],
            env,
            output_path,
        )
        if not wait_for(self._listening, timeout=30, interval=0.1):
            raise RuntimeError(f"the portal did not start:\n{self.stop()}")

    def _listening(self) -> bool:
        assert self.process.poll() is None, f"the portal exited:\n{self.output()}"
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.output()

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=20) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@dataclass
class Reply:
    """What a `Browser` got back: the status, the headers and the page."""

    status: int
    headers: Message
    text: str
    seconds: float

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs) -> None:
        return None  # the test sees the 302 and where it points


class Browser:
    """One visitor of a live portal, with cookies of its own (urllib: no extra dependency). Redirects are not
    followed. A POST carries the CSRF token of the `csrftoken` cookie, which the portal sets on any page with
    a form: get the form first, as a person would."""

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None) -> None:
        self.base_url = base_url
        self.cookies = dict(cookies or {})
        self._opener = urllib.request.build_opener(_NoRedirect)

    def get(self, path: str) -> Reply:
        return self._send(urllib.request.Request(f"{self.base_url}{path}"))  # noqa: S310 - the portal's http URL

    def post(self, path: str, data: dict[str, str | list[str]]) -> Reply:
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(f"{self.base_url}{path}", data=body, method="POST")  # noqa: S310
        return self._send(request)

    def log_in(self, email: str, password: str) -> Reply:
        self.get("/en/accounts/login/")
        return self.post("/en/accounts/login/", {"login": email, "password": password})

    def _send(self, request: urllib.request.Request) -> Reply:
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
        started = time.monotonic()
        try:
            response = self._opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            response = error
        with response:
            text = response.read().decode(errors="replace")
        headers = response.headers
        for header in headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)  # how Django deletes a cookie
                else:
                    self.cookies[name] = morsel.value
        return Reply(response.status, headers, text, time.monotonic() - started)
