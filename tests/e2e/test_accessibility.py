"""Every public page and every staff form, checked by axe in Chromium, in English and in Arabic; the story
form used with the keyboard alone; pages readable at 320 pixels wide and at 200% zoom."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import timezone, translation

from core.db_outage import database_unavailable
from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting, Participant, ParticipantConsent
from stories.models import Story
from tests.e2e.conftest import log_in
from tests.factories import TEST_PASSWORD, PublishedStoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Axe()
BLOCKING = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def content(staff_user):
    story = PublishedStoryFactory(
        member=staff_user.mission.member,
        title="Mobile courts reach remote villages",
        published_at=timezone.now(),
    )
    start = timezone.now() + datetime.timedelta(days=30)
    meeting = meeting_services.meeting_save(
        meeting=Meeting(
            title="Ministerial meeting on access to justice",
            kind=Meeting.Kind.MINISTERIAL,
            city=Meeting.City.GENEVA,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            status=Meeting.Status.CONFIRMED,
            description="Members share good stories.",
        )
    )
    AgendaItem.objects.create(meeting=meeting, title="A good story", story=story)
    participant = Participant.objects.create(
        meeting=meeting, name="A. Expert", category=Participant.Category.EXPERT
    )
    ParticipantConsent.objects.create(
        participant=participant,
        who=participant.name,
        uses=["portal"],
        given_on=timezone.localdate(),
        obtained_how="Signed form",
    )
    return story, meeting


PUBLIC_PATHS = [
    "/{lang}/",
    "/{lang}/stories/",
    "/{lang}/stories/?q=courts&theme=nope",
    "/{lang}/stories/{slug}/",
    "/{lang}/members/",
    "/{lang}/members/{iso}/",
    "/{lang}/meetings/",
    "/{lang}/meetings/{meeting}/",
    "/{lang}/meetings/{meeting}/present/",
    "/{lang}/accounts/login/",
    "/{lang}/accounts/password/reset/",
]
STAFF_PATHS = [
    "/{lang}/my/",
    "/{lang}/my/stories/",
    "/{lang}/my/stories/new/",
    "/{lang}/accounts/password/change/",
]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_public_pages_and_staff_forms_have_no_serious_axe_violation(
    live_server, page, content, staff_user, lang
):
    story, meeting = content
    values = {"lang": lang, "slug": story.slug, "iso": story.member.iso.lower(), "meeting": meeting.slug}
    failures = {}
    for template in PUBLIC_PATHS:
        path = template.format(**values)
        page.goto(f"{live_server.url}{path}")
        if found := serious_violations(page):
            failures[path] = found

    log_in(page, live_server.url, staff_user.email, TEST_PASSWORD)
    for template in STAFF_PATHS:
        path = template.format(**values)
        page.goto(f"{live_server.url}{path}")
        if found := serious_violations(page):
            failures[path] = found
    # The story form after a failed submission: errors and their summary must be accessible too.
    page.goto(f"{live_server.url}/{lang}/my/stories/new/")
    page.locator("button[name='save']").click()
    if found := serious_violations(page):
        failures["story form with errors"] = found

    assert failures == {}


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until the element is focused: proves it is reachable by keyboard, in order."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_a_story_is_written_and_saved_with_the_keyboard_alone(live_server, page, staff_user):
    log_in(page, live_server.url, staff_user.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/en/my/stories/new/")

    # A first try without a title: the error summary takes the focus and links to the field.
    tab_to(page, "button[name='save']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    tab_to(page, ".error-summary a[href='#id_title']")
    page.keyboard.press("Enter")

    tab_to(page, "#id_title")
    page.keyboard.type("Night schools for adults")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused field shows where the focus is"
    tab_to(page, "#id_summary")
    page.keyboard.type("Adults who never finished school can do so in the evening.")
    tab_to(page, "#id_body")
    page.keyboard.type("Classes run in every district.")
    tab_to(page, "#id_policy_year")
    page.keyboard.type("2016")
    tab_to(page, "input[name='sdgs'][value]:is([id$='_3'])")  # SDG 4, Quality Education
    page.keyboard.press("Space")
    tab_to(page, "button[name='save']")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    story = Story.objects.get(title="Night schools for adults")
    assert story.policy_year == 2016
    assert [t.sdg_number for t in story.themes.all()] == [4]
    assert page.get_by_text("Your draft is saved.").is_visible()


@pytest.mark.parametrize("width", [320, 640])
def test_pages_fit_a_narrow_screen_without_sideways_scrolling(
    live_server, new_page, content, staff_user, width
):
    story, meeting = content
    page = new_page()
    page.set_viewport_size({"width": width, "height": 800})
    paths = [
        "/en/",
        "/ar/",
        "/en/stories/",
        f"/en/stories/{story.slug}/",
        "/en/members/",
        f"/en/meetings/{meeting.slug}/",
    ]
    too_wide = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide[path] = scroll_width
    log_in(page, live_server.url, staff_user.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/en/my/stories/new/")
    if (scroll_width := page.evaluate("document.documentElement.scrollWidth")) > width:
        too_wide["story form"] = scroll_width
    assert too_wide == {}


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_database_outage_page_has_no_serious_axe_violation(page, lang, method):
    """The 503 page cannot be reached on purpose here (tests/faults stops a real PostgreSQL for that): it is
    rendered as a request would get it and given to the browser as it is."""
    factory = RequestFactory()
    request = (
        factory.post(f"/{lang}/my/stories/new/", {"title": "Night schools", "body": "In every district."})
        if method == "post"
        else factory.get(f"/{lang}/stories/")
    )
    with translation.override(lang):
        html = database_unavailable(request, OperationalError("connection refused")).content.decode()
    page.set_content(html)
    assert serious_violations(page) == []
