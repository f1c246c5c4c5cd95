"""Until a member publishes its cooperation card, nothing of its record is public anywhere: its card, the list
of cards, the open data, the sitemap, its member page, the stories' feed. Once published it appears in each
place a card belongs (the feed carries stories only, never cooperation), and it is gone again when withdrawn,
through the public page cache too (the pages are asked for anonymously, before and after each change)."""

import datetime

import pytest
from django.urls import reverse

from cooperation.models import CooperationRecord
from tests import factories
from tests.cooperation.test_card import LAST_YEAR, card_url, communication, publish, visit, withdraw

pytestmark = pytest.mark.django_db

SYMBOL = "A/HRC/77/7/Add.7"
MANDATE = "Special Rapporteur on the right to food"


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def public_views(client, member) -> dict[str, tuple[int, str]]:
    """What the public sees of `member`'s cooperation, place by place: (status, text)."""
    responses = {
        "card": client.get(card_url(member)),
        "list": client.get(reverse("cooperation:card_list")),
        "json": client.get(reverse("api:cooperation_json")),
        "csv": client.get(reverse("api:cooperation_csv")),
        "sitemap": client.get("/sitemap-cooperation.xml"),
        "member page": client.get(member.get_absolute_url()),
        "feed": client.get(reverse("feeds:stories")),
    }
    return {place: (response.status_code, body(response)) for place, response in responses.items()}


def shows(text: str, member) -> bool:
    return any(
        mark in text
        for mark in (f"/members/{member.iso.lower()}/cooperation/", SYMBOL, MANDATE, member.iso + '"')
    )


@pytest.fixture
def member_with_record(member):
    CooperationRecord.objects.create(member=member, standing_invitation_on=datetime.date(2014, 2, 3))
    visit(member, status="completed", report_symbol=SYMBOL, visit_starts_on=datetime.date(LAST_YEAR, 6, 1))
    communication(member)
    factories.PublishedStoryFactory(member=member)  # the member is in the feed, its cooperation is not
    return member


def assert_nowhere(client, member) -> None:
    views = public_views(client, member)
    assert views["card"][0] == 404
    assert "This member has not published its cooperation card." in views["card"][1]
    for place, (status, text) in views.items():
        if place != "card":
            assert status == 200, place
            assert not shows(text, member), place
    assert client.get(reverse("api:cooperation_json")).json()["count"] == 0


def test_an_unpublished_member_shows_nothing_then_everything_then_nothing(client, member_with_record):
    member = member_with_record
    other = factories.MemberFactory()
    visit(other, report_symbol="A/HRC/1/OTHER")

    assert_nowhere(client, member)

    publish(member)
    views = {place: text for place, (_status, text) in public_views(client, member).items()}
    assert client.get(card_url(member)).status_code == 200
    for place in ("card", "list", "json", "csv", "sitemap", "member page"):
        assert shows(views[place], member), place
    assert not shows(views["feed"], member)  # stories only
    assert all(SYMBOL in views[place] for place in ("card", "json", "csv"))
    assert f"<td>{LAST_YEAR}</td>" in views["list"]
    # The member that has not published stays out, even beside one that has.
    assert not shows(views["list"], other) and "A/HRC/1/OTHER" not in views["json"]

    withdraw(member)
    assert_nowhere(client, member)


def test_the_sitemap_index_lists_the_cooperation_sections(client, db):
    index = body(client.get("/sitemap.xml"))
    assert "sitemap-cooperation.xml" in index and "sitemap-cooperation-pages.xml" in index
    assert "/cooperation/" in body(client.get("/sitemap-cooperation-pages.xml"))
