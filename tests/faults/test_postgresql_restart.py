"""PostgreSQL restarted or stopped under a running portal: /healthz reports the outage, pages answer 503 with
Retry-After in the visitor's language (a form's text is shown back), the log has one line per outage, and the
portal serves pages again once the database is back, without being restarted itself. The cluster that stops is
the test's own (see conftest.py), and so is the portal: gunicorn with a migrated database on that cluster."""

import json
import uuid

import pytest
from psycopg import sql

from tests.factories import TEST_PASSWORD
from tests.services import Browser, Portal, django_env, manage

pytestmark = pytest.mark.faults

STAFF_EMAIL = "stella.staff@example.org"
MAKE_STAFF = (
    f"from tests.factories import UserFactory; UserFactory(email={STAFF_EMAIL!r}, full_name='Stella Staff')"
)
TITLE = "Legal aid desks in every district court"


@pytest.fixture(scope="module")
def migrated_database(private_postgres):
    """A database migrated once, with one mission staff account: each test's portal gets a copy of it."""
    name = f"portal_template_{uuid.uuid4().hex[:8]}"
    env = portal_env(private_postgres.create_database(name))
    manage("migrate", "--no-input", env=env)
    manage("shell", "-c", MAKE_STAFF, env=env)
    return name


def portal_env(database_url: str) -> dict[str, str]:
    return django_env(
        DATABASE_URL=database_url,
        CONN_MAX_AGE="60",  # persistent connections, which the restart breaks
        DATABASE_POOL=None,
        CACHE_URL="locmemcache://",
        CELERY_BROKER_URL=None,  # tasks in-process: this portal needs no Redis
        PUBLIC_CACHE="false",  # every page from the database
    )


@pytest.fixture
def portal(private_postgres, migrated_database, tmp_path):
    name = f"portal_{uuid.uuid4().hex[:8]}"
    with private_postgres.connect() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(migrated_database)
            )
        )
    portal = Portal(portal_env(private_postgres.url(name)), tmp_path / "portal.log")
    yield portal
    portal.stop()


def story_form(theme_id: str, **overrides: str) -> dict[str, str]:
    return {
        "title": TITLE,
        "language": "en",
        "summary": "Anyone who cannot pay a lawyer finds one at the court, the same day.",
        "body": "Volunteer lawyers staff the desks every working day.",
        "policy_year": "2021",
        "sdgs": theme_id,
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        **overrides,
    }


def first_sdg(form_page: str) -> str:
    start = form_page.index('name="sdgs" value="') + len('name="sdgs" value="')
    return form_page[start : form_page.index('"', start)]


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


def test_with_postgresql_stopped_pages_answer_503_in_the_visitors_language_and_keep_a_posted_text(
    private_postgres, portal
):
    visitor = Browser(portal.url)
    staff = Browser(portal.url)
    assert staff.log_in(STAFF_EMAIL, TEST_PASSWORD).status == 302
    form = staff.get("/en/my/stories/new/")  # opened before the outage, sent during it
    assert form.status == 200
    theme = first_sdg(form.text)
    log_before = len(portal.output())

    private_postgres.stop()
    try:
        reply = visitor.get("/en/members/")
        assert reply.status == 503, reply.text[:2000]
        assert reply.headers["Retry-After"] == "30"
        assert "briefly unavailable" in reply.text
        assert '<html lang="en" dir="ltr">' in reply.text

        reply = visitor.get("/ar/members/")
        assert reply.status == 503
        assert reply.headers["Retry-After"]
        assert '<html lang="ar" dir="rtl">' in reply.text
        assert "البوابة غير متاحة مؤقتًا" in reply.text  # "The portal is briefly unavailable"

        reply = staff.post("/en/my/stories/new/", story_form(theme))
        assert reply.status == 503
        assert "could not be saved" in reply.text
        assert TITLE in reply.text
        assert "Volunteer lawyers staff the desks every working day." in reply.text
        assert staff.cookies["csrftoken"] not in reply.text  # the form's machinery is not shown back

        # Many more failing requests, anonymous and logged in (the session is in the database too).
        for path in ("/en/", "/en/stories/", "/fr/members/", "/es/members/") * 2:
            assert visitor.get(path).status == 503, path
        for path in ("/en/", "/en/my/", "/en/my/stories/", "/en/my/stories/new/") * 2:
            assert staff.get(path).status == 503, path
    finally:
        private_postgres.start()

    log = portal.output()[log_before:]
    assert log.count("database unavailable") == 1, log
    assert "Traceback" not in log, log

    assert visitor.get("/en/members/").status == 200
    reply = visitor.get("/ar/members/")
    assert reply.status == 200 and '<html lang="ar" dir="rtl">' in reply.text
    assert staff.get("/en/my/stories/").status == 200  # the session survived the outage
    reply = staff.post("/en/my/stories/new/", story_form(theme))  # sent again: saved
    assert reply.status == 302, reply.text[:2000]
    assert TITLE in staff.get(reply.location).text
