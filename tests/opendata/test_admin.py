"""The releases in the admin: the secretariat sees them read-only, deletes one (after a confirmation that
names its files) with its files, and the deletion is logged; nobody adds or changes one."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from members.roles import SECRETARIAT_GROUP
from opendata import releases
from opendata.models import Release, ReleaseEvent
from tests.opendata.data import everything, stored

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 1)


@pytest.fixture
def released(member, mission):
    everything(member)
    return releases.release_create(today=DAY)


def test_the_secretariat_group_views_and_deletes_releases_and_changes_none(db):
    granted = set(
        Group.objects.get(name=SECRETARIAT_GROUP)
        .permissions.filter(content_type__app_label="opendata")
        .values_list("codename", flat=True)
    )

    assert granted == {"view_release", "delete_release", "view_releaseevent"}


def test_a_release_is_shown_read_only_with_its_files(secretariat_client, released):
    changelist = secretariat_client.get(reverse("admin:opendata_release_changelist"))
    page = secretariat_client.get(reverse("admin:opendata_release_change", args=[released.pk]))
    html = page.content.decode()

    assert changelist.status_code == 200 and "2026-12-01" in changelist.content.decode()
    assert page.status_code == 200
    assert released.file("stories")["sha256"] in html
    assert 'href="/media/releases/2026-12-01/stories.csv"' in html
    assert 'name="_save"' not in html
    assert secretariat_client.get(reverse("admin:opendata_release_add")).status_code == 403
    response = secretariat_client.post(
        reverse("admin:opendata_release_change", args=[released.pk]), {"withdrawn_notice": "changed"}
    )
    assert response.status_code == 403


def test_deleting_asks_first_then_deletes_the_files_and_logs_it(
    secretariat_client, secretariat_user, released
):
    url = reverse("admin:opendata_release_delete", args=[released.pk])
    paths = [stored(released, entry["path"]) for entry in released.files]

    confirmation = secretariat_client.get(url).content.decode()
    assert "deletes its files from the public site" in confirmation
    assert "releases/2026-12-01/stories.csv" in confirmation
    assert all(path.exists() for path in paths)

    response = secretariat_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Release.objects.exists()
    assert not any(path.exists() for path in paths)
    event = ReleaseEvent.objects.get(action=ReleaseEvent.Action.DELETED)
    assert (event.slug, event.actor) == ("2026-12-01", secretariat_user)


def test_deleting_several_from_the_list_goes_through_the_service(secretariat_client, released):
    second = releases.release_create(today=DAY)
    changelist = reverse("admin:opendata_release_changelist")
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [released.pk, second.pk]}

    confirmation = secretariat_client.post(changelist, data).content.decode()
    assert "deletes its files from the public site" in confirmation
    secretariat_client.post(changelist, {**data, "post": "yes"})

    assert not Release.objects.exists()
    assert ReleaseEvent.objects.filter(action=ReleaseEvent.Action.DELETED).count() == 2
    assert not stored(second, "stories.csv").exists()


def test_the_log_is_read_only(secretariat_client, released):
    event = ReleaseEvent.objects.get()

    assert secretariat_client.get(reverse("admin:opendata_releaseevent_changelist")).status_code == 200
    page = secretariat_client.get(
        reverse("admin:opendata_releaseevent_change", args=[event.pk])
    ).content.decode()
    assert 'name="_save"' not in page
    assert (
        secretariat_client.post(reverse("admin:opendata_releaseevent_delete", args=[event.pk])).status_code
        == 403
    )
