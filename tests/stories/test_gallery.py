"""The public gallery: filters, sorting, pages, search, what the public never sees, the page cache,
conditional GET and query counts (gallery, story page, member page, feed and JSON API)."""

import datetime
import html as html_lib
import re

import pytest
from django.core.cache import cache
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils.text import slugify

from members.models import Member
from recommendations.models import Citation, Inspiration
from stories import search, services
from stories.models import SdgTarget, Story, StoryImage, Theme
from tests import factories
from tests.stories.test_views import publish, write_story

pytestmark = pytest.mark.django_db

BASE_TIME = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.UTC)
GALLERY = reverse("stories:story_list")


# ---------------------------------------------------------------------------------------------------------
# Helpers


def page(response) -> str:
    return response.content.decode()


def gallery(client: Client, **params) -> str:
    response = client.get(GALLERY, params)
    assert response.status_code == 200
    return page(response)


def card_titles(html: str) -> list[str]:
    """The titles of the story cards on a page, in their order."""
    return [
        html_lib.unescape(title)
        for title in re.findall(
            r'<li class="story-card"[^>]*>.*?<h3[^>]*><a href="[^"]*">(.*?)</a></h3>', html, re.S
        )
    ]


def facets(html: str) -> list[tuple[str, str, int]]:
    """The facet links of the gallery: (link, name, count)."""
    return [
        (html_lib.unescape(href), html_lib.unescape(name), int(count))
        for href, name, count in re.findall(r'<li><a href="(\?[^"]*)">([^<]*)</a> \((\d+)\)</li>', html)
    ]


def pagination_links(html: str) -> list[str]:
    match = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    return (
        [html_lib.unescape(href) for href in re.findall(r'href="([^"]*)"', match.group(0))] if match else []
    )


def results(html: str) -> str:
    match = re.search(r'<section id="results".*?</section>', html, re.S)
    assert match, "the gallery has its results section"
    return match.group(0)


def make_story(
    member: str = "ar",
    *,
    title: str,
    summary: str = "A policy that made a difference.",
    body: str = "How the policy was put in place, step by step.",
    themes: tuple[str, ...] = ("gender-equality",),
    sdgs: tuple[int, ...] = (5,),
    year: int | None = 2019,
    days_ago: int = 0,
    status: str = Story.Status.PUBLISHED,
    author=None,
) -> Story:
    """A story in any status, written straight to the database, with its search vector (PostgreSQL)."""
    published_at = None
    if status in (Story.Status.PUBLISHED, Story.Status.WITHDRAWN):
        published_at = BASE_TIME - datetime.timedelta(days=days_ago)
    story = factories.StoryFactory(
        member=Member.objects.get(country=member.upper()),
        author=author,
        title=title,
        slug=slugify(title),
        summary=summary,
        body=body,
        policy_year=year,
        status=status,
        published_at=published_at,
        scheduled_for=BASE_TIME + datetime.timedelta(days=30) if status == Story.Status.SCHEDULED else None,
        themes=Theme.objects.filter(Q(slug__in=themes) | Q(sdg_number__in=sdgs)),
    )
    search.update_search_vector([story.pk], story.language)
    return story


def add_image(story: Story, alt_text: str = "People at a hearing") -> StoryImage:
    return StoryImage.objects.create(
        story=story,
        original="stories/originals/x.jpg",
        width=480,
        height=300,
        alt_text=alt_text,
        caption="A hearing",
        credit="Ministry of Justice",
        consent_confirmed=True,
        renditions={"480": {"webp": "x.webp", "jpeg": "x.jpg", "height": 300}},
    )


PARITY_LAW = "Parity law for party lists"
SIGN_LANGUAGE = "Sign language in every school"
SHELTERS = "Shelters for survivors of violence"
OPEN_BUDGETS = "Open budgets in every district"
LEGAL_AID = "Free legal aid for tenants"
PARITY_BOARDS = "Parity in company boards"
ALL_TITLES = [PARITY_LAW, SIGN_LANGUAGE, SHELTERS, OPEN_BUDGETS, LEGAL_AID, PARITY_BOARDS]


