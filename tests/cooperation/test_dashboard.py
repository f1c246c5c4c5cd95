"""The secretariat's dashboard: overdue replies in each member's time zone, requests without an answer, visits
this year, by member and by region, sortable; the secretariat's alone."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperation import review as reviews
from cooperation.models import Communication, CooperationRecord, Mandate, VisitRequest
from members.models import Member
from tests.factories import MemberFactory, MissionFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
URL = "/en/my/cooperation/dashboard/"
# 03:00 UTC on 11 March 2026: already the 11th in Geneva (04:00), still the 10th in New York (23:00).
NOW = datetime.datetime(2026, 3, 11, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def mandate() -> Mandate:
    return Mandate.objects.get_or_create(
        name="test mandate on dashboards", defaults={"holder_title": "Special Rapporteur on dashboards"}
    )[0]


def visit(member, requested_on, due, replied_on=None, **extra):
    return VisitRequest.objects.create(
        member=member,
        mandate=mandate(),
        requested_on=requested_on,
        reply_due_on=due,
        replied_on=replied_on,
        **extra,
    )


def communication(member, reference, due, replied_on=None):
    return Communication.objects.create(
        member=member,
        kind=Communication.Kind.URGENT_APPEAL,
        reference=reference,
        received_on=due - datetime.timedelta(days=30),
        reply_due_on=due,
        replied_on=replied_on,
        confirmed_at=NOW,
    )


@pytest.fixture
def board_data(fixed_now):
    geneva = MemberFactory(regional_group=Member.RegionalGroup.WEOG)
    new_york = MemberFactory(regional_group=Member.RegionalGroup.GRULAC)
    CooperationRecord.objects.create(member=geneva, time_zone="Europe/Zurich")
    CooperationRecord.objects.create(member=new_york, time_zone="America/New_York")
    due = D(2026, 3, 10)
    visit(geneva, D(2026, 1, 9), due)  # overdue in Geneva: 1 day
    visit(new_york, D(2026, 1, 9), due)  # not yet overdue in New York
    communication(geneva, "UA GEN 1/2026", D(2026, 3, 1))  # 10 days overdue
    communication(geneva, "UA GEN 2/2026", D(2026, 3, 1), D(2026, 3, 2))  # replied
    communication(new_york, "AL NY 1/2026", D(2026, 3, 5))  # 5 days overdue in New York
    visit(
        new_york,
        D(2025, 6, 1),
        D(2025, 8, 1),
        D(2025, 7, 1),
        status="completed",
        visit_starts_on=D(2026, 2, 1),
    )
    return geneva, new_york


def test_overdue_replies_are_counted_in_each_members_time_zone(board_data):
    geneva, new_york = board_data

    board = reviews.dashboard()

    rows = {row.member: row for row in board.members}
    assert (rows[geneva].overdue_visits, rows[geneva].overdue_communications) == (1, 1)
    assert rows[geneva].days_overdue == 10
    assert (rows[new_york].overdue_visits, rows[new_york].overdue_communications) == (0, 1)
    assert rows[new_york].days_overdue == 5
    assert rows[new_york].visits_without_answer == 1
    assert rows[new_york].visits_this_year == 1
    assert board.overdue_total == 3
    items = [(item.member, item.kind, item.days_overdue) for item in board.overdue_items]
    assert items == [(geneva, "communication", 10), (new_york, "communication", 5), (geneva, "visit", 1)]
    regions = {region.key: region for region in board.regions}
    assert regions["grulac"].overdue == 1
    assert regions["weog"].overdue == 2


def test_the_dashboard_page_lists_overdue_replies_by_member_and_region(secretariat_client, board_data):
    geneva, _new_york = board_data

    response = secretariat_client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "3 replies are overdue." in html
    assert "UA GEN 1/2026" in html and "AL NY 1/2026" in html
    assert "UA GEN 2/2026" not in html
    assert "Special Rapporteur on dashboards" in html
    assert "Latin American and Caribbean States (GRULAC)" in html
    assert f"?member={geneva.iso}" in html
    assert 'aria-sort="descending"' in html
    assert "print.css" in html
    if _registered("cooperation_communication"):
        pk = Communication.objects.get(reference="UA GEN 1/2026").pk
        assert reverse("admin:cooperation_communication_change", args=[pk]) in html
    assert reverse("admin:members_member_change", args=[geneva.pk]) in html


def _registered(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(f"admin:{name}_change", args=[1])
    except NoReverseMatch:
        return False
    return True


def test_the_dashboard_sorts_on_the_server(secretariat_client, board_data):
    geneva, new_york = board_data

    html = secretariat_client.get(URL, {"sort": "days"}).content.decode()
    body = html.split("By member", 1)[1]
    assert body.index(new_york.name) < body.index(geneva.name)  # 5 days before 10, ascending
    assert 'aria-sort="ascending"' in html

    html = secretariat_client.get(URL, {"sort": "-days"}).content.decode()
    body = html.split("By member", 1)[1]
    assert body.index(geneva.name) < body.index(new_york.name)

    assert secretariat_client.get(URL, {"sort": "nonsense"}).status_code == 200


def test_the_dashboard_says_when_nothing_is_overdue(secretariat_client, fixed_now):
    html = secretariat_client.get(URL).content.decode()
    assert "No reply is overdue." in html


def test_only_the_secretariat_sees_the_dashboard(client, member):
    for user in (
        UserFactory(mission=MissionFactory(member=member)),
        UserFactory(mission=MissionFactory(member=MemberFactory()), role="coordinator"),
    ):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 403
        assert "Only the secretariat sees this page." in response.content.decode()


def test_the_dashboard_takes_the_same_number_of_queries_with_more_members(
    secretariat_client, board_data, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        secretariat_client.get(URL)
    for index in range(8):
        member = MemberFactory(regional_group=list(Member.RegionalGroup)[index % 5])
        CooperationRecord.objects.create(
            member=member, time_zone="Asia/Seoul" if index % 2 else "Europe/Zurich"
        )
        visit(member, D(2026, 1, 1), D(2026, 2, 1))
        communication(member, f"AL {index}", D(2026, 2, 1))
    with django_assert_max_num_queries(len(few)):
        secretariat_client.get(URL)
