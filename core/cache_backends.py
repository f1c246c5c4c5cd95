"""Redis as the cache, without making Redis a single point of failure.

When Redis does not answer (stopped, unreachable, or frozen: every call has a one-second socket timeout), the
backend stops asking it for a few seconds (the circuit is open) and works on a small local-memory cache of
this process instead, so a frozen Redis costs one timeout, not one per call. Django makes one cache object per
thread: the circuit and the local memory belong to the process, shared by all its threads (`_Circuit`), so a
limit counted during an outage is the process's, and an outage costs one timeout and one log line per process:
- logins, rate limits and locks keep working (allauth takes its lock with `add`, which then succeeds
  locally), but per process: with N web processes, a limit of 5 failed logins allows up to 5 x N during the
  outage, and nothing written during the outage lives longer than `FALLBACK_MAX_SECONDS`;
- `degraded` is true, and the public page cache (core/public_cache.py) serves and stores nothing, so no
  process serves a page that another one has made stale;
- after `RETRY_SECONDS`, the next call tries Redis again; the first that succeeds closes the circuit.

Options, beside redis-py's own: `RETRY_SECONDS` (default 5) and `FALLBACK_MAX_SECONDS` (default 60).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


class _Circuit:
    """Whether one Redis cache is taken as down in this process, for the cache objects of all its threads."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.down_since: float | None = None
        self.lock = threading.Lock()


_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()


def _circuit(name: str) -> _Circuit:
    with _circuits_lock:
        return _circuits.setdefault(name, _Circuit())


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        self.fallback_max_seconds = int(options.pop("FALLBACK_MAX_SECONDS", 60))
        super().__init__(server, {**params, "OPTIONS": options})
        # One name per cache of the settings (not per object): every thread's object of that cache shares
        # the circuit, and the local memory (LocMemCache shares its storage by name).
        name = f"resilient-fallback:{server}:{params.get('KEY_PREFIX', '')}"
        self._fallback = LocMemCache(
            name, {"KEY_PREFIX": params.get("KEY_PREFIX", ""), "OPTIONS": {"MAX_ENTRIES": 5000}}
        )
        self._circuit = _circuit(name)

    @property
    def degraded(self) -> bool:
        """True while Redis is taken as down: calls go to this process's local memory."""
        return self._circuit.down_since is not None

    def _fallback_timeout(self, timeout):
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        if timeout is None:
            return self.fallback_max_seconds
        return min(timeout, self.fallback_max_seconds)

    def _call(self, name: str, *args, **kwargs):
        circuit = self._circuit
        if circuit.down_since is not None and time.monotonic() < circuit.down_until:
            return self._on_fallback(name, *args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNAVAILABLE as error:
            self._open_circuit(name, error)
            return self._on_fallback(name, *args, **kwargs)
        if circuit.down_since is not None:
            self._close_circuit()
        return result

    def _on_fallback(self, name: str, *args, **kwargs):
        if "timeout" in kwargs:
            kwargs["timeout"] = self._fallback_timeout(kwargs["timeout"])
        if name == "clear":
            return self._fallback.clear()
        return getattr(self._fallback, name)(*args, **kwargs)

    def _open_circuit(self, operation: str, error: Exception) -> None:
        circuit = self._circuit
        with circuit.lock:
            first = circuit.down_since is None
            now = time.monotonic()
            if first:
                circuit.down_since = now
            circuit.down_until = now + self.retry_seconds
        if first:
            # One line per outage, not one per call.
            logger.warning(
                "cache unavailable (%s: %s): working on local memory, retrying every %ss",
                operation,
                error.__class__.__name__,
                self.retry_seconds,
            )

    def _close_circuit(self) -> None:
        circuit = self._circuit
        with circuit.lock:
            since, circuit.down_since = circuit.down_since, None
        if since is not None:
            logger.warning("cache available again after %.0f s", time.monotonic() - since)
            self._fallback.clear()

    # Every operation of Django's cache API goes through _call.

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version=version)

    def clear(self):
        return self._call("clear")