@pytest.fixture
def stories(db) -> dict[str, Story]:
    """Six published stories of four members in three regional groups, newest first as listed."""
    specs = [
        (PARITY_LAW, "ar", ("gender-equality",), (5,), 2018),
        (SIGN_LANGUAGE, "cl", ("social-inclusion",), (10,), 2020),
        (SHELTERS, "no", ("gender-equality",), (5,), 2020),
        (OPEN_BUDGETS, "id", ("rule-of-law-and-good-governance",), (16,), 2018),
        (LEGAL_AID, "ar", ("social-justice",), (16,), 2020),
        (PARITY_BOARDS, "ar", ("gender-equality",), (5,), 2020),
    ]
    return {
        title: make_story(member, title=title, themes=themes, sdgs=sdgs, year=year, days_ago=days)
        for days, (title, member, themes, sdgs, year) in enumerate(specs, start=1)
    }


# ---------------------------------------------------------------------------------------------------------
# Filters


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ALL_TITLES),
        ({"member": "ar"}, [PARITY_LAW, LEGAL_AID, PARITY_BOARDS]),
        ({"region": "grulac"}, [PARITY_LAW, SIGN_LANGUAGE, LEGAL_AID, PARITY_BOARDS]),
        ({"theme": "gender-equality"}, [PARITY_LAW, SHELTERS, PARITY_BOARDS]),
        ({"sdg": "16"}, [OPEN_BUDGETS, LEGAL_AID]),
        ({"year": "2018"}, [PARITY_LAW, OPEN_BUDGETS]),
        ({"q": "parity"}, [PARITY_LAW, PARITY_BOARDS]),
        (
            {
                "member": "ar",
                "region": "grulac",
                "theme": "gender-equality",
                "sdg": "5",
                "year": "2018",
                "q": "parity",
            },
            [PARITY_LAW],
        ),
        ({"region": "weog", "theme": "gender-equality"}, [SHELTERS]),
        ({"member": "ar", "sdg": "16"}, [LEGAL_AID]),
    ],
)
def test_each_filter_alone_and_combined_lists_exactly_the_matching_stories(client, stories, params, expected):
    html = gallery(client, **params)

    assert card_titles(html) == expected
    for title in set(ALL_TITLES) - set(expected):
        assert title not in html
    count = len(expected)
    assert f"{count} stor{'y' if count == 1 else 'ies'}" in results(html)


def test_the_form_works_without_javascript_and_keeps_the_chosen_values(client, stories):
    html = gallery(client, member="ar", theme="gender-equality", q="parity")

    assert f'<form method="get" action="{GALLERY}"' in html
    assert re.search(r'<option value="ar" selected>', html)
    assert re.search(r'<option value="gender-equality" selected>', html)
    assert 'name="q" value="parity"' in html


def test_the_newest_stories_come_first_by_default_and_oldest_first_on_request(client, stories):
    assert card_titles(gallery(client)) == ALL_TITLES
    assert card_titles(gallery(client, sort="newest")) == ALL_TITLES
    assert card_titles(gallery(client, sort="oldest")) == list(reversed(ALL_TITLES))


def test_relevance_without_words_falls_back_to_newest_first(client, stories):
    assert card_titles(gallery(client, sort="relevance")) == ALL_TITLES


def test_pages_hold_12_stories_and_their_links_keep_the_filters(client):
    for number in range(14):
        make_story("no", title=f"Gender story number {number:02d}", days_ago=number)
    make_story("cl", title="Inclusion story", themes=("social-inclusion",), sdgs=(10,), days_ago=1)

    first = gallery(client, theme="gender-equality")

    assert len(card_titles(first)) == 12
    assert "Page 1 of 2" in first
    assert pagination_links(first) == ["?theme=gender-equality&page=2"]
    second = gallery(client, theme="gender-equality", page="2")
    assert card_titles(second) == ["Gender story number 12", "Gender story number 13"]
    assert "Inclusion story" not in second
    assert pagination_links(second) == ["?theme=gender-equality&page=1"]


@pytest.fixture
def match_limit(monkeypatch) -> int:
    """A match limit of 3 instead of 1000, so that a test can go past it with a handful of stories."""
    monkeypatch.setattr("stories.views.MATCH_LIMIT", 3)
    monkeypatch.setattr("stories.filters.MATCH_LIMIT", 3)
    return 3


def test_results_past_the_limit_are_counted_as_more_than_it_and_paged_up_to_it(client, match_limit):
    for number in range(5):
        make_story("no", title=f"Gender story number {number}", days_ago=number)

    filtered = gallery(client, theme="gender-equality")
    everything = gallery(client)

    for html in (filtered, everything):
        assert re.search(r"More than 3 stories\s*</h2>", html)
        assert "Only the first 3 can be paged through: add a filter or another word" in html
        assert card_titles(html) == [
            "Gender story number 0",
            "Gender story number 1",
            "Gender story number 2",
        ]
        assert pagination_links(html) == []


