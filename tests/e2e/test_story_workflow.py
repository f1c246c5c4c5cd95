"""The whole path of a story, in Chromium: written with a photo and submitted by mission staff, sent back
by the secretariat in the admin, fixed and resubmitted, approved, and read by the public."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from stories.models import Story
from tests.e2e.conftest import log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (40, 110, 170)).save(buffer, "JPEG")
    return buffer.getvalue()


def run_admin_action(page, base_url: str, story: Story, action: str, comment: str) -> None:
    page.goto(f"{base_url}/admin/stories/story/")
    page.check(f"input[name='_selected_action'][value='{story.pk}']")
    page.select_option("select[name='action']", action)
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Comment").fill(comment)
    page.locator("input[type='submit']").click()
    expect(page.locator(".messagelist")).to_contain_text("done")


def test_a_story_from_first_draft_to_its_public_page(live_server, new_page, staff_user, secretariat_user):
    base = live_server.url
    staff, secretariat, visitor = new_page(), new_page(), new_page()

    # Mission staff write the story with a photo and submit it.
    log_in(staff, base, staff_user.email, TEST_PASSWORD)
    staff.goto(f"{base}/en/my/stories/new/")
    staff.locator("#id_title").fill("Mobile courts for remote islands")
    staff.locator("#id_summary").fill("Judges sail to the islands so that nobody waits years for a hearing.")
    staff.locator("#id_body").fill("Hearings are held in **community halls**.")
    staff.get_by_label("Year the policy started").fill("2018")
    staff.get_by_label("Peace, Justice and Strong Institutions").check()
    staff.set_input_files(
        "input[name='images-0-file']",
        files=[{"name": "court.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}],
    )
    staff.get_by_label("Text alternative").fill("A judge listens to a fisherman in a community hall")
    staff.get_by_label("Everyone who can be recognised in this photo agreed to its publication.").check()
    staff.get_by_role("button", name="Save and submit for review").click()
    expect(staff.get_by_text("Your story is submitted.")).to_be_visible()
    story = Story.objects.get(title="Mobile courts for remote islands")
    assert story.status == Story.Status.SUBMITTED

    # The secretariat asks for a change in the admin.
    log_in(secretariat, base, secretariat_user.email, TEST_PASSWORD)
    run_admin_action(secretariat, base, story, "request_changes", "Please say how many islands are served.")

    # Staff see the comment, fix the story and resubmit it.
    staff.goto(f"{base}/en/my/stories/")
    expect(staff.get_by_text("Please say how many islands are served.")).to_be_visible()
    staff.get_by_role("link", name="Mobile courts for remote islands").click()
    staff.get_by_role("link", name="Edit").click()
    staff.locator("#id_summary").fill("Judges sail to 14 islands so that nobody waits years for a hearing.")
    staff.get_by_role("button", name="Save and submit for review").click()
    expect(staff.get_by_text("Your story is submitted.")).to_be_visible()

    # The secretariat approves it.
    run_admin_action(secretariat, base, story, "approve", "Thank you.")
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED

    # Anyone can read it, with its photo.
    visitor.goto(f"{base}{story.get_absolute_url()}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Mobile courts for remote islands")
    expect(visitor.get_by_text("Judges sail to 14 islands")).to_be_visible()
    photo = visitor.get_by_role("img", name="A judge listens to a fisherman in a community hall")
    expect(photo).to_be_visible()
    assert visitor.evaluate("document.querySelector('.story-hero img').naturalWidth") > 0
