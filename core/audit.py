"""Who made a change: the acting user that django-auditlog records with every entry of the audit trail.

In a request, `auditlog.middleware.AuditlogMiddleware` names the logged-in person. A Celery task or a
management command has no request, so services that take an `actor` write inside `acting_as(actor)`; the
entries they cause then carry that person whatever calls the service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

from auditlog.context import auditlog_value, set_actor
from django.contrib.auth.base_user import AbstractBaseUser

T = TypeVar("T")


@contextmanager
def acting_as(actor: AbstractBaseUser | None) -> Iterator[None]:
    """Record `actor` as the author of the audit-log entries written inside the block.

    With no actor (the system itself), entries keep whatever the surrounding context says, if anything.
    """
    if actor is None:
        yield
        return
    # auditlog's context manager replaces the request's context and does not put it back when it ends:
    # without restoring it, writes made later in the same request would lose their author.
    outer = auditlog_value.get(None)
    remote_addr = outer.get("remote_addr") if outer else None
    remote_port = outer.get("remote_port") if outer else None
    try:
        with set_actor(actor, remote_addr=remote_addr, remote_port=remote_port):
            yield
    finally:
        if outer is not None:
            auditlog_value.set(outer)


def records_actor(service: Callable[..., T]) -> Callable[..., T]:
    """Decorates a service whose keyword argument `actor` is the person acting: everything it writes is
    recorded in the audit trail under that person, whatever calls it (a view, the admin, a task)."""

    @wraps(service)
    def wrapped(*args: Any, **kwargs: Any) -> T:
        with acting_as(kwargs.get("actor")):
            return service(*args, **kwargs)

    return wrapped