def test_results_up_to_the_limit_are_counted_exactly(client, match_limit):
    for number in range(3):
        make_story("no", title=f"Gender story number {number}", days_ago=number)
    make_story("cl", title="Inclusion story", themes=("social-inclusion",), sdgs=(10,), days_ago=9)

    filtered = gallery(client, theme="gender-equality")

    assert re.search(r"3 stories\s*</h2>", filtered)
    assert "More than" not in filtered and "can be paged through" not in filtered
    assert len(card_titles(filtered)) == 3


def test_best_match_ranks_the_newest_matches(client, match_limit, uses_postgresql):
    for number in range(4):
        make_story(title=f"Story number {number}", body="It helped every lighthouse keeper.", days_ago=number)
    make_story(title="Lighthouse keepers get pensions", days_ago=2)

    html = gallery(client, q="lighthouse", sort="relevance")

    assert "More than 3 stories" in html
    assert card_titles(html)[0] == "Lighthouse keepers get pensions"
    assert len(card_titles(html)) == 3


def test_a_deep_page_of_the_whole_gallery_lists_the_right_stories(client):
    for number in range(27):
        make_story("no", title=f"Story number {number:02d}", days_ago=number)

    html = gallery(client, page="3")

    assert card_titles(html) == ["Story number 24", "Story number 25", "Story number 26"]
    assert "Page 3 of 3" in html


def test_the_year_menu_offers_the_years_of_published_stories_newest_first(client):
    make_story(title="From 2018", year=2018)
    make_story(title="From 2021", year=2021)
    make_story(title="Also from 2018", year=2018)
    make_story(title="No year", year=None)
    make_story(title="A draft from 2010", year=2010, status=Story.Status.DRAFT)

    html = gallery(client)

    menu = re.search(r'<select name="year".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', menu) == ["2021", "2018"]


def test_no_match_says_so_and_offers_to_clear_the_filters(client, stories):
    html = gallery(client, member="ar", theme="resilience")

    assert card_titles(html) == []
    assert "0 stories" in html
    assert "No published story matches these filters." in html
    assert f'<a href="{GALLERY}">Clear all filters and see every story</a>' in html
    assert f'<a href="{GALLERY}">Clear all filters</a>' in html


def test_an_unfiltered_gallery_offers_no_clearing(client, stories):
    html = gallery(client)

    assert "Clear all filters" not in html


def test_the_facets_count_the_results_by_theme_and_member(client, stories):
    unfiltered = facets(gallery(client))

    assert ("?theme=gender-equality", "Gender equality", 3) in unfiltered
    assert ("?theme=social-justice", "Social justice", 1) in unfiltered
    assert ("?member=ar", "Argentina", 3) in unfiltered
    assert ("?member=no", "Norway", 1) in unfiltered

    filtered = facets(gallery(client, region="grulac"))
    assert ("?region=grulac&theme=gender-equality", "Gender equality", 2) in filtered
    assert ("?region=grulac&member=cl", "Chile", 1) in filtered
    assert [name for _link, name, _count in filtered if name == "Norway"] == []


def test_the_facets_name_members_in_the_language_of_the_page(client, stories):
    gallery(client)  # a visitor read the English gallery first

    french = facets(page(client.get("/fr/stories/")))

    members = [(name, count) for link, name, count in french if link.startswith("?member=")]
    assert ("Argentine", 3) in members
    assert ("Norvège", 1) in members


@pytest.mark.parametrize("params", [{"member": "zz"}, {"year": "abc"}, {"sdg": "99"}, {"theme": "nope"}])
def test_an_unknown_filter_value_is_left_out_with_a_message(client, stories, params):
    html = gallery(client, **params)

    assert "Some filters could not be used and were left out" in html
    assert card_titles(html) == ALL_TITLES


def test_all_unknown_values_at_once_still_list_every_story(client, stories):
    html = gallery(client, member="zz", year="abc", sdg="99", theme="nope", region="mars", sort="sideways")

    assert "could not be used" in html
    assert card_titles(html) == ALL_TITLES


