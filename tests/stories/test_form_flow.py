"""Mission staff write a story through the site's form: photos kept across errors, no metadata kept."""

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from stories.models import PendingUpload, SdgTarget, Story, StoryImage, Theme
from tests.stories import imagefiles

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    sdg = Theme.objects.get(slug="sdg-16")
    data = {
        "title": "Birth registration for every child",
        "language": "en",
        "summary": "Every child born in the country is registered at birth, free of charge.",
        "body": "Mobile teams visit **every maternity ward**.",
        "policy_year": "2019",
        "sdgs": [str(sdg.pk)],
        "video_url": "",
        "source_url": "",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "20",
        "images-0-alt_text": "A registrar writes in a ledger at a maternity ward",
        "images-0-caption": "Registration on the day of birth",
        "images-0-credit": "Ministry of Justice",
        "images-0-consent_confirmed": "on",
        "images-0-order": "0",
        "sdg_targets_shown": "1",
        "sdg_targets": [str(SdgTarget.objects.get(code="16.9").pk)],
    }
    data.update(overrides)
    return data


def test_staff_create_a_story_with_a_photo_whose_location_is_removed(
    staff_client, staff_user, django_capture_on_commit_callbacks
):
    data = form_data()
    data["images-0-file"] = imagefiles.jpeg_with_gps()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("my_stories:story_create"), data)

    story = Story.objects.get(title="Birth registration for every child")
    assert response.status_code == 302
    assert story.status == Story.Status.DRAFT
    assert story.author == staff_user and story.member == staff_user.mission.member
    assert [t.slug for t in story.themes.all()] == ["sdg-16"]
    assert [t.code for t in story.sdg_targets.all()] == ["16.9"]
    image = StoryImage.objects.get(story=story)
    assert image.alt_text.startswith("A registrar")
    assert (image.width, image.height) == (600, 800)  # the camera's rotation was applied
    with storages["private"].open(image.original.name) as original:
        imagefiles.assert_no_metadata(original.read())
    assert image.renditions, "renditions are made (in-process in tests)"
    for entry in image.renditions.values():
        for fmt in ("webp", "jpeg"):
            with storages["default"].open(entry[fmt]) as rendition:
                imagefiles.assert_no_metadata(rendition.read())
    assert PendingUpload.objects.count() == 0


def test_an_iphone_heic_photo_is_accepted_and_every_stored_file_is_clean(
    staff_client, django_capture_on_commit_callbacks
):
    form = staff_client.get(reverse("my_stories:story_create")).content.decode()
    assert "JPEG, PNG, WebP or HEIC (iPhone photos)" in form
    assert 'accept="image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"' in form

    data = form_data()
    data["images-0-file"] = imagefiles.heic_with_gps(width=1000, height=700)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("my_stories:story_create"), data)

    assert response.status_code == 302
    image = StoryImage.objects.get(story__title="Birth registration for every child")
    assert (image.width, image.height) == (1000, 700)
    assert image.original.name.endswith(".jpg")
    with storages["private"].open(image.original.name) as original:
        imagefiles.assert_no_metadata(original.read())
    assert sorted(int(width) for width in image.renditions) == [480, 960]
    for entry in image.renditions.values():
        for fmt in ("webp", "jpeg"):
            with storages["default"].open(entry[fmt]) as rendition:
                imagefiles.assert_no_metadata(rendition.read())


def test_a_photo_is_kept_when_another_field_fails(staff_client, staff_user):
    data = form_data(title="", policy_year="3000")
    data["images-0-file"] = imagefiles.jpeg_with_gps()

    response = staff_client.post(reverse("my_stories:story_create"), data)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Please correct the errors below" in html
    assert "This field is required." in html  # the title
    assert "The year cannot be in the future." in html
    assert "Every child born in the country is registered" in html  # typed text is still there
    pending = PendingUpload.objects.get(owner=staff_user)
    assert f'name="images-0-pending_id" value="{pending.pk}"' in html
    assert "kept; no need to choose it again" in html

    # Fix the title only: the photo arrives without being chosen again.
    data = form_data(**{"images-0-pending_id": str(pending.pk)})
    response = staff_client.post(reverse("my_stories:story_create"), data)
    assert response.status_code == 302
    story = Story.objects.get(title="Birth registration for every child")
    assert story.images.count() == 1
    assert not PendingUpload.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (imagefiles.png_bomb, "too many pixels"),
        (imagefiles.renamed_text, "not a JPEG, PNG, WebP or HEIC photo"),
        (imagefiles.svg, "not a JPEG, PNG, WebP or HEIC photo"),
    ],
)
def test_unsafe_files_are_refused_next_to_the_field(staff_client, upload, message):
    data = form_data()
    data["images-0-file"] = upload()

    response = staff_client.post(reverse("my_stories:story_create"), data)
    html = response.content.decode()

    assert response.status_code == 200
    assert message in html
    assert 'id="id_images-0-file_error"' in html
    assert not Story.objects.exists()
    assert not PendingUpload.objects.exists()


def test_another_members_story_is_a_404_not_a_403(staff_client):
    from tests.factories import StoryFactory

    other = StoryFactory()
    for name in ["story_detail", "story_edit", "story_preview"]:
        assert staff_client.get(reverse(f"my_stories:{name}", args=[other.pk])).status_code == 404
    assert staff_client.post(reverse("my_stories:story_submit", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("version", [None, "", "three"])
def test_an_edit_sent_without_its_version_is_refused_and_the_text_comes_back(
    staff_client, staff_user, version
):
    staff_client.post(reverse("my_stories:story_create"), form_data(**{"images-TOTAL_FORMS": "0"}))
    story = Story.objects.get(title="Birth registration for every child")
    data = form_data(title="Birth registration, rewritten", **{"images-TOTAL_FORMS": "0"})
    if version is not None:
        data["version"] = version

    response = staff_client.post(reverse("my_stories:story_edit", args=[story.pk]), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "did not say which version of the story you started from" in page
    assert "Birth registration, rewritten" in page  # nothing typed is lost
    assert f'name="version" value="{story.version}"' in page  # saving again is a decision
    story.refresh_from_db()
    assert story.title == "Birth registration for every child"  # nothing saved


def test_an_edit_with_its_version_is_saved(staff_client, staff_user):
    staff_client.post(reverse("my_stories:story_create"), form_data(**{"images-TOTAL_FORMS": "0"}))
    story = Story.objects.get(title="Birth registration for every child")
    data = form_data(
        title="Birth registration, rewritten", version=str(story.version), **{"images-TOTAL_FORMS": "0"}
    )

    response = staff_client.post(reverse("my_stories:story_edit", args=[story.pk]), data)

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "Birth registration, rewritten"
