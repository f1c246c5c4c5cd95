"""The matchmaker: recommendations a member received that another member has a good story about."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from recommendations.matchmaker import matches
from recommendations.models import Citation, Exchange
from stories.models import SdgTarget, Theme
from tests import factories

# The browser's fixtures, for the axe test at the end (it skips without Chromium).
from tests.e2e.conftest import _orm_beside_playwright, browser, log_in, new_page, page  # noqa: F401

pytestmark = pytest.mark.django_db

TORTURE = "Ratify the Optional Protocol to the Convention against Torture"
TORTURE_ELSEWHERE = "Consider ratifying the Optional Protocol to the Convention against Torture."


# ---------------------------------------------------------------------------------------------------------
# Helpers


def target(code: str) -> SdgTarget:
    return SdgTarget.objects.get(code=code)


def theme(slug: str) -> Theme:
    return Theme.objects.get(slug=slug)


def recommendation(member, *, text=None, targets=(), themes=(), **fields):
    kwargs = {"country": member.country, **fields}
    if text is not None:
        kwargs["text"] = text
    rec = factories.RecommendationFactory(**kwargs)
    rec.sdg_targets.set(targets)
    rec.themes.set(themes)
    return rec


def story(member, *, targets=(), themes=(), published=True, cites=(), **fields):
    factory = factories.PublishedStoryFactory if published else factories.StoryFactory
    made = factory(member=member, themes=list(themes), **fields)
    made.sdg_targets.set(targets)
    for rec in cites:
        Citation.objects.create(story=made, recommendation=rec, mechanism=rec.mechanism, symbol=rec.symbol)
    return made


@pytest.fixture
def other():
    """Another member, with a mission and its coordinator."""
    mission = factories.MissionFactory()
    factories.CoordinatorFactory(mission=mission, full_name="Olga Other", language="fr")
    return mission.member


# ---------------------------------------------------------------------------------------------------------
# Matching


def test_matches_by_family_target_and_theme_best_first(member, other):
    by_family = recommendation(member, text=TORTURE)
    by_target = recommendation(member, text="Guarantee legal aid to everyone", targets=[target("16.3")])
    by_theme = recommendation(member, text="Protect journalists", themes=[theme("social-justice")])
    cited = recommendation(other, text=TORTURE_ELSEWHERE)
    family_story = story(other, cites=[cited], title="Prevention visits")
    target_story = story(other, targets=[target("16.3")], title="Legal aid desks")
    theme_story = story(other, themes=[theme("social-justice")], title="Press freedom")

    found = matches(member)

    assert [(m.recommendation, m.story, m.score) for m in found] == [
        (by_family, family_story, 3),
        (by_target, target_story, 2),
        (by_theme, theme_story, 1),
    ]
    assert found[0].reasons == [f"same recommendation made to {other.name}"]
    assert found[1].reasons == ["SDG target 16.3"]
    assert found[2].reasons == ["theme: Social justice"]


def test_reasons_add_up_for_one_pair(member, other):
    rec = recommendation(member, text=TORTURE, targets=[target("16.a")], themes=[theme("peace-and-security")])
    cited = recommendation(other, text=TORTURE_ELSEWHERE)
    both = story(other, cites=[cited], targets=[target("16.a")], themes=[theme("peace-and-security")])
    only_target = story(other, targets=[target("16.a")])

    found = matches(member)

    assert [(m.recommendation, m.story, m.score) for m in found] == [(rec, both, 6), (rec, only_target, 2)]
    assert found[0].reasons == [
        f"same recommendation made to {other.name}",
        "SDG target 16.a",
        "theme: Peace and security",
    ]


def test_one_entry_per_recommendation_and_story(member, other):
    rec = recommendation(member, targets=[target("16.3"), target("16.10")])
    found_story = story(other, targets=[target("16.3"), target("16.10")])

    found = matches(member)

    assert len(found) == 1
    assert (found[0].recommendation, found[0].story, found[0].score) == (rec, found_story, 2)
    assert found[0].reasons == ["SDG target 16.3", "SDG target 16.10"]


def test_own_stories_and_unpublished_stories_are_not_matched(member, other):
    recommendation(member, targets=[target("16.3")])
    story(member, targets=[target("16.3")])  # our own
    story(other, targets=[target("16.3")], published=False)  # a draft
    story(other, targets=[target("16.3")], status="withdrawn")

    assert matches(member) == []


def test_recommendations_our_own_story_answers_are_left_out(member, other):
    answered = recommendation(member, targets=[target("16.3")])
    open_one = recommendation(member, targets=[target("16.3")])
    story(member, cites=[answered], published=False)
    theirs = story(other, targets=[target("16.3")])

    assert [(m.recommendation, m.story) for m in matches(member)] == [(open_one, theirs)]


def test_recommendations_to_other_states_are_not_ours(member, other):
    recommendation(other, targets=[target("16.3")])
    story(other, targets=[target("16.3")])

    assert matches(member) == []


def test_filter_by_mechanism(member, other):
    upr = recommendation(member, targets=[target("16.3")])
    treaty = recommendation(
        member, targets=[target("16.3")], mechanism="treaty_body", body="CAT", response=""
    )
    story(other, targets=[target("16.3")])

    assert [m.recommendation for m in matches(member, mechanism="treaty_body")] == [treaty]
    assert [m.recommendation for m in matches(member, mechanism="upr")] == [upr]
    assert len(matches(member)) == 2


def test_limit(member, other):
    for _ in range(3):
        recommendation(member, targets=[target("16.3")])
    story(other, targets=[target("16.3")])
    story(other, targets=[target("16.3")])

    assert len(matches(member)) == 6
    assert len(matches(member, limit=4)) == 4


def _rows(member, other, count: int) -> None:
    for n in range(count):
        cited = recommendation(other, text=f"Protect the rights of group number {n} {'x' * n} fully")
        recommendation(
            member,
            text=f"Protect the rights of group number {n} {'x' * n} fully",
            targets=[target("16.3")],
            themes=[theme("social-justice")],
        )
        story(other, cites=[cited], targets=[target("16.3")], themes=[theme("social-justice")])


def _count_queries(member) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        found = matches(member)
        for match in found:
            match.reasons, match.story.member.name, match.recommendation.reference  # noqa: B018
    return len(captured.captured_queries), len(found)


def test_query_count_does_not_grow_with_rows(member, other):
    _rows(member, other, 5)
    few, found_few = _count_queries(member)
    _rows(member, other, 45)
    many, found_many = _count_queries(member)

    assert found_few == 25 and found_many == 50
    assert few == many <= 10


# ---------------------------------------------------------------------------------------------------------
# The page


def test_the_page_lists_matches_with_their_reasons_and_a_button(staff_client, member, other):
    rec = recommendation(member, text=TORTURE, language="fr")
    cited = recommendation(other, text=TORTURE_ELSEWHERE)
    found = story(other, cites=[cited], title="Prevention visits", language="es")

    response = staff_client.get(reverse("my_recommendations:matchmaker"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Matchmaker</h1>" in html
    assert rec.reference in html
    assert f'<blockquote lang="fr" dir="ltr">{TORTURE}</blockquote>' in html
    assert f'<a href="{found.get_absolute_url()}" lang="es" dir="ltr">Prevention visits</a>' in html
    assert other.name in html
    assert f"same recommendation made to {other.name}" in html
    assert f'action="{reverse("my_recommendations:exchange_create")}"' in html
    assert f'name="story" value="{found.pk}"' in html
    assert f'name="recommendation" value="{rec.pk}"' in html
    assert "Ask for an exchange" in html


def test_a_request_already_made_shows_instead_of_the_button(staff_client, staff_user, member, other):
    rec = recommendation(member, targets=[target("16.3")])
    found = story(other, targets=[target("16.3")])
    Exchange.objects.create(
        from_member=member, to_member=other, story=found, recommendation=rec, requested_by=staff_user
    )

    html = staff_client.get(reverse("my_recommendations:matchmaker")).content.decode()

    assert "You have asked for an exchange about this already." in html
    assert "Ask for an exchange" not in html


def test_the_page_filters_by_mechanism(staff_client, member, other):
    recommendation(member, targets=[target("16.3")], symbol="A/HRC/1/1")
    recommendation(
        member, targets=[target("16.3")], mechanism="treaty_body", body="CAT", response="", symbol="CAT/C/1"
    )
    story(other, targets=[target("16.3")])

    html = staff_client.get(reverse("my_recommendations:matchmaker"), {"mechanism": "treaty_body"}).content
    html = html.decode()

    assert "CAT/C/1" in html and "A/HRC/1/1" not in html
    assert '<option value="treaty_body" selected>' in html


def test_empty_states_say_what_to_do(staff_client, member, other):
    url = reverse("my_recommendations:matchmaker")
    html = staff_client.get(url).content.decode()
    assert "There is nothing to match yet" in html
    assert f"?member={member.iso}" in html

    recommendation(member, targets=[target("16.3")])
    html = staff_client.get(url).content.decode()
    assert "no other member's published story matches it for now" in html


def test_the_page_query_count_does_not_grow(staff_client, member, other, django_assert_max_num_queries):
    _rows(member, other, 3)
    url = reverse("my_recommendations:matchmaker")
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    _rows(member, other, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(url)
    assert response.content.decode().count("Ask for an exchange") == 50


def test_secretariat_and_logged_out_people_do_not_get_the_page(client, secretariat_client):
    url = reverse("my_recommendations:matchmaker")

    response = secretariat_client.get(url)
    assert response.status_code == 403
    assert "the secretariat belongs to none" in response.content.decode()

    client.logout()
    assert client.get(url).status_code == 302


def test_my_page_links_to_the_matchmaker_and_exchanges(staff_client):
    html = staff_client.get(reverse("coalition:my")).content.decode()

    assert reverse("my_recommendations:matchmaker") in html
    assert reverse("my_recommendations:exchange_list") in html
    assert reverse("my_recommendations:inspiration_list") in html


def test_the_pages_render_in_arabic(staff_client, staff_user, member, other):
    rec = recommendation(member, targets=[target("16.3")])
    found = story(other, targets=[target("16.3")])
    translation.activate("ar")
    exchange = Exchange.objects.create(
        from_member=member, to_member=other, story=found, recommendation=rec, requested_by=staff_user
    )
    for url in (
        reverse("my_recommendations:matchmaker"),
        reverse("my_recommendations:exchange_list"),
        reverse("my_recommendations:exchange_detail", args=[exchange.pk]),
        reverse("my_recommendations:exchange_create") + f"?story={found.pk}&recommendation={rec.pk}",
    ):
        assert url.startswith("/ar/")
        response = staff_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="ar" dir="rtl">' in html
        assert html.count("<h1") == 1


# ---------------------------------------------------------------------------------------------------------
# In a browser: axe, in English and in Arabic (skipped without Debian's Chromium)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_pages_have_no_serious_axe_violation(live_server, page, staff_user, lang):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    member = staff_user.mission.member
    other_mission = factories.MissionFactory()
    coordinator = factories.CoordinatorFactory(mission=other_mission)
    rec = recommendation(member, text=TORTURE, targets=[target("16.3")], themes=[theme("social-justice")])
    cited = recommendation(other_mission.member, text=TORTURE_ELSEWHERE)
    found = story(other_mission.member, cites=[cited], targets=[target("16.3")], title="Prevention visits")
    exchange = Exchange.objects.create(
        from_member=member,
        to_member=other_mission.member,
        story=found,
        recommendation=rec,
        requested_by=staff_user,
        message="How did you do it?",
    )
    axe = Axe()

    def serious() -> list[str]:
        return [
            f"{v['id']} ({v['impact']}): {v['help']}"
            for v in axe.run(page).response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]

    failures = {}
    log_in(page, live_server.url, staff_user.email, factories.TEST_PASSWORD)
    for path in (
        f"/{lang}/my/matchmaker/",
        f"/{lang}/my/exchanges/",
        f"/{lang}/my/exchanges/{exchange.pk}/",
        f"/{lang}/my/exchanges/new/?story={found.pk}&recommendation={rec.pk}",
    ):
        page.goto(f"{live_server.url}{path}")
        if violations := serious():
            failures[path] = violations
    page.context.clear_cookies()
    log_in(page, live_server.url, coordinator.email, factories.TEST_PASSWORD)
    page.goto(f"{live_server.url}/{lang}/my/exchanges/{exchange.pk}/")
    page.locator("button[name='decision'][value='decline']").click()  # without an answer: an error
    if violations := serious():
        failures["answer form with errors"] = violations

    assert failures == {}