def test_a_value_that_could_not_be_used_is_not_carried_into_the_links_of_the_page(client):
    for number in range(13):
        make_story("no", title=f"Gender story number {number:02d}", days_ago=number)

    html = gallery(client, member="zz", theme="gender-equality")

    assert "could not be used" in html
    assert pagination_links(html) == ["?theme=gender-equality&page=2"]
    # Only the language links keep the address exactly as the visitor typed it.
    main = html.split('<main id="main"', 1)[1]
    assert "member=zz" not in main


@pytest.mark.parametrize(
    ("number", "message"),
    [("999", "There is no page 999; here is the last one."), ("abc", "is not a page number")],
)
def test_a_page_out_of_range_or_not_a_number_shows_a_page_with_a_message(client, stories, number, message):
    html = gallery(client, page=number)

    assert message in html
    assert card_titles(html) == ALL_TITLES


# ---------------------------------------------------------------------------------------------------------
# Words


@pytest.mark.parametrize(
    "words",
    [
        '"legal aid" -court OR x',
        '"unbalanced quote',
        "court & | ! :* ( ) <-> <2>",
        "'; DROP TABLE stories_story; --",
        "%' OR 1=1 --",
        "\\",
        "parity\x01\x02",
        "ÿ ü 法治 حقوق",
        "-",
        '""',
        "the",
        "OR",
        "!()",
        "parity\t\n\r",
    ],
)
def test_odd_words_give_a_normal_page(client, stories, words):
    html = gallery(client, q=words)

    assert "Good stories" in html
    assert Story.objects.count() == len(ALL_TITLES)


def test_control_characters_are_removed_from_the_words(client, stories):
    html = gallery(client, q="parity\x01\x02")

    assert card_titles(html) == [PARITY_LAW, PARITY_BOARDS]


def test_a_null_character_in_the_words_gives_a_normal_page(client, stories):
    response = client.get(GALLERY, {"q": "parity\x00"})

    assert response.status_code == 200
    assert card_titles(page(response))


def test_operators_and_quotes_are_searched_as_words(client, stories):
    html = gallery(client, q='"legal aid"')

    assert card_titles(html) == [LEGAL_AID]


def test_a_word_after_a_minus_is_excluded(client, stories):
    # docs/api.md: `-excluded`; the embedded mode (SQLite) must not turn it into a required word.
    assert card_titles(gallery(client, q="parity -boards")) == [PARITY_LAW]


def test_words_joined_by_or_find_either(client, stories):
    # docs/api.md: `or`.
    assert card_titles(gallery(client, q="shelters or budgets")) == [SHELTERS, OPEN_BUDGETS]


def test_a_very_long_search_is_shortened_with_a_message(client, stories):
    words = ("parity " * 1500)[:10_000]

    html = gallery(client, q=words)

    assert "Your search was long; only its first 200 characters were used." in html


@pytest.mark.parametrize(
    ("field", "word"), [("title", "lighthouse"), ("summary", "ferryman"), ("body", "cartographer")]
)
def test_words_are_found_in_the_title_the_summary_and_the_body(client, stories, field, word):
    texts = {"title": "A story with nothing special", "summary": "Nothing here.", "body": "Nothing here."}
    texts[field] = texts[field] + f" {word}"
    make_story("cl", **texts, days_ago=10)

    html = gallery(client, q=word)

    assert card_titles(html) == ["A story with nothing special" + (f" {word}" if field == "title" else "")]


def test_words_are_found_whatever_their_case(client, stories):
    assert card_titles(gallery(client, q="PARITY")) == [PARITY_LAW, PARITY_BOARDS]


def test_a_title_match_ranks_above_a_body_match_by_relevance(client, uses_postgresql):
    make_story(title="Lighthouse keepers get pensions", days_ago=5)
    make_story(title="Pensions for coastal workers", body="Among them every lighthouse keeper.", days_ago=1)

    by_relevance = card_titles(gallery(client, q="lighthouse", sort="relevance"))
    newest_first = card_titles(gallery(client, q="lighthouse"))

    assert by_relevance == ["Lighthouse keepers get pensions", "Pensions for coastal workers"]
    assert newest_first == ["Pensions for coastal workers", "Lighthouse keepers get pensions"]


def test_a_summary_match_ranks_above_a_body_match_by_relevance(client, uses_postgresql):
    make_story(title="First story", summary="About a lighthouse on the cape.", days_ago=5)
    make_story(title="Second story", body="About a lighthouse on the cape.", days_ago=1)

    assert card_titles(gallery(client, q="lighthouse", sort="relevance")) == ["First story", "Second story"]


