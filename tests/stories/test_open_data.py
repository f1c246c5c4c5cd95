"""Open data of published stories: the Atom feed, the JSON and CSV API, the sitemap and robots.txt."""

import csv
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.core.cache import cache
from django.urls import reverse

from recommendations.models import Citation, Inspiration
from stories.models import SdgTarget, Story, StoryImage
from stories.sitemaps import StorySitemap
from tests import factories
from tests.stories.test_gallery import BASE_TIME, make_story

pytestmark = pytest.mark.django_db

FEED = reverse("feeds:stories")
API_JSON = reverse("api:stories_json")
API_CSV = reverse("api:stories_csv")
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
AUTHOR_NAME = "Zebediah Quillfeather"
AUTHOR_EMAIL = "zebediah.quillfeather@mission-privacy.example"

JSON_FIELDS = {
    "id",
    "slug",
    "url",
    "title",
    "summary",
    "body_markdown",
    "language",
    "member",
    "policy_year",
    "themes",
    "sdgs",
    "published_at",
    "updated_at",
    "video_url",
    "source_url",
    "recommendations",
    "sdg_targets",
    "inspired_by",
    "images",
    "translations",
}
CSV_HEADER = [
    "id",
    "slug",
    "url",
    "title",
    "summary",
    "language",
    "member_iso",
    "member_name",
    "regional_group",
    "policy_year",
    "themes",
    "sdgs",
    "published_at",
    "updated_at",
    "video_url",
    "source_url",
    "image_urls",
    "sdg_targets",
    "recommendation_ids",
    "inspired_by_ids",
    "translation_languages",
]
CONFIRMED_AT = datetime.datetime(2024, 3, 5, 9, 30, tzinfo=datetime.UTC)


# ---------------------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture
def author(db):
    """A person with a name and an address that must never reach the public data."""
    return factories.UserFactory(
        full_name=AUTHOR_NAME,
        email=AUTHOR_EMAIL,
        mission=factories.MissionFactory(member=factories.MemberFactory(country="AR")),
    )


@pytest.fixture
def stories(author) -> list[Story]:
    """Three published stories, newest first, and one of every status that is not public."""
    newest = make_story(
        "ar",
        title="Parity law for party lists",
        summary="Half of every list.",
        body="The law **requires** alternating names.",
        themes=("gender-equality",),
        sdgs=(5, 10),
        year=2018,
        days_ago=1,
        author=author,
    )
    Story.objects.filter(pk=newest.pk).update(
        video_url="https://video.example/parity", source_url="https://gov.example/parity", updated_by=author
    )
    picked = factories.RecommendationFactory(country="AR", paragraph="99.1")
    Citation.objects.create(
        story=newest, recommendation=picked, mechanism="upr", symbol=picked.symbol, paragraph="99.1", order=0
    )
    Citation.objects.create(
        story=newest,
        mechanism="treaty_body",
        symbol="CEDAW/C/ARG/CO/7",
        paragraph="13",
        note="CEDAW/C/ARG/CO/7, para. 13",
        url="https://ohchr.example/1",
        order=1,
    )
    newest.sdg_targets.set(SdgTarget.objects.filter(code__in=["5.5", "5.1", "10.2"]))
    StoryImage.objects.create(
        story=newest,
        original="stories/originals/x.jpg",
        width=960,
        height=600,
        alt_text="Members of parliament in session",
        caption="The vote",
        credit="Congress press office",
        consent_confirmed=True,
        renditions={
            "960": {"webp": "r/960.webp", "jpeg": "r/960.jpg", "height": 600},
            "480": {"webp": "r/480.webp", "jpeg": "r/480.jpg", "height": 300},
        },
    )
    middle = make_story(
        "no",
        title="Shelters for survivors of violence",
        themes=("gender-equality",),
        sdgs=(5,),
        year=2020,
        days_ago=2,
        author=author,
    )
    oldest = make_story(
        "id",
        title="Open budgets in every district",
        themes=("rule-of-law-and-good-governance",),
        sdgs=(16,),
        year=2019,
        days_ago=3,
        author=author,
    )
    hidden = [
        make_story("ar", title=f"Hidden {status} story", status=status, author=author)
        for status in ("draft", "submitted", "changes_requested", "scheduled", "rejected", "withdrawn")
    ]
    # Public: the confirmed link to a published story. Not public: one awaiting confirmation, one to a draft.
    Inspiration.objects.create(story=newest, source=middle, status="confirmed", decided_at=CONFIRMED_AT)
    Inspiration.objects.create(story=newest, source=oldest, status="proposed")
    Inspiration.objects.create(story=newest, source=hidden[0], status="confirmed", decided_at=CONFIRMED_AT)
    return [newest, middle, oldest]


