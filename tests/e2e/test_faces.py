"""A photo with a face, in Chromium: uploaded by mission staff, held, boxed on its faces page, blurred by
choice; once the story is published, no public rendition served contains the face (the detector, run on
the bytes the browser receives, finds none)."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from stories import faces, services
from stories.models import Story, StoryImage
from tests.e2e.conftest import log_in
from tests.factories import TEST_PASSWORD
from tests.stories.test_faces import face_photo, jpeg_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_photo_with_a_face_is_blurred_by_choice_and_no_public_copy_shows_it(
    live_server, new_page, staff_user, secretariat_user
):
    base = live_server.url
    staff, visitor = new_page(), new_page()
    log_in(staff, base, staff_user.email, TEST_PASSWORD)
    staff.goto(f"{base}/en/my/stories/new/")
    staff.locator("#id_title").fill("Hearings under the mango tree")
    staff.locator("#id_summary").fill("Judges hear cases where people live.")
    staff.locator("#id_body").fill("Mobile courts sit in villages.")
    staff.get_by_label("Year the policy started").fill("2018")
    staff.get_by_label("Peace, Justice and Strong Institutions").check()
    upload = {"name": "judge.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(face_photo((1200, 1200)))}
    staff.set_input_files("input[name='images-0-file']", files=[upload])
    staff.get_by_label("Text alternative").fill("A judge in an orange suit")
    staff.get_by_label("Everyone who can be recognised in this photo agreed to its publication.").check()
    staff.get_by_role("button", name="Save draft").click()
    expect(staff.get_by_text("Your draft is saved.")).to_be_visible()

    story = Story.objects.get(title="Hearings under the mango tree")
    image = StoryImage.objects.get(story=story)
    assert image.face_detection == "found" and image.renditions == {}

    # The form says so; the faces page boxes the face on the photo.
    expect(staff.get_by_text("Faces found: decide before submitting")).to_be_visible()
    staff.get_by_role("link", name="Check the faces and decide").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Faces in a photo")
    expect(staff.locator("svg rect")).to_have_count(1)
    staff.get_by_label("Blur every face").check()
    staff.get_by_role("button", name="Save the decision").click()
    expect(staff.get_by_text("Your decision on the faces is saved.")).to_be_visible()

    image.refresh_from_db()
    assert image.face_decision == "blur" and image.renditions
    services.story_submit(story_id=story.pk, actor=staff_user)
    services.story_approve(story_id=story.pk, actor=secretariat_user)

    visitor.goto(f"{base}{Story.objects.get(pk=story.pk).get_absolute_url()}")
    photo = visitor.get_by_role("img", name="A judge in an orange suit")
    expect(photo).to_be_visible()
    html = visitor.content()
    urls = set(re.findall(r"(/media/stories/renditions/[^\s\"',]+)", html))
    assert len(urls) == 2 * len(image.renditions), urls  # every width, WebP and JPEG
    for url in urls:
        response = visitor.request.get(f"{base}{url}")
        assert response.ok, url
        served = Image.open(io.BytesIO(response.body())).convert("RGB")
        assert faces.detect_faces(served).boxes == [], url