def test_search_results_show_snippets_with_the_words_marked(client, uses_postgresql):
    make_story(title="Coastal pensions", summary="Every lighthouse keeper <b>now</b> gets a pension & more.")

    snippets = re.findall(r'<p class="snippet"[^>]*>(.*?)</p>', gallery(client, q="lighthouse"), re.S)

    assert len(snippets) == 1
    assert "<mark>lighthouse</mark>" in snippets[0]
    assert "&amp; more" in snippets[0]
    assert "<b>" not in snippets[0]  # the story's own text never becomes markup


def test_english_words_are_found_by_their_stem(client, uses_postgresql):
    make_story(title="Judges on the road", summary="Mobile courts visit the villages.")

    assert card_titles(gallery(client, q="court")) == ["Judges on the road"]
    assert card_titles(gallery(client, q="visiting villages")) == ["Judges on the road"]


def test_the_search_vector_is_stored_and_indexed(uses_postgresql):
    story = make_story(title="Lighthouse keepers get pensions")

    story.refresh_from_db()
    assert "lighthous" in str(story.search_vector)


# ---------------------------------------------------------------------------------------------------------
# What the public never sees

HIDDEN_STATUSES = [
    Story.Status.DRAFT,
    Story.Status.SUBMITTED,
    Story.Status.CHANGES_REQUESTED,
    Story.Status.SCHEDULED,
    Story.Status.REJECTED,
    Story.Status.WITHDRAWN,
]


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_a_story_that_is_not_published_is_nowhere_public(client, status):
    visible = make_story(title="Lighthouse keepers get pensions", days_ago=2)
    neighbour = make_story("no", title="Shelters for survivors of violence", days_ago=3)
    hidden_title = f"Hidden {status} story about lighthouse keepers"
    hidden = make_story(title=hidden_title, status=status, days_ago=1)

    html_pages = {
        "gallery": gallery(client),
        "gallery searched by the exact title": gallery(client, q=hidden_title),
        "gallery searched by a word": gallery(client, q="lighthouse"),
        "gallery filtered": gallery(client, member="ar", theme="gender-equality", sdg="5", year="2019"),
        "member page": page(client.get(reverse("coalition:member_detail", args=["ar"]))),
        "related stories": page(client.get(visible.get_absolute_url())),
    }
    data = {
        "feed": page(client.get(reverse("feeds:stories"))),
        "feed searched": page(client.get(reverse("feeds:stories"), {"q": hidden_title})),
        "json": page(client.get(reverse("api:stories_json"))),
        "json searched": page(client.get(reverse("api:stories_json"), {"q": hidden_title})),
        "csv": b"".join(client.get(reverse("api:stories_csv")).streaming_content).decode(),
        "csv searched": b"".join(
            client.get(reverse("api:stories_csv"), {"q": hidden_title}).streaming_content
        ).decode(),
        "sitemap": page(client.get("/sitemap-stories.xml")),
    }

    assert card_titles(html_pages["gallery"]) == [visible.title, neighbour.title]
    assert card_titles(html_pages["related stories"]) == [neighbour.title]
    assert card_titles(html_pages["gallery searched by a word"]) == [visible.title]
    assert card_titles(html_pages["member page"]) == [visible.title]
    assert card_titles(html_pages["gallery searched by the exact title"]) == []
    assert "0 stories" in html_pages["gallery searched by the exact title"]
    for name, html in html_pages.items():
        assert hidden_title not in card_titles(html), name
        assert hidden.get_absolute_url() not in html, name
    for name, content in data.items():
        assert hidden_title not in content, name
        assert hidden.slug not in content, name
    assert visible.slug in data["feed"]
    assert visible.slug in data["sitemap"]


def test_a_never_published_story_page_is_not_found_by_the_public(client):
    story = make_story(title="Lighthouse keepers get pensions", status=Story.Status.SUBMITTED)

    assert client.get(story.get_absolute_url()).status_code == 404


def test_a_withdrawn_story_page_answers_410(client):
    story = make_story(title="Lighthouse keepers get pensions", status=Story.Status.WITHDRAWN)

    assert client.get(story.get_absolute_url()).status_code == 410


# ---------------------------------------------------------------------------------------------------------
# The story page


