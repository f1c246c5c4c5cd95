"""The gallery in Chromium: a theme chosen in the form updates the results in place, words are searched on
submit, and a story opens from its title."""

import pytest
from playwright.sync_api import expect

from tests.stories.test_gallery import make_story

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_visitor_filters_searches_and_opens_a_story(live_server, page):
    make_story("ar", title="Parity law for party lists", themes=("gender-equality",), days_ago=1)
    make_story(
        "cl", title="Sign language in every school", themes=("social-inclusion",), sdgs=(10,), days_ago=2
    )
    make_story("no", title="Shelters for survivors of violence", themes=("gender-equality",), days_ago=3)
    make_story(
        "id",
        title="Open budgets in every district",
        summary="Every district publishes what it spends.",
        themes=("rule-of-law-and-good-governance",),
        sdgs=(16,),
        days_ago=4,
    )
    cards = page.locator(".story-card h3")
    heading = page.locator("#results-heading")

    page.goto(f"{live_server.url}/en/stories/")
    expect(heading).to_have_text("4 stories")
    expect(cards).to_have_count(4)

    # The filters are folded behind a button until one is in use.
    expect(page.get_by_label("Theme", exact=True)).to_be_hidden()
    page.get_by_text("Filter stories", exact=True).click()

    # Choosing a theme updates the results without leaving the page.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Theme", exact=True).select_option("gender-equality")
    expect(heading).to_have_text("2 stories")
    expect(cards).to_have_text(["Parity law for party lists", "Shelters for survivors of violence"])
    expect(page).to_have_url(f"{live_server.url}/en/stories/?theme=gender-equality&sort=newest")
    assert page.evaluate("window.stillTheSamePage") is True

    # Words are searched when the form is submitted, together with the theme still chosen.
    page.get_by_label("Words", exact=True).fill("shelters")
    page.get_by_role("button", name="Show stories").click()
    expect(heading).to_have_text("1 story")
    expect(cards).to_have_text(["Shelters for survivors of violence"])
    assert page.evaluate("window.stillTheSamePage") is True

    # Back to every theme, other words.
    page.get_by_label("Theme", exact=True).select_option("")
    page.get_by_label("Words", exact=True).fill("district spends")
    page.get_by_role("button", name="Show stories").click()
    expect(cards).to_have_text(["Open budgets in every district"])
    expect(heading).to_have_text("1 story")

    page.get_by_role("link", name="Open budgets in every district").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open budgets in every district")
    expect(page).to_have_url(f"{live_server.url}/en/stories/open-budgets-in-every-district/")