def get_json(client, **params) -> dict:
    response = client.get(API_JSON, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def csv_text(client, **params) -> str:
    response = client.get(API_CSV, params)
    assert response.status_code == 200
    assert response.streaming is True
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(client, **params) -> list[dict[str, str]]:
    text = csv_text(client, **params)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def sitemap_locations(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own sitemap
    return [loc.text for loc in root.iterfind(".//sm:loc", SITEMAP_NS)]


# ---------------------------------------------------------------------------------------------------------
# The Atom feed


def test_the_feed_lists_published_stories_newest_first(client, stories, settings):
    settings.SITE_URL = "https://goodstories.example"
    response = client.get(FEED)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0
    assert feed.feed.title == "Good Human Rights Stories"
    assert [entry.title for entry in feed.entries] == [story.title for story in stories]
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver/en/stories/{story.slug}/" for story in stories
    ]
    assert [entry.id for entry in feed.entries] == [
        f"tag:goodstories.example,{story.created_at.astimezone(datetime.UTC):%Y-%m-%d}:story:{story.pk}"
        for story in stories
    ]
    published = [
        datetime.datetime(*entry.published_parsed[:6], tzinfo=datetime.UTC) for entry in feed.entries
    ]
    assert published == [story.published_at.replace(microsecond=0) for story in stories]
    assert published == sorted(published, reverse=True)
    assert feed.entries[0].summary == "Half of every list."
    assert [tag.term for tag in feed.entries[0].tags] == [
        "Gender equality",
        "SDG 5: Gender Equality",
        "SDG 10: Reduced Inequalities",
    ]


TAG_URI = re.compile(r"^tag:(?P<host>[a-z0-9.-]+),(?P<date>\d{4}-\d{2}-\d{2}):(?P<specific>[^\s#]+)$")


def test_entry_ids_are_tag_uris_in_the_sites_own_domain(client, settings, member):
    # RFC 4151: tag:<a domain the site holds>,<a day it held it>:<what is tagged>.
    settings.SITE_URL = "https://Stories.Example.ORG:8443"
    story = factories.PublishedStoryFactory(
        member=member, created_at=datetime.datetime(2024, 3, 9, 23, 30, tzinfo=datetime.UTC)
    )

    entry = feedparser.parse(client.get(FEED).content).entries[0]

    assert entry.id == f"tag:stories.example.org,2024-03-09:story:{story.pk}"
    assert TAG_URI.match(entry.id)


def test_an_entrys_id_stays_the_same_when_the_story_changes(client, member):
    story = factories.PublishedStoryFactory(member=member, title="Mobile courts")
    first = feedparser.parse(client.get(FEED).content).entries[0].id

    Story.objects.filter(pk=story.pk).update(
        title="Mobile courts reach every village",
        slug="mobile-courts-everywhere",
        updated_at=story.updated_at,
    )
    cache.clear()  # no cached copy of the first answer
    again = feedparser.parse(client.get(FEED, headers={"accept-language": "fr"}).content).entries[0].id

    assert again == first
    assert "goodstories" not in first and TAG_URI.match(first)


def test_the_feed_names_the_member_as_author_and_no_person(client, stories):
    response = client.get(FEED)

    feed = feedparser.parse(response.content)
    assert [entry.author for entry in feed.entries] == ["Argentina", "Norway", "Indonesia"]
    content = response.content.decode()
    assert AUTHOR_NAME not in content
    assert AUTHOR_EMAIL not in content
    assert "Hidden" not in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"theme": "rule-of-law-and-good-governance"}, ["Open budgets in every district"]),
        ({"member": "no"}, ["Shelters for survivors of violence"]),
        ({"sdg": "5", "year": "2018"}, ["Parity law for party lists"]),
        ({"region": "weog"}, ["Shelters for survivors of violence"]),
        ({"q": "shelters"}, ["Shelters for survivors of violence"]),
    ],
)
def test_the_feed_accepts_the_gallerys_filters(client, stories, params, expected):
    response = client.get(FEED, params)

    feed = feedparser.parse(response.content)
    assert [entry.title for entry in feed.entries] == expected


