"""The sitemap lists every page in the six languages, each address with the six as alternates plus
`x-default`; meetings are in it; its cost does not grow with the number of pages."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from coalition.sitemaps import SITEMAPS
from meetings import services as meeting_services
from meetings.models import Meeting
from members.models import Member
from stories.models import Story
from tests import factories

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}
LANGUAGES = ["en", "fr", "es", "ar", "zh-hans", "ru"]
BASE = "http://testserver"


def parse(client, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200, path
    return ET.fromstring(response.content)  # noqa: S314 - our own sitemap


def urls(client, section: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(loc, [(hreflang, href), ...]) of each <url> of a section's first page."""
    root = parse(client, f"/sitemap-{section}.xml")
    return [
        (
            url.findtext("sm:loc", namespaces=NS),
            [(link.get("hreflang"), link.get("href")) for link in url.findall("xhtml:link", NS)],
        )
        for url in root.findall("sm:url", NS)
    ]


def django_address(obj, language: str) -> str:
    """The address Django itself reverses for the object in that language."""
    with translation.override(language):
        return BASE + obj.get_absolute_url()


def make_meeting(title: str, days: int) -> Meeting:
    start = timezone.now() + datetime.timedelta(days=days)
    return meeting_services.meeting_save(
        meeting=Meeting(
            title=title,
            kind=Meeting.Kind.MINISTERIAL,
            city=Meeting.City.GENEVA,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
        )
    )


@pytest.fixture
def site(db):
    stories = [factories.PublishedStoryFactory(published_at=timezone.now()) for _ in range(3)]
    draft = factories.StoryFactory(title="Not yet public")
    upcoming = make_meeting("Ministerial meeting on access to justice", days=20)
    past = make_meeting("Contact group on civic space", days=-40)
    return {"stories": stories, "draft": draft, "meetings": [upcoming, past]}


def test_every_address_has_the_six_languages_and_x_default(client, site):
    for section in SITEMAPS:
        for loc, links in urls(client, section):
            assert [hreflang for hreflang, _href in links] == [*LANGUAGES, "x-default"], (section, loc)
            addresses = dict(links)
            assert loc in [addresses[code] for code in LANGUAGES], (section, loc)
            # Each alternate is its language's prefix on the same page; x-default has no prefix.
            path = addresses["en"].removeprefix(f"{BASE}/en/")
            for code in LANGUAGES:
                assert addresses[code] == f"{BASE}/{code}/{path}", (section, code)
            assert addresses["x-default"] == f"{BASE}/{path}", section


def test_each_page_is_listed_once_in_each_language(client, site):
    locations = [loc for loc, _links in urls(client, "stories")]
    story = site["stories"][0]

    assert len(locations) == len(set(locations)) == 3 * len(LANGUAGES)
    for code in LANGUAGES:
        # The same address Django's own reversing gives: the portal's URL patterns are not translated.
        assert django_address(story, code) in locations
    assert not [loc for loc in locations if site["draft"].slug in loc]


def test_meetings_are_in_the_sitemap_in_every_language(client, site):
    index = [loc.text for loc in parse(client, "/sitemap.xml").iterfind(".//sm:loc", NS)]
    locations = [loc for loc, _links in urls(client, "meetings")]

    assert f"{BASE}/sitemap-meetings.xml" in index
    for meeting in site["meetings"]:  # upcoming and past
        for code in LANGUAGES:
            assert django_address(meeting, code) in locations


def test_the_other_sections_use_djangos_own_addresses(client, site):
    member = Member.objects.public().first()
    members = [loc for loc, _links in urls(client, "members")]
    pages = [loc for loc, _links in urls(client, "pages")]

    for code in LANGUAGES:
        assert django_address(member, code) in members
        with translation.override(code):
            assert BASE + reverse("meetings:meeting_list") in pages
            assert BASE + reverse("home") in pages


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_x_default_sends_each_visitor_to_their_language(client, site, language):
    story = site["stories"][0]
    _loc, links = next((loc, links) for loc, links in urls(client, "stories") if story.slug in loc)
    x_default = dict(links)["x-default"].removeprefix(BASE)

    response = client.get(x_default, headers={"accept-language": language})

    assert response.status_code == 302
    with translation.override(language):
        assert response["Location"] == story.get_absolute_url()


def test_the_sitemaps_queries_do_not_grow_with_its_pages(client, site, django_assert_max_num_queries):
    paths = ["/sitemap.xml", *(f"/sitemap-{section}.xml" for section in SITEMAPS)]

    def queries() -> dict[str, int]:
        counts = {}
        for path in paths:
            cache.clear()  # each answer is cached for an hour: measure the work, not the cache
            with CaptureQueriesContext(connection) as captured:
                parse(client, path)
            counts[path] = len(captured)
        return counts

    few = queries()
    for number in range(10):
        factories.PublishedStoryFactory(published_at=timezone.now())
        factories.MemberFactory()
        make_meeting(f"Side event {number}", days=number + 1)
    many = queries()

    assert Story.objects.published().count() == 13
    assert many == few
    # The index asks each section for its size and latest change; a section page reads its own items.
    cache.clear()
    with django_assert_max_num_queries(2 * len(SITEMAPS)):
        parse(client, "/sitemap.xml")
    for section in SITEMAPS:
        cache.clear()
        with django_assert_max_num_queries(2):
            parse(client, f"/sitemap-{section}.xml")
