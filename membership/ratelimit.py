"""The application form's limits, counted by core.ratelimit under scopes of their own."""

from __future__ import annotations

from core import ratelimit
from core.ratelimit import client_ip

__all__ = ["attempts", "client_ip", "count_attempt", "over_limit"]


def attempts(scope: str, identifier: str) -> int:
    return ratelimit.attempts(f"membership:{scope}", identifier)


def over_limit(scope: str, identifier: str, limit: int) -> bool:
    return ratelimit.over_limit(f"membership:{scope}", identifier, limit)


def count_attempt(scope: str, identifier: str, period: int) -> int:
    return ratelimit.count_attempt(f"membership:{scope}", identifier, period)
