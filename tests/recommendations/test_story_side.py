"""The stories side of recommendations: a story page shows the UN recommendations it answers, the stories it
was inspired by and the countries that took it up, in HTML and in its JSON-LD; a mission's own story pages
link to the pages where they choose them."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from members.models import Member
from recommendations.models import Citation, Inspiration
from stories.models import SdgTarget, Story
from tests import factories

# The browser's fixtures, for the axe test at the end (it skips without Chromium).
from tests.e2e.conftest import _orm_beside_playwright, browser, log_in, new_page  # noqa: F401
from tests.factories import TEST_PASSWORD
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db

CONFIRMED_AT = datetime.datetime(2025, 6, 12, 10, 0, tzinfo=datetime.UTC)


def published(member: Member, title: str, **fields) -> Story:
    return factories.PublishedStoryFactory(member=member, title=title, **fields)


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert match, "the page has its structured data"
    return json.loads(match.group(1))


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', html, re.DOTALL)
    assert match, f"the page has the section {heading_id}"
    return match.group(0)


@pytest.fixture
def uruguay() -> Member:
    return Member.objects.get(country="UY")


@pytest.fixture
def chile() -> Member:
    return Member.objects.get(country="CL")


@pytest.fixture
def cited(uruguay) -> tuple[Story, Citation, Citation]:
    """A published story answering one imported recommendation and one entered by hand."""
    story = published(uruguay, "Free legal aid in every department")
    recommendation = factories.RecommendationFactory(country="UY", paragraph="116.23")
    picked = Citation.objects.create(
        story=story,
        recommendation=recommendation,
        mechanism="upr",
        symbol="A/HRC/38/4",
        paragraph="116.23",
        order=0,
    )
    by_hand = Citation.objects.create(
        story=story,
        mechanism="treaty_body",
        symbol="CEDAW/C/URY/CO/10",
        paragraph="25",
        note="CEDAW/C/URY/CO/10, para. 25 (legal aid for rural women)",
        url="https://tbinternet.ohchr.org/example",
        order=1,
    )
    return story, picked, by_hand


# ---------------------------------------------------------------------------------------------------------
# "UN recommendations this answers"


def test_the_story_page_links_picked_recommendations_and_shows_those_entered_by_hand_as_text(client, cited):
    story, picked, _by_hand = cited

    html = section(page(client.get(story.get_absolute_url())), "recommendations-heading")

    detail = reverse("recommendations:recommendation_detail", args=[picked.recommendation_id])
    assert "<strong>Universal Periodic Review</strong>" in html
    assert f'<a href="{detail}"><bdi>A/HRC/38/4</bdi>, para. <bdi>116.23</bdi></a>' in html
    assert "<strong>Treaty Bodies</strong>" in html
    assert "<bdi>CEDAW/C/URY/CO/10</bdi>, para. <bdi>25</bdi>" in html
    assert '<q dir="auto">CEDAW/C/URY/CO/10, para. 25 (legal aid for rural women)</q>' in html
    assert 'href="https://tbinternet.ohchr.org/example" rel="nofollow noopener noreferrer"' in html
    assert html.count("<a ") == 2  # the hand-entered one links only to its source


def test_the_json_ld_cites_the_recommendations(client, cited):
    story, picked, _by_hand = cited

    data = json_ld(page(client.get(story.get_absolute_url())))

    assert data["citation"] == [
        {
            "@type": "CreativeWork",
            "name": "A/HRC/38/4, para. 116.23",
            "url": f"http://testserver/en/recommendations/{picked.recommendation_id}/",
        },
        {
            "@type": "CreativeWork",
            "name": "CEDAW/C/URY/CO/10, para. 25",
            "url": "https://tbinternet.ohchr.org/example",
        },
    ]
    assert data["isBasedOn"] == []


def test_a_story_without_citations_has_no_such_section(client, uruguay):
    story = published(uruguay, "Open budgets")

    html = page(client.get(story.get_absolute_url()))

    assert "recommendations-heading" not in html
    assert json_ld(html)["citation"] == []


# ---------------------------------------------------------------------------------------------------------
# "Inspired by" and "Taken up in N countries"


def test_both_pages_show_a_confirmed_inspiration_with_its_meeting_and_date(client, uruguay, chile):
    source = published(uruguay, "Mobile courts in rural departments")
    inspired = published(chile, "Itinerant courts in the Andes")
    meeting = MeetingFactory(title="Ministerial meeting on access to justice")
    Inspiration.objects.create(
        story=inspired, source=source, meeting=meeting, status="confirmed", decided_at=CONFIRMED_AT
    )

    inspired_html = page(client.get(inspired.get_absolute_url()))
    source_html = page(client.get(source.get_absolute_url()))

    by = section(inspired_html, "inspired-by-heading")
    assert '<h2 id="inspired-by-heading">Inspired by</h2>' in by
    assert (
        f'<a href="{source.get_absolute_url()}" lang="en" dir="ltr">Mobile courts in rural departments</a>'
        in by
    )
    assert "Uruguay" in by
    assert (
        f'presented at <a href="{meeting.get_absolute_url()}"><span lang="en" dir="ltr">'
        "Ministerial meeting on access to justice</span></a>" in by
    )
    assert '<time datetime="2025-06-12">' in by
    assert json_ld(inspired_html)["isBasedOn"] == [f"http://testserver{source.get_absolute_url()}"]

    taken = section(source_html, "taken-up-heading")
    assert '<h2 id="taken-up-heading">Taken up in 1 country</h2>' in taken
    assert (
        f'<a href="{inspired.get_absolute_url()}" lang="en" dir="ltr">Itinerant courts in the Andes</a>'
        in taken
    )
    assert "Chile" in taken
    assert "inspired-by-heading" not in source_html


def test_only_confirmed_links_between_published_stories_are_shown(client, uruguay, chile):
    source = published(uruguay, "Mobile courts in rural departments")
    others = {
        status: published(Member.objects.get(country=iso), f"A story {status}")
        for status, iso in [("proposed", "CL"), ("declined", "AR"), ("withdrawn", "NO")]
    }
    for status, story in others.items():
        Inspiration.objects.create(
            story=story,
            source=source,
            status=status,
            decided_at=CONFIRMED_AT if status == "declined" else None,
        )
    draft = factories.StoryFactory(member=Member.objects.get(country="PE"), title="A draft inspired")
    Inspiration.objects.create(story=draft, source=source, status="confirmed", decided_at=CONFIRMED_AT)

    html = page(client.get(source.get_absolute_url()))

    assert "taken-up-heading" not in html
    assert "A draft inspired" not in html
    assert json_ld(html)["isBasedOn"] == []  # and none of them shows as inspiring (they are related stories)


def test_taken_up_counts_countries_not_stories(client, uruguay, chile):
    source = published(uruguay, "Mobile courts in rural departments")
    for title in ("Itinerant courts", "Courts on boats"):
        story = published(chile, title)
        Inspiration.objects.create(story=story, source=source, status="confirmed", decided_at=CONFIRMED_AT)
    peru = published(Member.objects.get(country="PE"), "Courts in the Amazon")
    Inspiration.objects.create(story=peru, source=source, status="confirmed", decided_at=CONFIRMED_AT)

    html = section(page(client.get(source.get_absolute_url())), "taken-up-heading")

    assert "Taken up in 2 countries" in html
    assert html.count("<li>") == 3


def test_the_story_page_makes_as_many_queries_with_many_links(client, uruguay, django_assert_max_num_queries):
    from django.core.cache import cache

    source = published(uruguay, "Mobile courts in rural departments")
    inspiring = published(Member.objects.get(country="AR"), "Courts in the pampas")
    Inspiration.objects.create(story=source, source=inspiring, status="confirmed", decided_at=CONFIRMED_AT)
    cache.clear()
    with django_assert_max_num_queries(30) as few:
        page(client.get(source.get_absolute_url()))
    for iso in ("CL", "PE", "NO", "ID", "AR", "GE", "KR", "NZ"):
        story = published(Member.objects.get(country=iso), f"Taken up in {iso}")
        Inspiration.objects.create(story=story, source=source, status="confirmed", decided_at=CONFIRMED_AT)
        recommendation = factories.RecommendationFactory(country="UY")
        Citation.objects.create(story=source, recommendation=recommendation, mechanism="upr", symbol="A/1")
    cache.clear()

    # + citations' recommendations, the inspired stories' members, the meetings of links: one query each
    # once there is anything to fetch, never one per row.
    with django_assert_max_num_queries(len(few.captured_queries) + 3):
        html = page(client.get(source.get_absolute_url()))
    assert "Taken up in 8 countries" in html


# ---------------------------------------------------------------------------------------------------------
# The mission's own pages


def test_the_missions_story_page_lists_the_citations_and_links_to_choose_them(cited, uruguay):
    story, _picked, _by_hand = cited
    staff = factories.UserFactory(mission=factories.MissionFactory(member=uruguay))
    client = Client()
    client.force_login(staff)

    for url in (
        reverse("my_stories:story_detail", args=[story.pk]),
        reverse("my_stories:story_edit", args=[story.pk]),
    ):
        response = client.get(url, follow=True)  # a published story's edit page leads to its status page
        html = section(page(response), "answers-heading")
        assert "A/HRC/38/4, para. 116.23" in html
        assert "CEDAW/C/URY/CO/10, para. 25" in html
        assert f'href="{reverse("my_recommendations:story_citations", args=[story.pk])}"' in html
        assert "Choose the UN recommendations this story answers" in html
        assert f'href="{reverse("my_recommendations:inspiration_propose", args=[story.pk])}"' in html
        assert "Inspired by another member's story?" in html


def test_the_edit_form_of_a_draft_links_to_the_recommendations_page(staff_client, story):
    html = page(staff_client.get(reverse("my_stories:story_edit", args=[story.pk])))

    section_html = section(html, "answers-heading")
    assert "None chosen yet." in section_html
    assert "save your changes first" in section_html
    assert reverse("my_recommendations:story_citations", args=[story.pk]) in section_html


def test_a_new_story_has_no_such_links_yet(staff_client):
    html = page(staff_client.get(reverse("my_stories:story_create")))

    assert "answers-heading" not in html
    assert "Inspired by another member" not in html


# ---------------------------------------------------------------------------------------------------------
# In a browser: axe, in English and in Arabic (skipped without Debian's Chromium)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_story_pages_have_no_serious_axe_violation(live_server, new_page, lang):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    uruguay, chile = Member.objects.get(country="UY"), Member.objects.get(country="CL")
    source = published(uruguay, "Mobile courts in rural departments")
    source.sdg_targets.set(SdgTarget.objects.filter(code__in=["16.3", "5.1"]))
    recommendation = factories.RecommendationFactory(country="UY")
    Citation.objects.create(story=source, recommendation=recommendation, mechanism="upr", symbol="A/HRC/38/4")
    Citation.objects.create(story=source, mechanism="treaty_body", note="CRC/C/URY/CO/3-5, para. 24", order=1)
    inspired = published(chile, "Itinerant courts in the Andes")
    meeting = MeetingFactory(title="Ministerial meeting on access to justice")
    Inspiration.objects.create(
        story=inspired, source=source, meeting=meeting, status="confirmed", decided_at=CONFIRMED_AT
    )
    draft = factories.StoryFactory(member=uruguay, title="A draft with targets")
    draft.sdg_targets.set(SdgTarget.objects.filter(code="16.3"))
    staff = factories.UserFactory(mission=factories.MissionFactory(member=uruguay))
    axe, browser_page, failures = Axe(), new_page(), {}

    def check(name: str) -> None:
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
            for v in axe.run(browser_page).response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        if violations:
            failures[name] = violations

    for path in (
        f"/{lang}/stories/{source.slug}/",
        f"/{lang}/stories/{inspired.slug}/",
        f"/{lang}/stories/?target=16.3",
    ):
        browser_page.goto(f"{live_server.url}{path}")
        check(path)
    log_in(browser_page, live_server.url, staff.email, TEST_PASSWORD)
    for path in (f"/{lang}/my/stories/{draft.pk}/", f"/{lang}/my/stories/{draft.pk}/edit/"):
        browser_page.goto(f"{live_server.url}{path}")
        check(path)
    browser_page.locator("input[name='title']").fill("")
    browser_page.locator("button[name='save']").click()
    check("the form with errors")

    assert failures == {}, "\n".join(f"{k}: {v}" for k, v in failures.items())
