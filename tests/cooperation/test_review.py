"""The annual review: a member's and the coalition's figures (computed in the database, confirmed entries
only), their pages, CSV downloads, permissions and print stylesheet."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cooperation import review as reviews
from cooperation.models import Communication, CooperationRecord, FollowUp, Mandate, VisitRequest
from members.models import Member
from tests.factories import MemberFactory, MissionFactory, RecommendationFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = 2024


def mandate() -> Mandate:
    return Mandate.objects.get_or_create(
        name="test mandate on reviews", defaults={"holder_title": "Special Rapporteur on reviews"}
    )[0]


def visit(member, requested_on, replied_on=None, *, due=None, status="requested", confirmed=True, **extra):
    return VisitRequest.objects.create(
        member=member,
        mandate=mandate(),
        requested_on=requested_on,
        reply_due_on=due or requested_on + datetime.timedelta(days=60),
        replied_on=replied_on,
        status=status,
        confirmed_at=timezone.now() if confirmed else None,
        **extra,
    )


def communication(member, received_on, due, replied_on=None, *, confirmed=True, reference=None):
    return Communication.objects.create(
        member=member,
        kind=Communication.Kind.ALLEGATION,
        reference=reference or f"AL {member.iso} {received_on:%Y%m%d}",
        received_on=received_on,
        reply_due_on=due,
        replied_on=replied_on,
        confirmed_at=timezone.now() if confirmed else None,
    )


@pytest.fixture
def dataset():
    """A (WEOG, standing invitation since 2020), B and C (African States), hand-made for 2024."""
    a = MemberFactory(regional_group=Member.RegionalGroup.WEOG)
    b = MemberFactory(regional_group=Member.RegionalGroup.AFRICAN)
    c = MemberFactory(regional_group=Member.RegionalGroup.AFRICAN)
    CooperationRecord.objects.create(member=a, standing_invitation_on=D(2020, 1, 1))
    v1 = visit(a, D(2024, 1, 10), D(2024, 2, 9), due=D(2024, 3, 10), status="accepted")  # 30 days, in time
    visit(a, D(2024, 3, 1), D(2024, 6, 10), due=D(2024, 5, 1), status="declined")  # 101 days, late
    visit(a, D(2024, 5, 1), None, due=D(2024, 7, 1))  # unanswered
    visit(a, D(2023, 6, 1), D(2023, 7, 1), status="completed", visit_starts_on=D(2024, 4, 1))  # held in 2024
    visit(a, D(2024, 2, 1), D(2024, 2, 21), due=D(2024, 4, 1), status="scheduled")  # 20 days, in time
    v6 = visit(
        a, D(2024, 1, 5), D(2024, 1, 6), status="completed", confirmed=False, visit_starts_on=D(2024, 2, 1)
    )
    communication(a, D(2024, 1, 1), D(2024, 3, 1), D(2024, 2, 1))  # in time
    communication(a, D(2024, 2, 1), D(2024, 4, 1), D(2024, 5, 1))  # late
    communication(a, D(2024, 3, 1), D(2024, 5, 1))  # unanswered
    communication(a, D(2023, 12, 1), D(2024, 1, 30), D(2024, 1, 2))  # another year
    communication(a, D(2024, 4, 1), D(2024, 6, 1), confirmed=False)  # not confirmed
    for status in ("implemented", "in_progress"):
        FollowUp.objects.create(
            visit=v1, recommendation=RecommendationFactory(country=a.country), status=status
        )
    FollowUp.objects.create(
        visit=v6, recommendation=RecommendationFactory(country=a.country), status="implemented"
    )
    visit(b, D(2024, 1, 1), D(2024, 1, 11), due=D(2024, 3, 1), status="accepted")  # 10 days
    visit(b, D(2024, 1, 1), D(2024, 1, 21), due=D(2024, 3, 1), status="dates_proposed")  # 20 days
    visit(c, D(2024, 1, 1), D(2024, 4, 10), due=D(2024, 3, 1), status="declined")  # 100 days, late
    return a, b, c


def test_member_figures_count_confirmed_entries_of_the_year(dataset):
    a, _b, _c = dataset

    review = reviews.member_review(member=a, year=YEAR)

    visits, communications, follow_ups = (
        review.figures.visits,
        review.figures.communications,
        review.figures.follow_ups,
    )
    assert (visits.received, visits.answered_in_time, visits.answered_late, visits.unanswered) == (4, 2, 1, 1)
    assert visits.share_in_time == 0.5
    assert visits.median_days_to_reply == 30
    assert (visits.accepted, visits.held) == (2, 1)
    assert (communications.received, communications.replied_in_time) == (3, 1)
    assert (communications.replied_late, communications.unanswered) == (1, 1)
    assert communications.share_in_time == pytest.approx(1 / 3)
    assert (follow_ups.total, follow_ups.implemented, follow_ups.in_progress, follow_ups.not_started) == (
        2,
        1,
        1,
        0,
    )
    assert review.standing_invitation_on == D(2020, 1, 1)


def test_member_figures_of_a_year_without_entries_are_zero_and_no_invitation_before_it_was_extended(dataset):
    a, b, _c = dataset

    review = reviews.member_review(member=a, year=2019)

    assert review.figures.visits.received == 0
    assert review.figures.visits.share_in_time is None
    assert review.figures.visits.median_days_to_reply is None
    assert review.standing_invitation_on is None
    assert reviews.member_review(member=b, year=YEAR).standing_invitation_on is None


def test_unconfirmed_entries_do_not_count(member):
    visit(member, D(2024, 1, 1), D(2024, 1, 2), confirmed=False)
    communication(member, D(2024, 1, 1), D(2024, 2, 1), confirmed=False)

    figures = reviews.member_review(member=member, year=YEAR).figures

    assert figures.visits.received == 0
    assert figures.communications.received == 0


def test_coalition_figures_per_member_per_region_and_in_total(dataset):
    _a, b, c = dataset

    review = reviews.coalition_review(year=YEAR)

    by_member = {row.member: row.figures for row in review.members}
    assert by_member[b].visits.median_days_to_reply == 15
    assert by_member[c].visits.answered_late == 1
    regions = {group.key: group for group in review.regions}
    african = regions[Member.RegionalGroup.AFRICAN]
    assert african.members == Member.objects.current().filter(regional_group="african").count()
    assert (african.figures.visits.received, african.figures.visits.answered_in_time) == (3, 2)
    assert african.figures.visits.median_days_to_reply == 20
    assert african.standing_invitations == 0
    weog = regions[Member.RegionalGroup.WEOG]
    assert weog.figures.visits.median_days_to_reply == 30
    assert weog.standing_invitations == 1
    total = review.total
    assert total.members == Member.objects.current().count()
    assert (total.figures.visits.received, total.figures.visits.answered_in_time) == (7, 4)
    assert total.figures.visits.median_days_to_reply == 25  # of 10, 20, 20, 30, 100, 101
    assert total.figures.communications.received == 3
    assert total.figures.follow_ups.total == 2


def _data_for(member, index: int) -> None:
    visit(member, D(2024, 1, 1), D(2024, 1, 1 + index), status="accepted")
    communication(member, D(2024, 2, 1), D(2024, 3, 1), D(2024, 2, 10))
    v = visit(member, D(2024, 3, 1), None)
    FollowUp.objects.create(visit=v, recommendation=RecommendationFactory(country=member.country))


def test_the_coalition_review_takes_the_same_number_of_queries_for_3_and_12_members():
    groups = list(Member.RegionalGroup)
    for index in range(3):
        _data_for(MemberFactory(regional_group=groups[index % 5]), index)
    with CaptureQueriesContext(connection) as few:
        reviews.coalition_review(year=YEAR)
    for index in range(3, 12):
        member = MemberFactory(regional_group=groups[index % 5])
        CooperationRecord.objects.create(member=member, standing_invitation_on=D(2010, 1, 1))
        _data_for(member, index)
    with CaptureQueriesContext(connection) as many:
        review = reviews.coalition_review(year=YEAR)

    assert len(review.members) == Member.objects.current().count()
    assert len(many) == len(few) <= 8


def test_a_member_review_takes_a_fixed_number_of_queries(dataset):
    a, _b, _c = dataset
    with CaptureQueriesContext(connection) as few:
        reviews.member_review(member=a, year=YEAR)
    for day in range(1, 20):
        visit(a, D(2024, 6, day), D(2024, 7, day))
    with CaptureQueriesContext(connection) as many:
        reviews.member_review(member=a, year=YEAR)
    assert len(many) == len(few)


# --- Pages ------------------------------------------------------------------------------------------------


def url(name: str, year: int = YEAR) -> str:
    return reverse(f"my_cooperation:{name}", kwargs={"year": year})


@pytest.fixture
def a_client(client, dataset):
    a = dataset[0]
    client.force_login(UserFactory(mission=MissionFactory(member=a)))
    return client


def test_a_member_sees_its_review_with_labels_visits_other_years_csv_link_and_print_stylesheet(
    a_client, dataset
):
    a = dataset[0]

    response = a_client.get(url("member_review"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert a.name in html
    assert "Answered within two months (by the due date)" in html
    assert "<td>50 %</td>" in html
    assert "Median days from request to answer</th><td>30</td>" in html
    assert "Yes, since" in html
    assert "Special Rapporteur on reviews" in html
    assert 'href="/en/my/cooperation/review/2023/"' in html  # another year
    assert url("member_review_csv") in html and "Download as CSV" in html
    assert '/static/css/print.css" media="print"' in html


def test_a_member_review_csv_holds_the_figures_and_visits(a_client, dataset):
    response = a_client.get(url("member_review_csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    figures = {row[3]: row[4] for row in rows if len(row) == 5 and row[0] == dataset[0].iso}
    assert figures["Visit requests received"] == "4"
    assert figures["Share answered within two months"] == "0.5"
    assert figures["Median days from request to answer"] == "30"
    assert figures["Not replied to yet"] == "1"
    assert figures["Extended on"] == "2020-01-01"
    assert [
        "Special Rapporteur on reviews",
        "2024-03-01",
        "Declined",
        "2024-05-01",
        "2024-06-10",
        "no",
    ] in rows


def test_a_member_sees_only_its_own_review_even_with_another_member_asked(a_client, dataset):
    _a, b, _c = dataset
    html = a_client.get(url("member_review"), {"member": b.iso}).content.decode()
    assert dataset[0].name in html
    assert b.name not in html


def test_the_secretariat_chooses_the_member(secretariat_client, dataset):
    _a, b, _c = dataset
    html = secretariat_client.get(url("member_review")).content.decode()
    assert 'name="member"' in html and b.name in html

    html = secretariat_client.get(url("member_review"), {"member": b.iso.lower()}).content.decode()
    assert "Median days from request to answer</th><td>15</td>" in html
    assert f"?member={b.iso}" in html
    assert secretariat_client.get(url("member_review"), {"member": "ZZ"}).status_code == 404


def test_a_review_of_a_year_without_visits_says_so(a_client):
    html = a_client.get(url("member_review", 2010)).content.decode()
    assert "No confirmed visit request was received, accepted or held in 2010." in html


@pytest.mark.parametrize("year", [1999, timezone.localdate().year + 2])
def test_years_outside_the_range_are_not_found_with_a_sentence(a_client, secretariat_client, year):
    response = a_client.get(url("member_review", year))
    assert response.status_code == 404
    assert "reviews cover 2000 to next year" in response.content.decode()
    assert a_client.get(url("member_review_csv", year)).status_code == 404


def test_users_without_a_mission_or_role_are_refused(client, dataset):
    # A secretariat account sees everything; anyone else needs a mission (the database requires one), so the
    # coalition's pages are what others are refused.
    client.force_login(UserFactory(mission=MissionFactory(member=dataset[1])))
    for name in ("coalition_review", "coalition_review_csv"):
        response = client.get(url(name))
        assert response.status_code == 403
        assert "Only the secretariat sees this page." in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(url("member_review"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_coalition_review_page_shows_members_regions_and_totals(secretariat_client, dataset):
    _a, b, _c = dataset

    response = secretariat_client.get(url("coalition_review"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "African States" in html and "Western European and other States (WEOG)" in html
    assert f"?member={b.iso}" in html
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "print.css" in html


def test_the_coalition_review_of_an_empty_year_says_so(secretariat_client, dataset):
    html = secretariat_client.get(url("coalition_review", 2005)).content.decode()
    assert "No confirmed entry counts in 2005 yet" in html


def test_the_coalition_csv_has_a_row_per_member_region_and_the_total(secretariat_client, dataset):
    a, b, _c = dataset
    response = secretariat_client.get(url("coalition_review_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    members = {row["code"]: row for row in rows if row["level"] == "member"}
    assert members[a.iso]["Visit requests received"] == "4"
    assert members[a.iso]["standing invitation"] == "2020-01-01"
    assert members[b.iso]["Median days to answer"] == "15"
    regions = {row["code"]: row for row in rows if row["level"] == "region"}
    assert regions["african"]["Visit requests received"] == "3"
    assert regions["african"]["Median days to answer"] == "20"
    (total,) = [row for row in rows if row["level"] == "total"]
    assert total["members"] == str(Member.objects.current().count())
    assert total["Answered within two months"] == "4"
    assert total["Median days to answer"] in {"25", "25.0"}


def test_the_print_stylesheet_hides_navigation_forms_and_footer_and_keeps_tables_whole():
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "print.css").read_text()
    for selector in (".site-header nav", ".site-footer", "main form"):
        assert selector in css
    assert "attr(href)" in css
    assert "break-inside: avoid" in css


def test_the_pages_work_in_arabic(a_client):
    from django.utils import translation

    with translation.override("ar"):
        response = a_client.get(url("member_review"))
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()