def test_the_story_page_links_its_themes_to_the_gallery_and_shows_related_stories(client, stories):
    html = page(client.get(stories[PARITY_LAW].get_absolute_url()))

    assert f'<a href="{GALLERY}?theme=gender-equality">Gender equality</a>' in html
    assert f'<a href="{GALLERY}?sdg=5">SDG 5: Gender Equality</a>' in html
    assert '<a href="/en/members/ar/">' in html
    related = html.split('id="related-heading"', 1)[1]
    assert card_titles(related) == [SHELTERS, PARITY_BOARDS]


def test_related_stories_share_the_most_themes_first_and_are_at_most_three(client):
    story = make_story(title="Parity law for party lists", themes=("gender-equality", "social-inclusion"))
    make_story("no", title="Sharing one theme, newest", themes=("social-inclusion",), sdgs=(), days_ago=1)
    make_story("cl", title="Sharing three themes", themes=("gender-equality", "social-inclusion"), days_ago=5)
    make_story("id", title="Sharing two themes", themes=("gender-equality",), days_ago=4)
    make_story("pe", title="Sharing one theme, oldest", themes=("gender-equality",), sdgs=(), days_ago=9)
    make_story("uy", title="Sharing nothing", themes=("resilience",), sdgs=(), days_ago=1)

    html = page(client.get(story.get_absolute_url()))

    related = html.split('id="related-heading"', 1)[1]
    assert card_titles(related) == ["Sharing three themes", "Sharing two themes", "Sharing one theme, newest"]


def test_the_story_page_has_its_metadata_and_no_third_party_script(client, stories):
    story = stories[PARITY_LAW]
    add_image(story)

    html = page(client.get(story.get_absolute_url()))

    url = f"http://testserver{story.get_absolute_url()}"
    assert f"<title>{PARITY_LAW}" in html
    assert '<meta name="description" content="A policy that made a difference.">' in html
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:title" content="{PARITY_LAW}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:image" content="http://testserver/media/x.jpg">' in html
    assert '<script type="application/ld+json">' in html
    assert '"headline": "Parity law for party lists"' in html
    for src in re.findall(r'<script[^>]*\bsrc="([^"]*)"', html):
        assert src.startswith("/"), src
    assert "mailto:?subject=" in html


# ---------------------------------------------------------------------------------------------------------
# The page cache and conditional GET


def test_the_gallery_is_served_from_the_cache_until_a_story_is_published(
    client, staff_user, secretariat_user, django_capture_on_commit_callbacks
):
    make_story(title="Lighthouse keepers get pensions")
    gallery(client)
    make_story(title="Written around the services")  # no service, no new generation: still cached
    assert "Written around the services" not in gallery(client)

    with django_capture_on_commit_callbacks(execute=True):
        story = write_story(staff_user, title="Ferries for island schools")
        publish(story, author=staff_user, moderator=secretariat_user)

    html = gallery(client)
    assert "Ferries for island schools" in html
    assert "Lighthouse keepers get pensions" in html


def test_withdrawing_a_story_removes_its_cached_page(
    client, staff_user, secretariat_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = write_story(staff_user, title="Ferries for island schools")
        publish(story, author=staff_user, moderator=secretariat_user)
    assert client.get(story.get_absolute_url()).status_code == 200
    assert "Ferries for island schools" in gallery(client)

    with django_capture_on_commit_callbacks(execute=True):
        services.story_withdraw(story_id=story.pk, actor=secretariat_user, reason="Facts disputed.")

    response = client.get(story.get_absolute_url())
    assert response.status_code == 410
    assert "This story has been withdrawn" in page(response)
    assert "Ferries for island schools" not in gallery(client)


def test_a_logged_in_person_never_gets_the_anonymous_cached_page(staff_user, secretariat_user):
    story = make_story(title="Lighthouse keepers get pensions", status=Story.Status.SUBMITTED)
    assert Client().get(story.get_absolute_url()).status_code == 404

    secretariat = Client()
    secretariat.force_login(secretariat_user)
    response = secretariat.get(story.get_absolute_url())
    assert response.status_code == 200
    assert "Not published" in page(response)


@pytest.mark.parametrize(
    "url", [GALLERY, "story", reverse("feeds:stories"), reverse("api:stories_json"), "/sitemap-stories.xml"]
)
def test_a_second_get_with_the_etag_answers_304(client, stories, url):
    url = stories[PARITY_LAW].get_absolute_url() if url == "story" else url

    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]

    second = client.get(url, headers={"If-None-Match": etag})
    assert second.status_code == 304
    assert second.content == b""


