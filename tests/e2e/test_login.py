"""Mission staff log in through the real login form in Chromium and reach their page."""

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_mission_staff_log_in_with_the_form_and_reach_their_page(live_server, page, staff_user, coordinator):
    page.goto(f"{live_server.url}/en/my/")

    # Not logged in: the portal sends the visitor to the login form.
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill(staff_user.email.upper())
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server.url}/en/my/")
    expect(page.get_by_role("heading", name=f"Welcome, {staff_user.full_name}")).to_be_visible()
    mission = page.get_by_role("region", name="Your mission")
    expect(mission).to_contain_text(staff_user.mission.name)
    expect(mission).to_contain_text(coordinator.full_name)


def test_a_wrong_password_is_answered_next_to_the_form(live_server, page, staff_user):
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.get_by_label("Email").fill(staff_user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page.get_by_label("Email")).to_have_value(staff_user.email)