def test_the_feed_links_to_the_gallery_with_the_same_filters(client, stories):
    feed = feedparser.parse(client.get(FEED, {"theme": "gender-equality"}).content)

    assert feed.feed.link == "http://testserver/en/stories/?theme=gender-equality"


# ---------------------------------------------------------------------------------------------------------
# JSON


def test_the_json_has_the_documented_fields(client, stories):
    data = get_json(client)

    assert data["count"] == 3
    assert data["page"] == 1
    assert data["pages"] == 1
    assert data["next"] is None
    assert data["previous"] is None
    assert data["ignored_filters"] == []
    assert [record["title"] for record in data["results"]] == [story.title for story in stories]
    for record in data["results"]:
        assert set(record) >= JSON_FIELDS
    newest = stories[0]
    record = data["results"][0]
    assert record["id"] == newest.pk
    assert record["slug"] == newest.slug
    assert record["url"] == f"http://testserver/en/stories/{newest.slug}/"
    assert record["summary"] == "Half of every list."
    assert record["body_markdown"] == "The law **requires** alternating names."
    assert record["language"] == "en"
    assert record["member"] == {"iso": "AR", "name": "Argentina", "regional_group": "grulac"}
    assert record["policy_year"] == 2018
    assert record["themes"] == ["gender-equality"]
    assert record["sdgs"] == [5, 10]
    assert record["published_at"] == (BASE_TIME - datetime.timedelta(days=1)).isoformat()
    assert datetime.datetime.fromisoformat(record["updated_at"]).utcoffset() == datetime.timedelta(0)
    assert record["video_url"] == "https://video.example/parity"
    assert record["source_url"] == "https://gov.example/parity"
    picked = Citation.objects.get(story=newest, order=0).recommendation
    assert record["recommendations"] == [
        {"id": picked.pk, "mechanism": "upr", "reference": "A/HRC/38/4, para. 99.1", "url": None},
        {
            "id": None,
            "mechanism": "treaty_body",
            "reference": "CEDAW/C/ARG/CO/7, para. 13",
            "url": "https://ohchr.example/1",
        },
    ]
    assert record["sdg_targets"] == ["5.1", "5.5", "10.2"]
    middle = stories[1]
    assert record["inspired_by"] == [
        {
            "id": middle.pk,
            "url": f"http://testserver/en/stories/{middle.slug}/",
            "member_iso": "NO",
            "confirmed_on": "2024-03-05",
        }
    ]
    assert record["images"] == [
        {
            "alt_text": "Members of parliament in session",
            "caption": "The vote",
            "credit": "Congress press office",
            "renditions": [
                {
                    "width": 480,
                    "height": 300,
                    "webp": "http://testserver/media/r/480.webp",
                    "jpeg": "http://testserver/media/r/480.jpg",
                },
                {
                    "width": 960,
                    "height": 600,
                    "webp": "http://testserver/media/r/960.webp",
                    "jpeg": "http://testserver/media/r/960.jpg",
                },
            ],
        }
    ]
    other = data["results"][1]
    assert other["video_url"] is None
    assert other["recommendations"] == []
    assert other["sdg_targets"] == []
    assert other["inspired_by"] == []
    assert other["images"] == []


def test_the_json_is_paginated_with_links_that_keep_the_filters(client, stories):
    first = get_json(client, theme="gender-equality", page_size="1")

    assert first["count"] == 2
    assert first["pages"] == 2
    assert [record["title"] for record in first["results"]] == ["Parity law for party lists"]
    assert first["previous"] is None
    assert first["next"] == "http://testserver/en/api/stories.json?theme=gender-equality&page_size=1&page=2"

    second = client.get(first["next"]).json()
    assert [record["title"] for record in second["results"]] == ["Shelters for survivors of violence"]
    assert second["next"] is None
    assert second["previous"] == (
        "http://testserver/en/api/stories.json?theme=gender-equality&page_size=1&page=1"
    )


