"""The public recommendations list and page: filters, words, answered or not, pages, bad parameters,
query counts, what a recommendation's page shows, and what the public never sees."""

import datetime
import html as html_lib
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from members.models import Member
from recommendations.models import Citation, Recommendation
from recommendations.search import update_search_vectors
from stories.models import SdgTarget, Story, Theme
from tests import factories

# The browser's fixtures, for the axe test at the end (it skips without Chromium). Not `page`: a helper here.
from tests.e2e.conftest import _orm_beside_playwright, browser, new_page  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = reverse("recommendations:recommendation_list")


# ---------------------------------------------------------------------------------------------------------
# Helpers (also used by the other test modules of these pages)


def page(response) -> str:
    return response.content.decode()


def listed(html: str) -> list[str]:
    """The references of the recommendations listed, in their order."""
    # The symbol and the paragraph are isolated each in its <bdi>: read the words without the tags.
    return [
        html_lib.unescape(re.sub(r"</?bdi>", "", ref))
        for ref in re.findall(r'<li class="card recommendation">\s*<h3><a href="[^"]*">(.*?)</a></h3>', html)
    ]


def cite(story: Story, rec: Recommendation) -> Citation:
    return Citation.objects.create(
        story=story, recommendation=rec, mechanism=rec.mechanism, symbol=rec.symbol, paragraph=rec.paragraph
    )


def answered_by_story(rec: Recommendation, member: Member | None = None, **story_fields) -> Story:
    member = member or Member.objects.get(country=rec.country)
    story = factories.PublishedStoryFactory(member=member, **story_fields)
    cite(story, rec)
    return story


def rec_for(member: Member, **fields) -> Recommendation:
    rec = factories.RecommendationFactory(country=member.country, **fields)
    update_search_vectors([rec.pk])  # as the importer does, for the words search on PostgreSQL
    return rec


@pytest.fixture
def recs(member):
    """A small set: one recommendation per filter value, each with its own paragraph."""
    other = factories.MemberFactory()
    priority = Theme.objects.priorities().first()
    sdg16 = Theme.objects.sdgs().get(sdg_number=16)
    upr = rec_for(member, paragraph="1.1", text="Ratify the Optional Protocol on torture prevention")
    upr.themes.add(priority)
    noted = rec_for(member, paragraph="1.2", response="noted", upr_cycle=2, text="Abolish the death penalty")
    noted.sdg_targets.add(SdgTarget.objects.get(code="16.3"))
    cedaw = rec_for(
        member,
        mechanism="treaty_body",
        body="CEDAW",
        symbol="CEDAW/C/XX/CO/8",
        paragraph="2.1",
        upr_cycle=None,
        response="",
        text="Adopt a law on equal pay for women",
    )
    cedaw.themes.add(sdg16)
    sr = rec_for(
        other,
        mechanism="special_procedures",
        body="Special Rapporteur on the right to food",
        symbol="A/HRC/40/56/Add.1",
        paragraph="3.1",
        upr_cycle=None,
        response="",
        text="Guarantee school meals in every district",
    )
    answered_by_story(upr)
    return {"upr": upr, "noted": noted, "cedaw": cedaw, "sr": sr, "other": other, "theme": priority}


# ---------------------------------------------------------------------------------------------------------
# The list


def test_the_list_shows_each_recommendation_with_its_source_text_and_answers(client, member, recs):
    html = page(client.get(LIST))

    assert sorted(listed(html)) == sorted(
        r.reference for r in (recs["upr"], recs["noted"], recs["cedaw"], recs["sr"])
    )
    assert "4 recommendations" in html
    assert member.name in html and recs["other"].name in html
    assert "Committee on the Elimination of Discrimination against Women (CEDAW)" in html
    assert "Special Rapporteur on the right to food" in html
    assert "Supported" in html and "Noted" in html
    assert '<p lang="en" dir="ltr">Ratify the Optional Protocol on torture prevention</p>' in html
    assert "Answered by 1 published story" in html
    assert html.count("No published story answers it yet.") == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"mechanism": "upr"}, {"upr", "noted"}),
        ({"mechanism": "treaty_body"}, {"cedaw"}),
        ({"body": "CEDAW"}, {"cedaw"}),
        ({"body": "UPR"}, {"upr", "noted"}),
        ({"body": "Special Rapporteur on the right to food"}, {"sr"}),
        ({"cycle": "2"}, {"noted"}),
        ({"response": "noted"}, {"noted"}),
        ({"response": "supported"}, {"upr"}),
        ({"sdg": "16"}, {"noted", "cedaw"}),
        ({"target": "16.3"}, {"noted"}),
        ({"answered": "yes"}, {"upr"}),
        ({"answered": "no"}, {"noted", "cedaw", "sr"}),
        ({"q": "death penalty"}, {"noted"}),
        ({"q": "CEDAW/C/XX/CO/8"}, {"cedaw"}),
        ({"mechanism": "upr", "answered": "no"}, {"noted"}),
    ],
)
def test_each_filter_lists_exactly_the_matching_recommendations(client, recs, params, expected):
    html = page(client.get(LIST, params))

    assert sorted(listed(html)) == sorted(recs[name].reference for name in expected)


