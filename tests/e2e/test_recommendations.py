"""Issue 13 end to end, in Chromium: a mission picks the UN recommendation its story answers; once published,
the story shows on the recommendation's page and on the member's page; another member's mission finds it in
the matchmaker, asks for an exchange, writes its own story "inspired by" it; the first member's coordinator
confirms, and both story pages and /replication/ show the link."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from recommendations.models import Exchange, Inspiration
from stories import services
from stories.models import Story, Theme
from tests import factories
from tests.e2e.conftest import log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OPCAT = "Ratify the Optional Protocol to the Convention against Torture"


def test_a_recommendation_answered_matched_asked_about_and_taken_up(live_server, new_page, secretariat_user):
    base = live_server.url
    first = factories.MemberFactory(country="MX", regional_group="grulac")
    other = factories.MemberFactory(country="KE", regional_group="african")
    first_staff = factories.UserFactory(mission=factories.MissionFactory(member=first))
    first_coordinator = factories.CoordinatorFactory(
        mission=first_staff.mission, email="coord.mx@example.org"
    )
    other_staff = factories.UserFactory(mission=factories.MissionFactory(member=other))
    factories.CoordinatorFactory(mission=other_staff.mission)
    to_first = factories.RecommendationFactory(
        country="MX", symbol="A/HRC/40/8", paragraph="132.17", text=OPCAT + "."
    )
    to_other = factories.RecommendationFactory(
        country="KE", symbol="A/HRC/44/9", paragraph="142.3", text="Consider ratifying the " + OPCAT[4:]
    )
    sdg16 = Theme.objects.filter(sdg_number=16)

    # The first member's mission writes a story and picks the recommendation it answers.
    story = factories.StoryFactory(
        member=first, author=first_staff, title="Visits to every prison", themes=sdg16
    )
    staff = new_page()
    log_in(staff, base, first_staff.email, TEST_PASSWORD)
    staff.goto(f"{base}/en/my/stories/{story.pk}/edit/")
    staff.get_by_role("link", name="Choose the UN recommendations this story answers").click()
    staff.get_by_label("Words").fill("132.17")
    staff.get_by_role("button", name="Search").click()
    staff.get_by_role("button", name="Add", exact=True).click()
    expect(staff.locator("#cited-heading")).to_have_text("1 recommendation answered")
    assert list(story.citations.values_list("recommendation_id", flat=True)) == [to_first.pk]

    services.story_submit(story_id=story.pk, actor=first_staff)
    services.story_approve(story_id=story.pk, actor=secretariat_user)

    # The public sees it on the recommendation's page and on the member's page.
    visitor = new_page()
    visitor.goto(f"{base}/en/recommendations/{to_first.pk}/")
    expect(visitor.get_by_role("link", name="Visits to every prison")).to_be_visible()
    visitor.goto(f"{base}/en/members/mx/")
    expect(visitor.get_by_role("heading", name="UN recommendations received")).to_be_visible()
    visitor.goto(f"{base}/en/stories/{story.slug}/")
    expect(visitor.get_by_role("link", name="A/HRC/40/8, para. 132.17")).to_be_visible()

    # The other member's mission finds it in the matchmaker and asks for an exchange.
    asker = new_page()
    log_in(asker, base, other_staff.email, TEST_PASSWORD)
    asker.goto(f"{base}/en/my/matchmaker/")
    expect(asker.get_by_role("link", name="Visits to every prison").first).to_be_visible()
    asker.get_by_role("button", name="Ask for an exchange").first.click()
    asker.get_by_label("Message").fill("Could your prison inspectors brief ours in Geneva next month?")
    mail.outbox.clear()
    asker.get_by_role("button", name="Send the request").click()
    exchange = Exchange.objects.get()
    assert (exchange.from_member, exchange.to_member, exchange.recommendation) == (other, first, to_other)
    assert any(first_coordinator.email in message.to for message in mail.outbox)

    # It writes its own story and says the first member's story inspired it.
    own = factories.StoryFactory(
        member=other, author=other_staff, title="Independent prison monitors", themes=sdg16
    )
    asker.goto(f"{base}/en/my/stories/{own.pk}/inspired-by/")
    asker.get_by_label("Visits to every prison", exact=False).check()
    asker.get_by_role("button", name="Send to the other member's coordinator").click()
    link = Inspiration.objects.get()
    assert (link.story, link.source, link.status) == (own, story, Inspiration.Status.PROPOSED)

    # The first member's coordinator confirms.
    coordinator = new_page()
    log_in(coordinator, base, first_coordinator.email, TEST_PASSWORD)
    coordinator.goto(f"{base}/en/my/inspirations/")
    coordinator.get_by_role("button", name="Confirm").click()
    link.refresh_from_db()
    assert link.status == Inspiration.Status.CONFIRMED

    services.story_submit(story_id=own.pk, actor=other_staff)
    services.story_approve(story_id=own.pk, actor=secretariat_user)
    own.refresh_from_db()
    assert own.status == Story.Status.PUBLISHED

    # Both story pages and /replication/ show the link (to a new visitor: browsers may keep a public page
    # for PUBLIC_MAX_AGE seconds).
    visitor = new_page()
    visitor.goto(f"{base}/en/stories/{own.slug}/")
    inspired_by = visitor.locator("section", has=visitor.get_by_role("heading", name="Inspired by"))
    expect(inspired_by.get_by_role("link", name="Visits to every prison")).to_be_visible()
    visitor.goto(f"{base}/en/stories/{story.slug}/")
    taken_up = visitor.locator("section", has=visitor.get_by_role("heading", name="Taken up in 1 country"))
    expect(taken_up.get_by_role("link", name="Independent prison monitors")).to_be_visible()
    visitor.goto(f"{base}/en/replication/")
    table = visitor.locator("table")
    expect(table).to_contain_text("Independent prison monitors")
    expect(table).to_contain_text("Visits to every prison")
    expect(visitor.locator("svg[role='img']")).to_be_visible()