def test_the_page_size_is_at_most_100(client):
    for number in range(101):
        make_story("cl", title=f"Story number {number}", days_ago=number)

    data = get_json(client, page_size="500")

    assert data["count"] == 101
    assert data["pages"] == 2
    assert len(data["results"]) == 100
    assert len(get_json(client)["results"]) == 50
    assert len(get_json(client, page_size="abc")["results"]) == 50
    assert len(get_json(client, page_size="0")["results"]) == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"member": "ar"}, ["Parity law for party lists"]),
        ({"region": "asia_pacific"}, ["Open budgets in every district"]),
        ({"theme": "gender-equality", "sdg": "10"}, ["Parity law for party lists"]),
        ({"year": "2020"}, ["Shelters for survivors of violence"]),
        ({"q": "budgets"}, ["Open budgets in every district"]),
        ({"target": "5.5"}, ["Parity law for party lists"]),
        ({"target": "16.3"}, []),
        (
            {"sort": "oldest"},
            [
                "Open budgets in every district",
                "Shelters for survivors of violence",
                "Parity law for party lists",
            ],
        ),
    ],
)
def test_the_json_accepts_the_gallerys_filters(client, stories, params, expected):
    data = get_json(client, **params)

    assert [record["title"] for record in data["results"]] == expected
    assert data["count"] == len(expected)


def test_a_filter_value_that_cannot_be_used_is_named_and_left_out(client, stories):
    data = get_json(client, member="zz")

    assert len(data["ignored_filters"]) == 1
    assert data["count"] == 3


def test_an_sdg_target_that_does_not_exist_is_named_and_left_out(client, stories):
    data = get_json(client, target="99.9")

    assert data["ignored_filters"] == ["target"]
    assert data["count"] == 3


def test_the_json_takes_the_same_number_of_queries_for_more_stories(
    client, stories, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30) as few:
        get_json(client, page_size="100")
    for n in range(8):
        story = make_story("no", title=f"Another story {n}", days_ago=10 + n)
        story.sdg_targets.set(SdgTarget.objects.filter(code__in=["5.1", "16.3"]))
        Citation.objects.create(story=story, mechanism="upr", symbol="A/HRC/38/4", paragraph=f"1.{n}")
        Inspiration.objects.create(
            story=story, source=stories[0], status="confirmed", decided_at=CONFIRMED_AT
        )
    cache.clear()

    with django_assert_max_num_queries(len(few.captured_queries)):
        data = get_json(client, page_size="100")
    assert data["count"] == 11


@pytest.mark.parametrize("number", ["99", "0", "abc"])
def test_a_page_that_does_not_exist_answers_404_with_a_sentence(client, stories, number):
    response = client.get(API_JSON, {"page": number})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": f"There is no page {number}; pages run from 1 to 1."}


# ---------------------------------------------------------------------------------------------------------
# CSV


def test_the_csv_has_a_header_and_one_row_per_published_story(client, stories):
    rows = csv_rows(client)

    assert list(rows[0]) == CSV_HEADER
    assert [row["title"] for row in rows] == [story.title for story in stories]
    first = rows[0]
    assert first["id"] == str(stories[0].pk)
    assert first["url"] == f"http://testserver/en/stories/{stories[0].slug}/"
    assert first["member_iso"] == "AR"
    assert first["member_name"] == "Argentina"
    assert first["regional_group"] == "grulac"
    assert first["policy_year"] == "2018"
    assert first["themes"] == "gender-equality"
    assert first["sdgs"] == "5 10"
    assert first["image_urls"] == "http://testserver/media/r/960.jpg"
    assert first["source_url"] == "https://gov.example/parity"
    assert first["sdg_targets"] == "5.1 5.5 10.2"
    assert first["recommendation_ids"] == str(
        Citation.objects.get(story=stories[0], order=0).recommendation_id
    )
    assert first["inspired_by_ids"] == str(stories[1].pk)
    assert rows[1]["sdg_targets"] == rows[1]["recommendation_ids"] == rows[1]["inspired_by_ids"] == ""


def test_the_csv_is_streamed_as_an_attachment(client, stories):
    response = client.get(API_CSV)

    assert response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="good-stories.csv"'


def test_the_csv_accepts_the_gallerys_filters(client, stories):
    assert [row["title"] for row in csv_rows(client, theme="gender-equality", year="2020")] == [
        "Shelters for survivors of violence"
    ]


