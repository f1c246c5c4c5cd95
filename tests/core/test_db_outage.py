"""A request that finds the database down answers 503 with Retry-After, in the visitor's language, keeps what
a POST carried, and logs one line per outage instead of a traceback per request. (The same against a real
PostgreSQL stopped under a live server: tests/faults/.)"""

import logging
import sys

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation

from core import db_outage


@pytest.fixture(autouse=True)
def new_outage(monkeypatch):
    monkeypatch.setattr(db_outage, "_last_error_at", -1e9)


def answer(request, error=None):
    try:
        raise error or OperationalError('connection to server at "127.0.0.1", port 5432 failed')
    except Exception:
        return db_outage.server_error(request)


def test_a_page_that_needs_the_database_answers_503_with_retry_after():
    response = answer(RequestFactory().get("/en/stories/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "briefly unavailable" in page
    assert "Nothing you saved earlier was lost" in page


def test_a_post_that_could_not_be_saved_says_so_and_shows_the_text_back():
    request = RequestFactory().post(
        "/en/my/stories/new/",
        {
            "title": "Legal aid at every police station",
            "body": "Since 2019 <b>every</b> station",
            "password": "x",
        },
    )
    page = answer(request).content.decode()
    assert "could not be saved" in page
    assert "Nothing you saved earlier was lost" not in page
    assert "Legal aid at every police station" in page
    assert "Since 2019 &lt;b&gt;every&lt;/b&gt; station" in page  # shown as text, never as markup
    assert ">x<" not in page  # never a password


def test_the_page_is_in_the_visitors_language():
    with translation.override("ar"):
        page = answer(RequestFactory().get("/ar/stories/")).content.decode()
    assert 'lang="ar" dir="rtl"' in page


def test_other_errors_stay_500():
    response = answer(RequestFactory().get("/en/"), error=ValueError("a bug"))
    assert response.status_code == 500


def test_an_outage_is_logged_once_and_its_tracebacks_are_dropped(caplog):
    caplog.set_level(logging.ERROR, logger="core.db_outage")
    for _ in range(5):
        answer(RequestFactory().get("/en/stories/"))
    assert len([r for r in caplog.records if r.name == "core.db_outage"]) == 1

    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        record = logging.LogRecord("django.request", logging.ERROR, "", 0, "Internal Server Error", (), None)
        record.exc_info = sys.exc_info()
    assert db_outage.DatabaseOutageFilter().filter(record) is False
    other = logging.LogRecord("django.request", logging.ERROR, "", 0, "Internal Server Error", (), None)
    assert db_outage.DatabaseOutageFilter().filter(other) is True
