"""Two stories with the same title saved at the same moment both go through, each with its own slug
(on PostgreSQL: the second insert waits for the first transaction and then meets its unique slug)."""

import threading

import pytest
from django.db import connection, connections, transaction

from stories import services
from stories.models import Story, Theme

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Free legal aid at every police station"


def new_story(user) -> Story:
    return Story(
        member_id=user.mission.member_id,
        title=TITLE,
        language="en",
        summary="Lawyers on call at every station, day and night.",
        body="Since 2019.",
    )


def save(user) -> Story:
    return services.story_save(
        story=new_story(user),
        actor=user,
        expected_version=None,
        themes=[Theme.objects.get(slug="sdg-16")],
        images=[],
    )


def test_the_same_title_twice_at_once_gives_two_stories_with_two_slugs(uses_postgresql, staff_user):
    first_saved, let_first_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                save(staff_user)
                first_saved.set()
                let_first_commit.wait(timeout=10)  # the second insert now waits on our row
        except BaseException as error:
            errors.append(error)
        finally:
            first_saved.set()
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_saved.wait(timeout=10)
    # The second save cannot see the first (not committed): it picks the same slug and its insert blocks
    # until the first commits, then meets the unique slug.
    threading.Timer(0.5, let_first_commit.set).start()
    second = save(staff_user)
    thread.join(timeout=10)

    assert errors == []
    slugs = sorted(Story.objects.filter(title=TITLE).values_list("slug", flat=True))
    assert slugs == ["free-legal-aid-at-every-police-station", "free-legal-aid-at-every-police-station-2"]
    assert second.slug == "free-legal-aid-at-every-police-station-2"
    assert connection.vendor == "postgresql"