def test_the_member_and_theme_filters(client, member, recs):
    by_member = page(client.get(LIST, {"member": member.iso.lower()}))
    by_other = page(client.get(LIST, {"member": recs["other"].iso.lower()}))
    by_theme = page(client.get(LIST, {"theme": recs["theme"].slug}))

    assert sorted(listed(by_member)) == sorted(
        r.reference for r in (recs["upr"], recs["noted"], recs["cedaw"])
    )
    assert listed(by_other) == [recs["sr"].reference]
    assert listed(by_theme) == [recs["upr"].reference]


def test_the_form_is_a_get_form_with_labels_a_button_and_keeps_the_chosen_values(client, recs):
    html = page(client.get(LIST, {"mechanism": "upr", "q": "death"}))

    form = html[html.index('<form method="get"') : html.index("</form>")]
    for name in (
        "q",
        "member",
        "mechanism",
        "body",
        "cycle",
        "response",
        "theme",
        "sdg",
        "target",
        "answered",
    ):
        assert f'<label for="id_{name}">' in form
    assert '<button type="submit" class="button">Show recommendations</button>' in form
    assert '<option value="upr" selected>' in form
    assert 'value="death"' in form


def test_active_filters_are_summarised_each_with_a_link_removing_it_and_a_clear_link(client, recs):
    html = page(client.get(LIST, {"mechanism": "upr", "response": "noted"}))

    assert "Filtered by" in html
    assert (
        f'<a href="{LIST}?response=noted"><span class="visually-hidden">Remove the filter </span>'
        "Mechanism: <bdi>Universal Periodic Review</bdi>"
    ) in html
    assert (
        f'<a href="{LIST}?mechanism=upr"><span class="visually-hidden">Remove the filter </span>'
        "The state&#x27;s response: <bdi>Noted</bdi>"
    ) in html
    assert f'<a href="{LIST}">Clear all filters</a>' in html


def test_an_unfiltered_list_has_no_summary(client, recs):
    assert "Filtered by" not in page(client.get(LIST))


def test_the_body_menu_offers_upr_the_treaty_bodies_and_the_mandates_present(client, recs):
    html = page(client.get(LIST))
    menu = html[html.index('name="body"') : html.index("</select>", html.index('name="body"'))]

    assert '<option value="UPR">' in menu
    assert '<option value="CRPD">' in menu
    # A mandate is named in English, as UHRI's export names it, and marked so.
    assert '<option value="Special Rapporteur on the right to food" dir="ltr" lang="en">' in menu


def test_the_target_menu_offers_every_sdg_target(client, recs):
    html = page(client.get(LIST))
    menu = html[html.index('name="target"') : html.index("</select>", html.index('name="target"'))]

    assert menu.count("<option value=") == 169 + 1  # and "---------"


def test_recommendations_to_applicants_are_not_listed(client, member):
    applicant = factories.MemberFactory(status=Member.Status.APPLICANT)
    rec_for(applicant, text="Hidden recommendation to an applicant")
    rec_for(member, text="Public recommendation to a member")

    html = page(client.get(LIST))

    assert "Public recommendation to a member" in html
    assert "Hidden recommendation to an applicant" not in html
    assert applicant.iso.lower() not in re.findall(r'<option value="([a-z]{2})"', html)


def test_an_empty_list_says_so_and_a_filtered_one_offers_to_clear(client, member):
    empty = page(client.get(LIST))
    assert "No recommendation to a member has been imported yet." in empty

    rec_for(member)
    none = page(client.get(LIST, {"response": "noted"}))
    assert "No recommendation to a member matches these filters." in none
    assert "Clear all filters and see every recommendation" in none


@pytest.mark.parametrize(
    "params", [{"mechanism": "nonsense"}, {"member": "zz"}, {"cycle": "x"}, {"target": "99.9"}]
)
def test_an_unknown_filter_value_is_left_out_with_a_message(client, recs, params):
    response = client.get(LIST, params)

    assert response.status_code == 200
    html = page(response)
    assert "Some filters could not be used and were left out" in html
    assert len(listed(html)) == 4


