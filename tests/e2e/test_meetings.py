"""The secretariat schedules a meeting in the admin, with an agenda item presenting a story; the public page
shows it, in Geneva time."""

import pytest
from playwright.sync_api import expect

from meetings.models import Meeting
from tests.e2e.conftest import log_in
from tests.factories import TEST_PASSWORD, PublishedStoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_meeting_scheduled_in_the_admin_appears_with_its_presented_story(
    live_server, page, secretariat_user
):
    story = PublishedStoryFactory(
        title="Mobile courts reach remote villages", published_at="2026-01-10T10:00Z"
    )
    base = live_server.url
    log_in(page, base, secretariat_user.email, TEST_PASSWORD)

    page.goto(f"{base}/admin/meetings/meeting/add/")
    page.locator("#id_title").fill("Ministerial meeting on access to justice")
    page.get_by_label("Kind:").select_option("ministerial")
    page.get_by_label("City:").select_option("geneva")
    page.locator("#id_venue").fill("Palais des Nations, Room XX")
    page.get_by_label("Starts (local time):").fill("2027-01-14 10:00")
    page.get_by_label("Ends (local time):").fill("2027-01-14 12:30")
    page.locator("#id_description").fill("Members share good stories on access to justice.")

    agenda = page.locator("#agenda-group")
    agenda.locator("input[name='agenda-0-title']").fill("Good story from the field")
    agenda.locator("input[name='agenda-0-speaker']").fill("Minister of Justice")
    # The story is chosen with the admin's autocomplete (published stories only).
    agenda.locator(".field-story .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Mobile courts")
    page.locator(".select2-results__option", has_text="Mobile courts reach remote villages").click()

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    meeting = Meeting.objects.get(title="Ministerial meeting on access to justice")
    assert meeting.starts_at.isoformat() == "2027-01-14T09:00:00+00:00"  # 10:00 in Geneva in winter
    assert meeting.agenda.get().story == story

    page.goto(f"{base}{meeting.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ministerial meeting on access to justice")
    expect(page.get_by_text("Thursday 14 January 2027, 10:00")).to_be_visible()
    expect(page.get_by_text("Geneva time, UTC+0100")).to_be_visible()
    page.get_by_role("link", name="Mobile courts reach remote villages").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mobile courts reach remote villages")
    expect(page.get_by_role("region", name="Presented at")).to_contain_text(
        "Ministerial meeting on access to justice"
    )
