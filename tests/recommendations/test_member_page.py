"""A member's page: the UN recommendations it received, by mechanism, and how many a good story answers."""

import re

import pytest
from django.core.cache import cache

from tests import factories
from tests.recommendations.test_public import answered_by_story, cite, page, rec_for

pytestmark = pytest.mark.django_db


def table_rows(html: str) -> list[tuple[str, str, str]]:
    """(mechanism, received, answered) as the table shows them."""
    section = html[
        html.index('id="recommendations-heading"') : html.index(
            "</section>", html.index('id="recommendations-heading"')
        )
    ]
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\"><a [^>]*>(.*?)</a></th>\s*<td>(\d+)</td>\s*<td>(.*?)</td>", section, re.S
    )
    return [(name, received, re.sub(r"<[^>]+>", "", answered)) for name, received, answered in rows]


def test_the_member_page_counts_recommendations_received_and_answered_by_mechanism(client, member):
    upr = [rec_for(member) for _ in range(3)]
    rec_for(member, mechanism="treaty_body", body="CEDAW", response="", symbol="CEDAW/C/1")
    answered_by_story(upr[0])
    answered_by_story(upr[1])
    answered_by_story(upr[1])  # two stories, still one recommendation answered
    draft = factories.StoryFactory(member=member)
    cite(draft, upr[2])  # a draft answers nothing yet
    rec_for(factories.MemberFactory())  # another member's

    html = page(client.get(member.get_absolute_url()))

    assert "UN recommendations received" in html
    assert table_rows(html) == [("Universal Periodic Review", "3", "2"), ("Treaty Bodies", "1", "0")]
    assert '<th scope="col">Answered by a good story</th>' in html
    assert "<caption>" in html
    iso = member.iso.lower()
    assert f'href="/en/recommendations/?member={iso}"' in html
    assert f"?member={iso}&amp;mechanism=upr&amp;answered=yes" in html


def test_a_member_with_no_recommendation_says_so(client, member):
    html = page(client.get(member.get_absolute_url()))

    assert f"No UN recommendation to {member.name} is recorded here yet." in html
    assert 'id="recommendations-heading"' in html


def test_the_member_page_query_count_does_not_grow_with_recommendations(
    client, member, django_assert_max_num_queries
):
    answered_by_story(rec_for(member))  # with a story: its cards' prefetches are counted from the start
    with django_assert_max_num_queries(30) as few:
        client.get(member.get_absolute_url())
    for _ in range(20):
        answered_by_story(rec_for(member, mechanism="treaty_body", body="CRC", response="", symbol="CRC/C/2"))
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page(client.get(member.get_absolute_url()))
    assert ("Treaty Bodies", "20", "20") in table_rows(html)