@pytest.mark.parametrize(
    ("number", "message"),
    [("abc", "“abc” is not a page number; here is the first page."), ("99", "There is no page 99")],
)
def test_a_bad_page_shows_a_page_with_a_message(client, recs, number, message):
    response = client.get(LIST, {"page": number})

    assert response.status_code == 200
    assert message in page(response)


def test_pages_hold_20_recommendations_and_links_keep_the_filters(client, member):
    for n in range(25):
        rec_for(
            member, paragraph=f"9.{n}", published_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=n)
        )

    first = page(client.get(LIST, {"mechanism": "upr"}))
    second = page(client.get(LIST, {"mechanism": "upr", "page": "2"}))

    assert len(listed(first)) == 20 and len(listed(second)) == 5
    assert listed(first)[0].endswith("9.24")  # newest first
    assert "?mechanism=upr&amp;page=2" in first


def test_words_search_is_shortened_when_too_long(client, recs):
    html = page(client.get(LIST, {"q": "torture " * 60}))

    assert "only its first 200 characters were used" in html


def test_the_list_query_count_does_not_grow_with_rows(client, member, django_assert_max_num_queries):
    def add(count: int) -> None:
        for _ in range(count):
            rec = rec_for(member)
            rec.themes.add(Theme.objects.priorities().first())
            answered_by_story(rec)

    add(3)
    with django_assert_max_num_queries(20) as few:
        html = page(client.get(LIST))
    assert len(listed(html)) == 3
    add(27)
    cache.clear()  # the generation moves on commit, which a test transaction never reaches
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page(client.get(LIST))
    assert len(listed(html)) == 20


def test_the_list_is_in_arabic_right_to_left_with_the_text_in_its_language(client, recs):
    with translation.override("ar"):
        url = reverse("recommendations:recommendation_list")
    html = page(client.get(url))

    assert '<html lang="ar" dir="rtl"' in html
    assert '<p lang="en" dir="ltr">Abolish the death penalty</p>' in html


# ---------------------------------------------------------------------------------------------------------
# One recommendation


def test_the_page_shows_everything_about_the_recommendation(client, member):
    rec = rec_for(
        member,
        paragraph="116.23",
        recommending_states=["Chile", "Norway"],
        session="29",
        affected_groups=["Children", "Persons with disabilities"],
        uhri_id="abc-123",
        uhri_url="https://uhri.ohchr.org/en/our-data-api/recommendation/abc-123",
        text="Strengthen legal aid in rural areas",
        language="en",
    )
    theme = Theme.objects.priorities().first()
    rec.themes.add(theme, Theme.objects.sdgs().get(sdg_number=16))
    rec.sdg_targets.add(SdgTarget.objects.get(code="16.3"))

    html = page(client.get(rec.get_absolute_url()))

    assert html.count("<h1") == 1
    assert "Recommendation <bdi><bdi>A/HRC/38/4</bdi>, para. <bdi>116.23</bdi></bdi>" in html
    assert '<blockquote class="recommendation-text" lang="en" dir="ltr">' in html
    assert "Strengthen legal aid in rural areas" in html
    assert member.name in html and member.get_absolute_url() in html
    assert "Universal Periodic Review" in html
    assert "<bdi>A/HRC/38/4</bdi>, paragraph <bdi>116.23</bdi>" in html
    # As UHRI's export names them: in English, on a page in any language.
    assert '<li lang="en" dir="auto">Chile</li>' in html and '<li lang="en" dir="auto">Norway</li>' in html
    assert '<li lang="en" dir="auto">Persons with disabilities</li>' in html
    assert "Supported" in html and "April 20, 2018" in html
    assert theme.label in html and "SDG 16" in html
    target = SdgTarget.objects.get(code="16.3")
    assert f'<span lang="{target.label_language}" dir="ltr">{html_lib.escape(target.label)}</span>' in html
    assert 'href="https://uhri.ohchr.org/en/our-data-api/recommendation/abc-123"' in html


def test_the_page_of_a_treaty_body_recommendation_names_the_body(client, member):
    rec = rec_for(member, mechanism="treaty_body", body="CRC", response="", upr_cycle=None, symbol="CRC/C/1")

    html = page(client.get(rec.get_absolute_url()))

    assert "Committee on the Rights of the Child (CRC)" in html
    assert "Treaty Bodies" in html


def test_the_page_lists_the_published_stories_answering_it_and_not_the_others(client, member):
    rec = rec_for(member)
    published = answered_by_story(rec, title="Legal aid buses on the road")
    draft = factories.StoryFactory(member=member, title="A draft about legal aid")
    cite(draft, rec)

    html = page(client.get(rec.get_absolute_url()))

    assert "Legal aid buses on the road" in html and published.get_absolute_url() in html
    assert "A draft about legal aid" not in html
    assert '<li class="story-card"' in html


