"""The pages of issues 13 and 14 not checked elsewhere, by axe in Chromium, in English and in Arabic: who
inspired whom, the declaration, a mission's picker of recommendations, its inspired-by and exchange pages, and
a coordinator's list of links to confirm."""

import pytest
from django.utils import timezone

from recommendations.models import Exchange, Inspiration
from tests import factories
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import serious_violations
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_new_pages_have_no_serious_axe_violation(live_server, new_page, staff_user, lang):
    base = live_server.url
    member = staff_user.mission.member
    coordinator = factories.CoordinatorFactory(mission=staff_user.mission)
    other = factories.MemberFactory(regional_group="african")
    theirs = factories.PublishedStoryFactory(
        member=other, title="Prison monitors", published_at=timezone.now()
    )
    ours = factories.PublishedStoryFactory(member=member, title="Prison visits", published_at=timezone.now())
    draft = factories.StoryFactory(member=member, author=staff_user, title="Legal aid desks")
    factories.RecommendationFactory(country=member.country, text="Guarantee legal aid to everyone")
    received = factories.RecommendationFactory(country=member.country, text="Ratify the OPCAT")
    Inspiration.objects.create(story=ours, source=theirs, status="confirmed", decided_at=timezone.now())
    Inspiration.objects.create(story=factories.PublishedStoryFactory(member=other), source=ours)
    exchange = Exchange.objects.create(
        from_member=member, to_member=other, story=theirs, recommendation=received, requested_by=staff_user
    )

    page = new_page()
    found = {}
    for path in (f"/{lang}/replication/", f"/{lang}/declaration/", f"/{lang}/recommendations/{received.pk}/"):
        page.goto(f"{base}{path}")
        found[path] = serious_violations(page)

    log_in(page, base, coordinator.email, TEST_PASSWORD)
    for path in (
        f"/{lang}/my/stories/{draft.pk}/recommendations/",
        f"/{lang}/my/stories/{draft.pk}/recommendations/?q=legal",
        f"/{lang}/my/stories/{draft.pk}/inspired-by/",
        f"/{lang}/my/inspirations/",
        f"/{lang}/my/exchanges/",
        f"/{lang}/my/exchanges/{exchange.pk}/",
        f"/{lang}/my/",
    ):
        page.goto(f"{base}{path}")
        found[path] = serious_violations(page)
    # The hand-entry form shown again with its errors.
    page.goto(f"{base}/{lang}/my/stories/{draft.pk}/recommendations/")
    page.locator("input[name=action][value=manual]").locator("xpath=..").locator(
        "button[type=submit]"
    ).click()
    found["manual entry with errors"] = serious_violations(page)
    assert {path: problems for path, problems in found.items() if problems} == {}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_cooperation_pages_have_no_serious_axe_violation(
    live_server, new_page, staff_user, secretariat_user, lang
):
    from cooperation import publishing
    from cooperation.models import Communication, Mandate, VisitRequest

    base = live_server.url
    member = staff_user.mission.member
    coordinator = factories.CoordinatorFactory(mission=staff_user.mission)
    mandate = Mandate.objects.order_by("pk").first()
    today = timezone.localdate()
    year = today.year
    now = timezone.now()
    VisitRequest.objects.create(
        member=member,
        mandate=mandate,
        requested_on=today,
        reply_due_on=today,
        confirmed_at=now,
        status="accepted",
    )
    Communication.objects.create(
        member=member, kind="allegation", reference="AL 1/2026", received_on=today, reply_due_on=today
    )
    publishing.card_publish(actor=coordinator, member_id=member.pk, year=year)

    page = new_page()
    found = {}
    for path in (f"/{lang}/cooperation/", f"/{lang}/members/{member.iso.lower()}/cooperation/"):
        page.goto(f"{base}{path}")
        found[path] = serious_violations(page)
    log_in(page, base, coordinator.email, TEST_PASSWORD)
    for path in (
        f"/{lang}/my/cooperation/",
        f"/{lang}/my/cooperation/confirm/",
        f"/{lang}/my/cooperation/publish/",
        f"/{lang}/my/cooperation/review/{year}/",
        f"/{lang}/my/cooperation/visits/new/",
        f"/{lang}/my/cooperation/communications/new/",
    ):
        page.goto(f"{base}{path}")
        found[path] = serious_violations(page)
    secretariat = new_page()
    log_in(secretariat, base, secretariat_user.email, TEST_PASSWORD)
    for path in (f"/{lang}/my/cooperation/dashboard/", f"/{lang}/my/cooperation/coalition/{year}/"):
        secretariat.goto(f"{base}{path}")
        found[path] = serious_violations(secretariat)
    assert {path: problems for path, problems in found.items() if problems} == {}