def test_cells_that_a_spreadsheet_would_run_are_neutralised(client):
    make_story(title='=HYPERLINK("https://evil.example","click")', summary="+1", days_ago=1)
    make_story(title="Minus", summary="-2", days_ago=2)
    make_story(title="At", summary="@x", days_ago=3)

    rows = csv_rows(client)

    assert rows[0]["title"] == """'=HYPERLINK("https://evil.example","click")"""
    assert [row["summary"] for row in rows] == ["'+1", "'-2", "'@x"]
    for row in rows:
        for value in row.values():
            assert value[:1] not in ("=", "+", "-", "@")


# ---------------------------------------------------------------------------------------------------------
# No personal data anywhere


def test_no_author_name_or_email_in_the_open_data(client, stories):
    outputs = {
        "json": client.get(API_JSON).content.decode(),
        "csv": csv_text(client),
        "feed": client.get(FEED).content.decode(),
    }

    for name, content in outputs.items():
        assert "Parity law for party lists" in content, name
        assert AUTHOR_NAME not in content, name
        assert AUTHOR_EMAIL not in content, name
        assert "Quillfeather" not in content, name
    for record in json.loads(outputs["json"])["results"]:
        assert "author" not in record
        assert "updated_by" not in record


# ---------------------------------------------------------------------------------------------------------
# Sitemap and robots.txt


def test_the_sitemap_index_lists_its_sections(client, stories):
    locations = sitemap_locations(client, "/sitemap.xml")

    # Other apps (meetings, recommendations) add sections of their own.
    assert {
        "http://testserver/sitemap-meetings.xml",
        "http://testserver/sitemap-members.xml",
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-stories.xml",
    } <= set(locations)


def test_the_stories_section_lists_every_published_story_and_no_other(client, stories):
    locations = sitemap_locations(client, "/sitemap-stories.xml")

    for story in stories:
        assert f"http://testserver/en/stories/{story.slug}/" in locations
        assert f"http://testserver/fr/stories/{story.slug}/" in locations
    hidden = Story.objects.exclude(status=Story.Status.PUBLISHED)
    assert hidden.count() == 6
    for story in hidden:
        assert not [location for location in locations if story.slug in location], story.status
    assert len({location.split("/stories/")[1] for location in locations}) == 3


def test_the_stories_section_is_paged_by_story_with_every_language_and_its_alternates(
    client, stories, monkeypatch
):
    monkeypatch.setattr(StorySitemap, "limit", 2)  # 2 stories a page instead of 1,000

    index = sitemap_locations(client, "/sitemap.xml")
    first = client.get("/sitemap-stories.xml")
    second = sitemap_locations(client, "/sitemap-stories.xml?p=2")

    assert "http://testserver/sitemap-stories.xml?p=2" in index
    assert "http://testserver/sitemap-stories.xml?p=3" not in index
    oldest = stories[-1]  # in the order they were created
    languages = ["en", "fr", "es", "ar", "zh-hans", "ru"]
    assert second == [f"http://testserver/{code}/stories/{oldest.slug}/" for code in languages]
    root = ET.fromstring(first.content)  # noqa: S314 - our own sitemap
    urls = root.findall("sm:url", SITEMAP_NS)
    assert len(urls) == 2 * len(languages)
    alternates = urls[0].findall("{http://www.w3.org/1999/xhtml}link")
    assert [(link.get("hreflang"), link.get("href").split("/stories/")[0]) for link in alternates] == [
        *((code, f"http://testserver/{code}") for code in languages),
        ("x-default", "http://testserver"),
    ]
    assert urls[0].find("sm:lastmod", SITEMAP_NS).text == stories[0].updated_at.strftime("%Y-%m-%d")
    assert first["Last-Modified"]


def test_the_members_section_lists_the_member_pages(client, stories):
    locations = sitemap_locations(client, "/sitemap-members.xml")

    assert "http://testserver/en/members/ar/" in locations
    assert "http://testserver/en/members/no/" in locations
    assert "http://testserver/en/members/eu/" in locations


def test_the_pages_section_lists_the_gallery(client):
    locations = sitemap_locations(client, "/sitemap-pages.xml")

    assert "http://testserver/en/stories/" in locations
    assert "http://testserver/en/" in locations


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
