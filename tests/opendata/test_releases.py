"""Releases: a release of a test database is a valid Frictionless data package whose checksums match its
files; withdrawn stories and photos leave the next release while the previous one stays as it was; the
daily task releases only what changed; files are streamed, never rewritten, and deleted with their release."""

import datetime
import hashlib
import json

import frictionless
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opendata import datasets, releases
from opendata.models import DATAPACKAGE, Release, ReleaseEvent
from stories import consent as consent_services
from stories import services as story_services
from stories.models import Story, Theme
from tests import factories
from tests.opendata.data import everything, rows, stored, widest_jpeg

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 1)


@pytest.fixture
def data(member, mission):
    # The mission first: the member's coordinator (who publishes its cooperation card) works there.
    return everything(member)


def package(release: Release) -> dict:
    return json.loads(stored(release, DATAPACKAGE).read_bytes())


def validate(release: Release) -> None:
    report = frictionless.validate(str(stored(release, DATAPACKAGE)))
    errors = report.flatten(["taskName", "type", "note", "rowNumber", "fieldName"])
    assert report.valid, errors


# ---------------------------------------------------------------------------------------------------------
# The data package


def test_a_release_of_the_test_database_is_a_valid_data_package(data):
    release = releases.release_create(today=DAY)

    assert release.slug == "2026-12-01" and release.status == Release.Status.PUBLISHED
    validate(release)
    described = package(release)
    assert described["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert described["version"] == "2026-12-01"
    assert described["licenses"] == [
        {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "title": "CC BY 4.0"}
    ]
    assert [resource["name"] for resource in described["resources"]] == datasets.DATASET_NAMES


def test_the_schemas_give_types_enumerations_and_keys(data):
    described = package(releases.release_create(today=DAY))
    schemas = {resource["name"]: resource["schema"] for resource in described["resources"]}

    def column(dataset: str, name: str) -> dict:
        return next(field for field in schemas[dataset]["fields"] if field["name"] == name)

    assert column("stories", "id")["type"] == "integer"
    assert column("stories", "published_at")["type"] == "datetime"
    assert column("stories", "sdgs") == {
        "name": "sdgs",
        "type": "list",
        "description": column("stories", "sdgs")["description"],
        "delimiter": " ",
        "itemType": "integer",
    }
    assert column("stories", "regional_group")["constraints"]["enum"] == [
        "african",
        "asia_pacific",
        "eastern_european",
        "grulac",
        "weog",
    ]
    assert set(column("story_themes", "theme")["constraints"]["enum"]) == set(
        Theme.objects.values_list("slug", flat=True)
    )
    assert column("themes", "sdg_number")["constraints"]["enum"] == list(range(1, 18))
    assert column("recommendations", "mechanism")["constraints"]["enum"] == [
        "upr",
        "treaty_body",
        "special_procedures",
    ]
    assert column("meetings", "status")["constraints"]["enum"] == [
        "planned",
        "confirmed",
        "held",
        "cancelled",
    ]
    assert column("members", "founding")["type"] == "boolean"
    assert column("endorsements", "endorsed_on")["type"] == "date"
    assert schemas["stories"]["primaryKey"] == ["id"]
    assert {"fields": ["theme"], "reference": {"resource": "themes", "fields": ["slug"]}} in schemas[
        "story_themes"
    ]["foreignKeys"]


def test_every_checksum_and_size_matches_its_file(data):
    release = releases.release_create(today=DAY)

    for resource in package(release)["resources"]:
        content = stored(release, resource["path"]).read_bytes()
        assert resource["bytes"] == len(content)
        assert resource["hash"] == f"sha256:{hashlib.sha256(content).hexdigest()}"
    for entry in release.files:
        content = stored(release, entry["path"]).read_bytes()
        assert (entry["bytes"], entry["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())


def test_the_files_hold_what_is_published_and_nothing_else(data, member):
    factories.MemberFactory(status="applicant")
    release = releases.release_create(today=DAY)

    stories = rows(release, "stories")
    assert {row["id"] for row in stories} == {str(data["story"].pk), str(data["pictured"].pk)}
    assert "A draft nobody sees" not in stored(release, "stories.csv").read_text("utf-8-sig")
    by_id = {row["id"]: row for row in stories}
    assert by_id[str(data["story"].pk)]["title"] == "'=Mobile courts"  # no formula for spreadsheets
    assert by_id[str(data["pictured"].pk)]["image_urls"] == widest_jpeg(data["image"])
    assert {(row["story_id"], row["theme"]) for row in rows(release, "story_themes")} >= {
        (str(data["story"].pk), "sdg-16")
    }
    assert all(row["status"] in ("member", "former") for row in rows(release, "members"))
    meeting, elsewhere = rows(release, "meetings")[1], rows(release, "meetings")[0]
    assert (elsewhere["city"], elsewhere["place"], elsewhere["topic"]) == ("other", "Jakarta", "")
    assert meeting["stories_presented"] == str(data["story"].pk)
    assert meeting["co_chairs"] == member.iso
    assert [row["member_iso"] for row in rows(release, "endorsements")] == [member.iso]
    assert [row["id"] for row in rows(release, "recommendations")] == [str(data["recommendation"].pk)]
    assert [row["member_iso"] for row in rows(release, "cooperation")] == [member.iso]
    assert {entry["name"]: entry["rows"] for entry in release.data_files}["stories"] == 2


def test_the_columns_are_the_apis_and_every_one_has_a_type():
    columns = {dataset.name: [column.name for column in dataset.columns] for dataset in datasets.datasets()}

    for name, api_columns in datasets.api_columns().items():
        assert columns[name] == api_columns, name


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("stories", "api:stories_csv"),
        ("recommendations", "api:recommendations_csv"),
        ("endorsements", "api:endorsements_csv"),
        ("cooperation", "api:cooperation_csv"),
    ],
)
def test_a_release_file_is_the_live_csv(client, settings, data, name, url):
    settings.SITE_URL = "http://testserver"
    response = client.get(reverse(url))  # no release yet: the live file
    live = b"".join(response.streaming_content) if response.streaming else response.content

    release = releases.release_create(today=DAY)

    assert stored(release, f"{name}.csv").read_bytes() == live


def test_the_unfiltered_csv_of_the_api_is_the_latest_release_file(client, data):
    releases.release_create(today=DAY)
    latest = releases.release_create(today=DAY)

    response = client.get(reverse("api:stories_csv"))

    assert response.status_code == 302
    assert response["Location"] == storages["default"].url(f"releases/{latest.slug}/stories.csv")
    assert releases.latest_file_url("recommendations") == latest.file_url("recommendations.csv")


# ---------------------------------------------------------------------------------------------------------
# What leaves, and what stays


def test_a_withdrawn_story_and_a_withdrawn_consent_leave_the_next_release_only(
    data, staff_user, secretariat_user
):
    first = releases.release_create(today=DAY)
    first_files = {entry["path"]: stored(first, entry["path"]).read_bytes() for entry in first.files}
    photo_url = widest_jpeg(data["image"])

    story_services.story_withdraw(
        story_id=data["story"].pk, actor=secretariat_user, reason="At the member's request"
    )
    consent_services.consent_withdraw(actor=staff_user, consent_id=data["consent"].pk)
    second = releases.release_create(today=DAY + datetime.timedelta(days=1))

    assert [row["id"] for row in rows(second, "stories")] == [str(data["pictured"].pk)]
    assert photo_url not in stored(second, "stories.csv").read_text("utf-8-sig")
    assert str(data["story"].pk) not in {row["story_id"] for row in rows(second, "story_themes")}
    assert (second.previous_id, second.previous_slug) == (first.pk, "2026-12-01")
    assert (second.stories_added, second.stories_removed, second.photos_removed) == (0, 1, 1)
    assert "not in later releases" in package(second)["description"]
    validate(second)
    # The first release is as it was: the same bytes, the story and the photo still in it.
    assert {entry["path"]: stored(first, entry["path"]).read_bytes() for entry in first.files} == first_files
    assert str(data["story"].pk) in {row["id"] for row in rows(first, "stories")}
    assert photo_url in stored(first, "stories.csv").read_text("utf-8-sig")
    validate(first)


def test_the_first_release_counts_every_story_as_added(data):
    release = releases.release_create(today=DAY)

    assert (release.previous_slug, release.stories_added, release.stories_removed) == ("", 2, 0)
    assert release.withdrawn_notice == ""


def test_a_release_records_the_licence_of_its_time(data):
    from core.models import OpenDataLicence

    first = releases.release_create(today=DAY)
    OpenDataLicence.objects.create(
        name="CC0 1.0",
        url="https://creativecommons.org/publicdomain/zero/1.0/",
        attribution="No attribution needed",
    )
    cache.clear()  # as the public generation moves on once the licence is saved and committed
    second = releases.release_create(today=DAY)

    first.refresh_from_db()
    assert (first.licence_name, second.licence_name) == ("CC BY 4.0", "CC0 1.0")
    assert package(second)["licenses"][0]["name"] == "CC0-1.0"


# ---------------------------------------------------------------------------------------------------------
# Releasing only what changed; slugs; files never rewritten


def test_nothing_is_released_when_nothing_changed(data):
    first = releases.release_if_changed(today=DAY)

    assert first is not None
    assert releases.release_if_changed(today=DAY) is None
    assert releases.release_if_changed(today=DAY + datetime.timedelta(days=1)) is None
    assert Release.objects.count() == 1

    factories.PublishedStoryFactory(member=data["story"].member, title="Legal aid desks")
    second = releases.release_if_changed(today=DAY)
    assert second is not None and second.slug == "2026-12-01-2"
    assert (second.stories_added, second.stories_removed) == (1, 0)


def test_the_beat_task_releases_only_when_the_data_changed(data):
    from opendata.tasks import release_if_changed

    made = release_if_changed.delay().get()

    assert made == Release.objects.get().slug
    assert release_if_changed.delay().get() is None
    assert Release.objects.count() == 1


def test_a_second_release_the_same_day_gets_the_next_number_and_a_deleted_slug_is_never_reused(
    data, secretariat_user
):
    first = releases.release_create(today=DAY)
    second = releases.release_create(today=DAY)
    releases.release_delete(actor=secretariat_user, release_id=second.pk)
    third = releases.release_create(today=DAY)

    assert (first.slug, second.slug, third.slug) == ("2026-12-01", "2026-12-01-2", "2026-12-01-3")


def test_files_found_where_a_release_would_go_are_never_overwritten(data):
    # Left there, say, by a release whose row was lost when the database was restored from a backup.
    storages["default"].save("releases/2026-12-01/stories.csv", ContentFile(b"someone else's"))

    release = releases.release_create(today=DAY)

    assert release.slug == "2026-12-01-2"
    assert stored(Release(slug="2026-12-01"), "stories.csv").read_bytes() == b"someone else's"
    validate(release)


def test_a_file_appearing_while_the_release_is_saved_stops_it(data, monkeypatch):
    real_save = releases._save

    def racing(name, content):
        if name.endswith("members.csv"):
            storages["default"].save(name, ContentFile(b"another run"))
        real_save(name, content)

    monkeypatch.setattr(releases, "_save", racing)

    with pytest.raises(FileExistsError):
        releases.release_create(today=DAY)

    # Nothing of the failed release stays: no row, none of its own files; the file found is untouched.
    assert not Release.objects.exists()
    assert storages["default"].listdir("releases/2026-12-01")[1] == ["members.csv"]
    assert stored(Release(slug="2026-12-01"), "members.csv").read_bytes() == b"another run"


def test_a_failure_half_way_leaves_nothing_public(data, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(releases, "datapackage", broken)

    with pytest.raises(RuntimeError):
        releases.release_create(today=DAY)

    assert not Release.objects.exists()
    assert storages["default"].listdir("releases/2026-12-01")[1] == []


# ---------------------------------------------------------------------------------------------------------
# Deleting a release that published something by mistake


def test_the_secretariat_deletes_a_release_with_its_files_and_it_is_logged(data, secretariat_user):
    release = releases.release_create(today=DAY)
    paths = [stored(release, entry["path"]) for entry in release.files]
    assert all(path.exists() for path in paths)

    slug = releases.release_delete(actor=secretariat_user, release_id=release.pk, note="A face was visible")

    assert slug == "2026-12-01" and not Release.objects.exists()
    assert not any(path.exists() for path in paths)
    event = ReleaseEvent.objects.get(action=ReleaseEvent.Action.DELETED)
    assert (event.slug, event.actor) == ("2026-12-01", secretariat_user)
    assert "A face was visible" in event.note and "releases/2026-12-01/stories.csv" in event.note
    assert releases.latest_file_url("stories") is None


def test_nobody_else_deletes_a_release(data, staff_user):
    release = releases.release_create(today=DAY)
    coordinator = staff_user.mission.users.get(role="coordinator")

    for person in (staff_user, coordinator):
        with pytest.raises(PermissionDenied):
            releases.release_delete(actor=person, release_id=release.pk)
    assert Release.objects.filter(pk=release.pk).exists()
    assert stored(release, "stories.csv").exists()


# ---------------------------------------------------------------------------------------------------------
# Streaming: stories are read in chunks, never all at once


def _many_stories(member, count: int, batch: str) -> None:
    theme = Theme.objects.get(slug="sdg-16")
    stories = Story.objects.bulk_create(
        Story(
            member=member,
            title=f"Story {number}",
            slug=f"bulk-story-{batch}-{number}",
            status=Story.Status.PUBLISHED,
            published_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
            + datetime.timedelta(minutes=number),
        )
        for number in range(count)
    )
    Story.themes.through.objects.bulk_create(
        Story.themes.through(story_id=story.pk, theme_id=theme.pk) for story in stories
    )


def _queries_to_build(tmp_path) -> int:
    with CaptureQueriesContext(connection) as queries:
        releases.release_build(tmp_path)
    return len(queries)


def test_the_stories_are_read_in_chunks_with_a_fixed_number_of_queries_each(member, tmp_path):
    _many_stories(member, 1000, "a")  # two chunks of 500
    two_chunks = _queries_to_build(tmp_path / "a")
    _many_stories(member, 1000, "b")  # four
    four_chunks = _queries_to_build(tmp_path / "b")

    per_chunk = (four_chunks - two_chunks) / 2
    # Each chunk of 500 costs its prefetches (themes, targets, citations, inspirations, photos,
    # translations): a handful, never one per story.
    assert 0 < per_chunk <= 12 and per_chunk == int(per_chunk)
    assert four_chunks < 100
    built = releases.release_build(tmp_path / "c")
    assert {entry["name"]: entry["rows"] for entry in built.files}["stories"] == 2000


@pytest.fixture
def tmp_path(tmp_path_factory):
    # Each build wants an empty folder of its own.
    base = tmp_path_factory.mktemp("builds")
    for name in ("a", "b", "c"):
        (base / name).mkdir()
    return base


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_release_made_outside_any_transaction_reads_one_snapshot(member, mission):
    # As the beat and the command run it: on PostgreSQL, every file from one REPEATABLE READ snapshot.
    data = everything(member)

    release = releases.release_create(today=DAY)

    assert [row["id"] for row in rows(release, "stories")] == [
        str(data["pictured"].pk),
        str(data["story"].pk),
    ]
    validate(release)