def test_a_page_with_no_answer_says_so(client, member):
    rec = rec_for(member)

    html = page(client.get(rec.get_absolute_url()))

    assert "has not published a story answering this recommendation yet." in html
    assert "Other members' stories on the same recommendation" not in html


def test_the_page_shows_other_members_stories_on_the_same_recommendation(client, member):
    text = "Ratify the Optional Protocol to the Convention against Torture"
    ours = rec_for(member, text=text)
    other_member = factories.MemberFactory()
    theirs = rec_for(other_member, text=text)
    unrelated = rec_for(other_member, text="Build more schools in the mountains")
    assert ours.family == theirs.family != unrelated.family
    answered_by_story(theirs, title="Their torture prevention mechanism")
    answered_by_story(unrelated, title="Their mountain schools")
    answered_by_story(ours, title="Our own prevention mechanism")

    html = page(client.get(ours.get_absolute_url()))
    other_section = html[html.index("Other members' stories on the same recommendation") :]

    assert "Their torture prevention mechanism" in other_section
    assert "Their mountain schools" not in html
    assert "Our own prevention mechanism" not in other_section


def test_the_page_query_count_does_not_grow_with_stories(client, member, django_assert_max_num_queries):
    rec = rec_for(member)
    answered_by_story(rec)
    with django_assert_max_num_queries(25) as few:
        client.get(rec.get_absolute_url())
    for _ in range(10):
        answered_by_story(rec)
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page(client.get(rec.get_absolute_url()))
    assert html.count('<li class="story-card"') == 11


def test_a_recommendation_to_an_applicant_or_missing_is_not_found(client):
    applicant = factories.MemberFactory(status=Member.Status.APPLICANT)
    rec = rec_for(applicant)

    assert client.get(rec.get_absolute_url()).status_code == 404
    assert client.get(reverse("recommendations:recommendation_detail", args=[999999])).status_code == 404


def test_a_recommendation_to_a_former_member_is_public(client):
    former = factories.MemberFactory(status=Member.Status.FORMER)
    rec = rec_for(former)

    assert client.get(rec.get_absolute_url()).status_code == 200


# ---------------------------------------------------------------------------------------------------------
# Sitemap


def test_the_sitemap_lists_the_answered_recommendations_of_members_and_the_pages(client, member):
    answered = rec_for(member)
    answered_by_story(answered)
    unanswered = rec_for(member)
    applicant = factories.MemberFactory(status=Member.Status.APPLICANT)
    hidden = rec_for(applicant)
    answered_by_story(hidden, member=factories.MemberFactory())

    index = page(client.get("/sitemap.xml"))
    pages = page(client.get("/sitemap-recommendation-pages.xml"))
    recs_xml = page(client.get("/sitemap-recommendations.xml"))

    assert "sitemap-recommendations.xml" in index and "sitemap-recommendation-pages.xml" in index
    assert "/en/recommendations/</loc>" in pages and "/ar/replication/</loc>" in pages
    assert f"/en/recommendations/{answered.pk}/</loc>" in recs_xml
    assert f"/fr/recommendations/{answered.pk}/</loc>" in recs_xml
    assert f"/recommendations/{unanswered.pk}/<" not in recs_xml
    assert f"/recommendations/{hidden.pk}/<" not in recs_xml


# ---------------------------------------------------------------------------------------------------------
# In a browser: axe, in English and in Arabic (skipped without Debian's Chromium)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_pages_have_no_serious_axe_violation(live_server, new_page, member, lang):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    rec = rec_for(member, text="Ratify the Optional Protocol to the Convention against Torture")
    rec.sdg_targets.add(SdgTarget.objects.get(code="16.3"))
    rec.themes.add(Theme.objects.priorities().first())
    answered_by_story(rec, title="Prevention visits")
    other = factories.MemberFactory()
    answered_by_story(rec_for(other, text="Ratify the Optional Protocol to the Convention against Torture"))
    rec_for(member, mechanism="treaty_body", body="CEDAW", response="", symbol="CEDAW/C/1")
    axe, browser_page, failures = Axe(), new_page(), {}
    for path in (
        f"/{lang}/recommendations/",
        f"/{lang}/recommendations/?mechanism=upr&answered=yes&page=x&cycle=nope",
        f"/{lang}/recommendations/?q=nothing-matches-this",
        f"/{lang}/recommendations/{rec.pk}/",
        f"/{lang}/members/{member.iso.lower()}/",
    ):
        browser_page.goto(f"{live_server.url}{path}")
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
            for v in axe.run(browser_page).response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        if violations:
            failures[path] = violations

    assert failures == {}, "\n".join(f"{k}: {v}" for k, v in failures.items())
