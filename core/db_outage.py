"""When the database does not answer: 503 with Retry-After and a short page in the visitor's language, and one
log line per outage instead of a traceback per request.

Django turns an exception raised anywhere below the outermost middleware into a call of `handler500`
(coalition/urls.py names `server_error` here) and logs the traceback on `django.request`;
`DatabaseOutageFilter` keeps those tracebacks out of the log when the database is the cause.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# Errors closer together than this belong to the same outage (and to its one log line).
SAME_OUTAGE_SECONDS = 60
# Fields never shown back: secrets, and the form machinery.
HIDDEN_FIELDS = ("csrfmiddlewaretoken", "password", "token", "version", "otp", "code")

_state = threading.Lock()
_last_error_at = 0.0


def is_database_outage(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, DATABASE_DOWN):
            return True
        error = error.__cause__ or error.__context__
    return False


def _note_outage(error: BaseException) -> None:
    global _last_error_at
    now = time.monotonic()
    with _state:
        new_outage = now - _last_error_at > SAME_OUTAGE_SECONDS
        _last_error_at = now
    if new_outage:
        logger.error("database unavailable, answering 503: %s", str(error).strip().splitlines()[0][:200])


def _kept_text(request: HttpRequest) -> list[tuple[str, str]]:
    """What the person typed, to show back: a POST that could not be saved must not lose it."""
    if request.method != "POST":
        return []
    try:
        items = request.POST.lists()
        return [
            (name, value)
            for name, values in items
            for value in values
            if value.strip() and not any(hidden in name.lower() for hidden in HIDDEN_FIELDS)
        ]
    except Exception:  # a body that cannot be parsed again: nothing to show back
        return []


def database_unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    _note_outage(error)
    html = render_to_string(
        "503.html",
        {"posted": request.method == "POST", "kept": _kept_text(request), "retry_after": RETRY_AFTER_SECONDS},
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """handler500: a 503 when the database is what failed, Django's own 500 otherwise."""
    error = sys.exc_info()[1]
    if is_database_outage(error):
        return database_unavailable(request, error)
    return defaults.server_error(request, template_name)


class DatabaseOutageFilter(logging.Filter):
    """Drops the per-request traceback of a database outage (`server_error` logs one line per outage)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and is_database_outage(record.exc_info[1]))
