"""/replication/: only confirmed links between published stories, as an SVG diagram and a table."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from members.models import Member
from recommendations import replication
from recommendations.models import Inspiration
from stories.models import Story, Theme
from tests import factories
from tests.meetings.factories import AgendaItemFactory

pytestmark = pytest.mark.django_db


def utc(year: int, month: int = 6, day: int = 1) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


def published(member: Member, title: str, *, year: int = 2020, themes=None) -> Story:
    kwargs = {"themes": themes} if themes is not None else {}
    return factories.PublishedStoryFactory(member=member, title=title, published_at=utc(year), **kwargs)


def link(
    story: Story, source: Story, *, status: str = "confirmed", year: int = 2022, meeting=None
) -> Inspiration:
    return Inspiration.objects.create(
        story=story,
        source=source,
        status=status,
        meeting=meeting,
        decided_at=utc(year) if status in ("confirmed", "declined") else None,
    )


def page(client, params=None) -> str:
    response = client.get(reverse("replication:index"), params or {})
    assert response.status_code == 200
    return unescape(response.content.decode())


def svg_of(html: str) -> str:
    found = re.search(r"<svg.*?</svg>", html, re.S)
    return found.group(0) if found else ""


def table_of(html: str) -> str:
    found = re.search(r"<table>.*?</table>", html, re.S)
    return found.group(0) if found else ""


@pytest.fixture
def members():
    return {
        "weog": factories.MemberFactory(regional_group=Member.RegionalGroup.WEOG),
        "african": factories.MemberFactory(regional_group=Member.RegionalGroup.AFRICAN),
        "grulac": factories.MemberFactory(regional_group=Member.RegionalGroup.GRULAC),
        "asia": factories.MemberFactory(regional_group=Member.RegionalGroup.ASIA_PACIFIC),
    }


def test_only_confirmed_links_between_published_stories_are_shown(client, members):
    source = published(members["weog"], "Legal aid buses", year=2019)
    taken_up = published(members["african"], "Buses of justice")
    meeting = AgendaItemFactory(story=source).meeting
    link(taken_up, source, meeting=meeting, year=2021)
    hidden = {
        "proposed": link(published(members["grulac"], "Proposed only"), source, status="proposed"),
        "declined": link(published(members["asia"], "Declined one"), source, status="declined"),
        "withdrawn": link(published(members["grulac"], "Withdrawn one"), source, status="withdrawn"),
        "draft story": link(factories.StoryFactory(member=members["asia"], title="A draft story"), source),
        "source withdrawn": link(
            published(members["grulac"], "From a withdrawn story"),
            factories.StoryFactory(member=members["asia"], title="Withdrawn source", status="withdrawn"),
        ),
    }

    html = page(client)
    svg, table = svg_of(html), table_of(html)

    assert "Buses of justice" in table and "Legal aid buses" in table
    assert meeting.title in table
    assert members["weog"].name in table and members["african"].name in table
    assert "1 story taken up in 1 country" in html
    for hidden_link in hidden.values():
        assert hidden_link.story.title not in html
    assert "Withdrawn source" not in html
    # The diagram: one curve, from the inspiring member to the inspired one, accessible and left to right.
    assert 'role="img"' in svg and 'aria-labelledby="replication-title replication-desc"' in svg
    assert 'dir="ltr"' in svg
    assert '<title id="replication-title">Who inspired whom, 2019 to 2021</title>' in svg
    assert '<desc id="replication-desc">' in svg
    assert svg.count("marker-end=") == 1
    # Each title isolated (U+2068 ... U+2069), so its quotes stay around it in Arabic.
    assert "“\u2068Legal aid buses\u2069”" in svg and "“\u2068Buses of justice\u2069”" in svg
    rows = re.findall(r'text-anchor="end" fill="#1b1f24">([^<]+)</text>', svg)
    assert sorted(rows) == sorted([members["weog"].name, members["african"].name])
    assert "<caption" in table and '<th scope="col">' in table and '<th scope="row">' in table


def test_figures_count_stories_taken_up_and_countries(client, members):
    first = published(members["weog"], "First inspiring story")
    second = published(members["african"], "Second inspiring story")
    link(published(members["grulac"], "Taken up A"), first)
    link(published(members["asia"], "Taken up B"), first)
    link(published(members["asia"], "Taken up C"), second)
    html = page(client)
    assert "2 stories taken up in 2 countries" in html
    assert "3 confirmed links" in html
    assert svg_of(html).count("marker-end=") == 3


def test_empty_states(client, members):
    html = page(client)
    assert "<svg" not in html and "<table>" not in html
    assert "No member has confirmed yet" in html

    link(published(members["african"], "Taken up"), published(members["weog"], "Inspiring"))
    html = page(client, {"region": Member.RegionalGroup.ASIA_PACIFIC})
    assert "No confirmed link matches these filters." in html and "<svg" not in html


def test_region_matches_either_side(client, members):
    link(published(members["african"], "African takes up"), published(members["weog"], "WEOG inspires"))
    link(published(members["asia"], "Asia takes up"), published(members["grulac"], "GRULAC inspires"))

    html = table_of(page(client, {"region": "weog"}))
    assert "African takes up" in html and "Asia takes up" not in html
    html = table_of(page(client, {"region": "african"}))
    assert "African takes up" in html and "Asia takes up" not in html
    html = table_of(page(client, {"region": "grulac"}))
    assert "Asia takes up" in html and "African takes up" not in html


def test_theme_and_sdg_match_either_side(client, members):
    theme = Theme.objects.priorities().first()
    sdg5 = Theme.objects.get(slug="sdg-5")
    sdg16 = Theme.objects.filter(slug="sdg-16")
    link(
        published(members["african"], "Taken up, no theme", themes=sdg16),
        published(members["weog"], "Inspiring with the theme", themes=[theme]),
    )
    link(
        published(members["asia"], "Taken up with SDG 5", themes=[sdg5]),
        published(members["grulac"], "Inspiring without", themes=sdg16),
    )

    html = page(client, {"theme": theme.slug})
    assert "Taken up, no theme" in table_of(html) and "Taken up with SDG 5" not in table_of(html)
    assert f'<option value="{theme.slug}" selected>' in html
    html = page(client, {"sdg": "5"})
    assert "Taken up with SDG 5" in table_of(html) and "Taken up, no theme" not in table_of(html)
    html = page(client, {"sdg": "16"})
    assert "Taken up with SDG 5" in table_of(html) and "Taken up, no theme" in table_of(html)


def test_an_unknown_filter_value_is_left_out_and_said(client, members):
    link(published(members["african"], "Taken up"), published(members["weog"], "Inspiring"))
    html = page(client, {"region": "atlantis"})
    assert "Some filters could not be used and were left out: UN regional group." in html
    assert "Taken up" in table_of(html)


def test_the_diagram_is_capped_and_the_table_paginated(client, members, monkeypatch):
    monkeypatch.setattr(replication, "DIAGRAM_LIMIT", 2)
    inspiring = published(members["weog"], "Inspiring")
    for index, member in enumerate([members["african"], members["grulac"], members["asia"]]):
        link(published(member, f"Taken up {index}"), inspiring, year=2021 + index)
    html = page(client)
    assert "The diagram shows the latest 2 of 3 links; the table lists them all." in html
    assert svg_of(html).count("marker-end=") == 2
    assert "Taken up 0" not in svg_of(html)  # the oldest is left out of the diagram
    assert all(f"Taken up {index}" in table_of(html) for index in range(3))


def test_the_table_is_paginated(client, members, monkeypatch):
    from recommendations.views import replication as view

    monkeypatch.setattr(view, "TABLE_PAGE_SIZE", 2)
    inspiring = published(members["weog"], "Inspiring")
    for index, member in enumerate([members["african"], members["grulac"], members["asia"]]):
        link(published(member, f"Taken up {index}"), inspiring, year=2021 + index)
    html = page(client, {"region": "weog"})
    assert "Page 1 of 2" in html and "region=weog&page=2" in html
    html = page(client, {"region": "weog", "page": "2"})
    assert "Taken up 0" in table_of(html) and "Taken up 2" not in table_of(html)


def test_queries_do_not_grow_with_links(client, members, django_assert_max_num_queries, settings):
    settings.PUBLIC_CACHE = False
    inspiring = published(members["weog"], "Inspiring")
    meeting = AgendaItemFactory(story=inspiring).meeting

    def add(count: int) -> None:
        for index in range(count):
            member = factories.MemberFactory(regional_group=Member.RegionalGroup.AFRICAN)
            link(
                published(member, f"Taken up {member.iso}"), inspiring, meeting=meeting, year=2020 + index % 5
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        page(client)
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client)


def test_right_to_left_keeps_the_diagram_left_to_right(client, members):
    link(published(members["african"], "Taken up"), published(members["weog"], "Inspiring"))
    with translation.override("ar"):
        response = client.get(reverse("replication:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert 'dir="ltr"' in svg_of(html)
    with translation.override("ar"):
        assert str(members["weog"].name) in unescape(svg_of(html))


def test_the_page_is_public_and_cached(client, members):
    link(published(members["african"], "Taken up"), published(members["weog"], "Inspiring"))
    response = client.get(reverse("replication:index"))
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert client.post(reverse("replication:index")).status_code == 405


def test_confirming_a_link_shows_it_at_once(client, members, django_capture_on_commit_callbacks):
    """A cached page goes stale when a coordinator confirms (the service bumps the generation)."""
    from recommendations.services import inspiration as services

    ours = factories.MissionFactory(member=members["african"])
    theirs = factories.MissionFactory(member=members["weog"])
    staff = factories.UserFactory(mission=ours)
    coordinator = factories.CoordinatorFactory(mission=theirs)
    story = published(members["african"], "Our take")
    source = published(members["weog"], "Their original")
    proposed = services.inspiration_propose(actor=staff, story_id=story.pk, source_id=source.pk)
    assert "Our take" not in page(client)
    with django_capture_on_commit_callbacks(execute=True):
        services.inspiration_decide(actor=coordinator, inspiration_id=proposed.pk, confirm=True)
    assert "Our take" in table_of(page(client))
