"""Cached public pages go stale at once when public data changes, whoever changes it: a member, a theme or a
meeting edited in the admin shows on the next anonymous visit, as a publication does."""

import pytest
from django.urls import reverse

from core.public_cache import GENERATION_KEY, generation
from members.models import Member
from stories.models import Theme
from tests import factories
from tests.admin_forms import admin_errors, submit_change_form
from tests.meetings.factories import MeetingFactory, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_cache_on(settings):
    settings.PUBLIC_CACHE = True


def anonymous_page(client, url: str) -> str:
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_cached_page_is_served_from_the_cache_until_something_changes(client):
    """The premise of the tests below: without a change, the cache answers (a row changed behind the ORM's
    back is not seen)."""
    member = factories.MemberFactory(country="UY", status=Member.Status.MEMBER)
    url = reverse("members:member_list")
    assert "Uruguay" in anonymous_page(client, url)
    Member.objects.filter(pk=member.pk).update(status=Member.Status.FORMER)  # no signal: cache unaware
    page = anonymous_page(client, url)
    assert "Former members" not in page or "Uruguay" not in page.split("Former members")[1]


def test_a_member_edited_in_the_admin_shows_at_once(
    client, secretariat_user, django_capture_on_commit_callbacks
):
    member = factories.MemberFactory(country="UY", status=Member.Status.MEMBER)
    url = reverse("members:member_list")
    before = anonymous_page(client, url)
    assert "Uruguay" in before.split("Former members")[0]

    client.force_login(secretariat_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit_change_form(
            client, reverse("admin:members_member_change", args=[member.pk]), status=Member.Status.FORMER
        )
    assert response.status_code == 302, admin_errors(response)

    after = anonymous_page(client, url)
    assert "Uruguay" in after.split("Former members")[1]


def test_a_meeting_edited_in_the_admin_shows_at_once(
    client, secretariat_user, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(title="Ministerial on the rights of older persons", starts_at=in_days(20))
    url = reverse("meetings:meeting_list")
    assert "rights of older persons" in anonymous_page(client, url)

    client.force_login(secretariat_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit_change_form(
            client,
            reverse("admin:meetings_meeting_change", args=[meeting.pk]),
            title="Ministerial on the right to housing",
        )
    assert response.status_code == 302, admin_errors(response)

    page = anonymous_page(client, url)
    assert "right to housing" in page
    assert "rights of older persons" not in page


def test_saving_a_theme_or_a_mission_makes_public_pages_stale(django_capture_on_commit_callbacks):
    for change in (
        lambda: Theme.objects.first().save(),
        lambda: factories.MissionFactory(),
    ):
        before = generation()
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert generation() > before


def test_a_draft_saved_by_its_mission_leaves_the_cache_alone(staff_user, django_capture_on_commit_callbacks):
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        factories.StoryFactory(member=staff_user.mission.member, author=staff_user)
    assert generation() == before


def test_the_generation_key_is_the_one_pages_read(client):
    from django.core.cache import cache

    generation()
    assert cache.get(GENERATION_KEY) is not None
