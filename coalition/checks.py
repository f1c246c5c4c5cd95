"""System checks of the deployment: a cache of local memory is private to each web process.

Sessions are in the database, but rate limits (logins, password resets, reauthentication, two-factor codes),
the two-factor codes already used and the public page cache are in the cache. With several web processes
each keeping its own, a limit counts per process (so several times the intended number of attempts get
through), a used code works again in another process, and a page cached or made stale in one process is not
in another: nothing fails, it is silently wrong. CACHE_URL must point to a cache every web process shares
(Redis).

Running under gunicorn is detected, in this order, from:
- `SERVER_SOFTWARE` in the environment containing "gunicorn" (gunicorn's master sets it for its workers),
- the program name (`sys.argv[0]`, e.g. `.venv/bin/gunicorn`),
- `GUNICORN_CMD_ARGS` or `WEB_CONCURRENCY` being set (gunicorn reads both; a `manage.py check --deploy` run
  in the web container's environment sees them).
The number of workers is read from the command line when the program is gunicorn (`-w 3`, `--workers 3`,
`--workers=3`), else from `GUNICORN_CMD_ARGS`, else from `WEB_CONCURRENCY` (gunicorn's default), else 1.
A gunicorn configuration file (`gunicorn.conf.py`) is not read.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

LOCAL_MEMORY_CACHE = "django.core.cache.backends.locmem.LocMemCache"


def local_memory_caches() -> list[str]:
    """Aliases of the caches kept in each process's own memory."""
    from django.core.cache.backends.locmem import LocMemCache

    aliases = []
    for alias, config in settings.CACHES.items():
        backend = config.get("BACKEND", "")
        try:
            is_local = backend == LOCAL_MEMORY_CACHE or issubclass(import_string(backend), LocMemCache)
        except ImportError:
            continue  # Django's own cache check reports a backend that does not import
        if is_local:
            aliases.append(alias)
    return aliases


def _workers_in(args: Sequence[str]) -> int | None:
    """The worker count given on a gunicorn command line, if any (the last one wins, as in argparse)."""
    found = None
    for index, arg in enumerate(args):
        value = None
        if arg in ("-w", "--workers") and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--workers="):
            value = arg.removeprefix("--workers=")
        elif arg.startswith("-w") and len(arg) > 2:
            value = arg[2:]
        if value is not None and value.strip().isdigit():
            found = int(value)
    return found


def gunicorn_workers(environ: Mapping[str, str] | None = None, argv: Sequence[str] | None = None) -> int:
    """How many gunicorn workers this process belongs to: 0 when it does not run under gunicorn."""
    environ = os.environ if environ is None else environ
    argv = sys.argv if argv is None else argv
    program_is_gunicorn = bool(argv) and "gunicorn" in Path(argv[0]).name
    under_gunicorn = (
        "gunicorn" in environ.get("SERVER_SOFTWARE", "").lower()
        or program_is_gunicorn
        or "GUNICORN_CMD_ARGS" in environ
        or "WEB_CONCURRENCY" in environ
    )
    if not under_gunicorn:
        return 0
    workers = _workers_in(argv[1:]) if program_is_gunicorn else None
    if workers is None:
        try:
            workers = _workers_in(shlex.split(environ.get("GUNICORN_CMD_ARGS", "")))
        except ValueError:  # unbalanced quotes: gunicorn itself would refuse it
            workers = None
    if workers is None:
        concurrency = environ.get("WEB_CONCURRENCY", "").strip()
        workers = int(concurrency) if concurrency.isdigit() else 1
    return max(workers, 1)


@checks.register(checks.Tags.caches, deploy=True)
def check_cache_shared_in_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With DEBUG off, warn of a per-process cache: fine for one process, wrong for several."""
    if settings.DEBUG:
        return []
    return [
        checks.Warning(
            f"The cache '{alias}' is kept in each process's own memory (LocMemCache) while DEBUG is off.",
            hint=(
                "Rate limits, used two-factor codes and the public page cache then hold per process: with "
                "more than one web process, set CACHE_URL to a shared cache (redis://host:6379/1)."
            ),
            id="coalition.W001",
        )
        for alias in local_memory_caches()
    ]


@checks.register(checks.Tags.caches)
def check_cache_shared_between_workers(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With DEBUG off and several gunicorn workers, a per-process cache is an error (not only at deploy)."""
    if settings.DEBUG:
        return []
    workers = gunicorn_workers()
    if workers < 2:
        return []
    return [
        checks.Error(
            f"The cache '{alias}' is kept in each process's own memory (LocMemCache), and the portal runs "
            f"under gunicorn with {workers} workers.",
            hint=(
                "Each worker would keep its own rate limits, used two-factor codes and cached pages. Set "
                "CACHE_URL to a cache every worker shares (redis://host:6379/1), or run one worker."
            ),
            id="coalition.E001",
        )
        for alias in local_memory_caches()
    ]
