"""Five people of one mission save a new story with the same title at the same moment, on the live portal
(gunicorn, five threads) and PostgreSQL: each gets their story, under a slug of its own, and no error page."""

import threading

import pytest
from django.db import connection
from django.test import Client

from stories.models import Story, Theme
from tests.factories import UserFactory
from tests.services import Browser, Portal, django_env, require

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Birth certificates issued at the maternity ward"
PEOPLE = 5


def session_cookie(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)  # a session in the database the portal reads
    return {"sessionid": client.cookies["sessionid"].value}


def test_five_stories_with_the_same_title_saved_at_once_each_get_their_own_slug(staff_user, tmp_path):
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")
    colleagues = [staff_user] + [UserFactory(mission=staff_user.mission) for _ in range(PEOPLE - 1)]
    portal = Portal(
        django_env(CELERY_BROKER_URL=None, PUBLIC_CACHE="false"), tmp_path / "portal.log", threads=PEOPLE
    )
    try:
        browsers = [Browser(portal.url, session_cookie(user)) for user in colleagues]
        for browser in browsers:
            assert browser.get("/en/my/stories/new/").status == 200  # the form, and its CSRF cookie
        form = {
            "title": TITLE,
            "language": "en",
            "summary": "Parents leave the hospital with their child's birth certificate.",
            "body": "A registrar works at every maternity ward.",
            "policy_year": "2020",
            "sdgs": str(Theme.objects.get(slug="sdg-16").pk),
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
        }
        start = threading.Barrier(PEOPLE)
        replies: dict[int, object] = {}

        def save(index: int) -> None:
            start.wait()
            replies[index] = browsers[index].post("/en/my/stories/new/", form)

        threads = [threading.Thread(target=save, args=(index,)) for index in range(PEOPLE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        output = portal.stop()

    statuses = [replies[index].status for index in range(PEOPLE)]
    assert statuses == [302] * PEOPLE, f"{statuses}\n{output}"
    assert all("/edit/" in replies[index].location for index in range(PEOPLE))
    stories = Story.objects.filter(title=TITLE)
    assert sorted(stories.values_list("author_id", flat=True)) == sorted(user.pk for user in colleagues)
    slugs = set(stories.values_list("slug", flat=True))
    assert len(slugs) == PEOPLE, slugs
    assert "birth-certificates-issued-at-the-maternity-ward" in slugs
    assert "Traceback" not in output, output