# ---------------------------------------------------------------------------------------------------------
# Query counts: the same bound at 5 and at 50 stories


def many_stories(count: int) -> list[Story]:
    themes = list(Theme.objects.priorities())
    members = ["ar", "cl", "no", "id", "pe"]
    parity = SdgTarget.objects.get(code="5.1")
    created = []
    for number in range(count):
        story = make_story(
            members[number % len(members)],
            title=f"Story number {number} about parity",
            themes=(themes[number % len(themes)].slug, "gender-equality"),
            sdgs=(5, 16),
            year=2015 + number % 5,
            days_ago=number,
        )
        add_image(story, alt_text=f"Photo {number}")
        add_image(story, alt_text=f"Second photo {number}")
        story.sdg_targets.add(parity)
        created.append(story)
    cache.clear()  # measure the real work, not the page cache
    return created


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize(
    ("name", "params", "bound"),
    [
        # Two of them build the SDG target filter's choices, cached for the pages after this one.
        ("gallery", {}, 14),
        # One more: the description of the theme filtered by (theme_intro).
        ("gallery filtered", {"theme": "gender-equality", "region": "grulac", "target": "5.1"}, 16),
        ("gallery searched", {"q": "parity"}, 15),
    ],
)
def test_the_gallery_makes_as_many_queries_for_50_stories_as_for_5(
    client, django_assert_max_num_queries, count, name, params, bound
):
    many_stories(count)

    with django_assert_max_num_queries(bound):
        html = gallery(client, **params)
    assert card_titles(html)


@pytest.mark.parametrize("count", [5, 50])
def test_the_story_page_makes_as_many_queries_for_50_stories_as_for_5(
    client, django_assert_max_num_queries, count
):
    story, *others = many_stories(count)
    # Its SDG targets, the recommendations it answers, and the stories of other members it inspired.
    story.sdg_targets.set(SdgTarget.objects.filter(code__in=["5.1", "5.5", "16.3"]))
    picked = factories.RecommendationFactory(country="AR")
    Citation.objects.create(
        story=story, recommendation=picked, mechanism="upr", symbol=picked.symbol, order=0
    )
    Citation.objects.create(story=story, mechanism="upr", note="Recommendation on parity", order=1)
    for other in others:
        if other.member_id != story.member_id:
            Inspiration.objects.create(story=other, source=story, status="confirmed", decided_at=BASE_TIME)
    cache.clear()

    # Related stories: one small query per theme of the story (a fixed number), never one per story.
    # One more for the open-data licence of its JSON-LD (cached per generation after that).
    with django_assert_max_num_queries(21):
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    html = page(response)
    assert 'id="related-heading"' in html
    assert "Taken up in 4 countries" in html


@pytest.mark.parametrize("count", [5, 50])
def test_the_member_page_makes_as_many_queries_for_50_stories_as_for_5(
    client, django_assert_max_num_queries, count
):
    many_stories(count)

    # In French: the cards look for a translation of each story (prefetched, one query for all); others
    # count the recommendations the member received, by mechanism, and find its endorsement.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("coalition:member_detail", args=["ar"]).replace("/en/", "/fr/", 1))
    assert response.status_code == 200
    assert "Story number 0 about parity" in page(response)


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize(
    ("name", "bound"),
    # The API: one query each for the SDG targets and for the inspirations of all the stories on the page.
    # The API: also the licence, and the stories' translations (each text's language).
    [("feeds:stories", 4), ("api:stories_json", 10)],
)
def test_the_feed_and_the_api_make_as_many_queries_for_50_stories_as_for_5(
    client, django_assert_max_num_queries, count, name, bound
):
    many_stories(count)

    with django_assert_max_num_queries(bound):
        response = client.get(reverse(name), {"theme": "gender-equality"})
    assert response.status_code == 200
    assert b"Story number 0 about parity" in response.content


def test_the_gallery_still_filters_by_theme_slug_after_a_rename(client):
    theme = Theme.objects.get(code="gender-equality")
    theme.name = "Gender equality and the empowerment of women"
    theme.save()
    story = factories.PublishedStoryFactory(title="Equal pay reporting", themes=[theme])
    factories.PublishedStoryFactory(title="Mobile courts")

    html = client.get(reverse("stories:story_list"), {"theme": "gender-equality"}).content.decode()

    assert story.title in html
    assert "Mobile courts" not in html
    assert "Gender equality and the empowerment of women" in html  # the filter's choice, as renamed
