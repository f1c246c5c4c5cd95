"""Open data of published cooperation cards: one record per card, in JSON and CSV; never a communication's
content; unpublished members absent."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from cooperation.models import CooperationRecord
from tests import factories
from tests.cooperation.test_card import LAST_YEAR, communication, mandate, publish, visit

pytestmark = pytest.mark.django_db

JSON = reverse("api:cooperation_json")
CSV = reverse("api:cooperation_csv")


def csv_rows(response) -> list[dict]:
    # Built whole (the public cache keeps it) since issue 18; streamed before.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def published_member(member):
    CooperationRecord.objects.create(member=member, standing_invitation_on=datetime.date(2012, 5, 4))
    visit(
        member,
        status="completed",
        replied_on=datetime.date(LAST_YEAR, 3, 20),
        visit_starts_on=datetime.date(LAST_YEAR, 9, 1),
        visit_ends_on=datetime.date(LAST_YEAR, 9, 10),
        report_symbol="=A/HRC/99/1/Add.1",
        note="Internal remark",
    )
    visit(member, confirmed=False, mandate=mandate("Special Rapporteur on the right to education"))
    communication(member)
    communication(member, reference="AL 2/SECRET", replied_on=None)
    publish(member)
    return member


def test_the_json_has_one_record_per_published_card(client, published_member):
    factories.MemberFactory()  # publishes nothing
    response = client.get(JSON)

    data = response.json()
    assert response.status_code == 200 and data["count"] == 1
    record = data["results"][0]
    assert record["member"] == {
        "iso": published_member.iso,
        "name": published_member.name,
        "regional_group": "weog",
    }
    assert record["url"].endswith(f"/members/{published_member.iso.lower()}/cooperation/")
    assert record["year"] == LAST_YEAR
    assert record["standing_invitation_on"] == "2012-05-04"
    assert record["published_at"].startswith(str(datetime.date.today().year)[:2])
    figures = record["figures"]
    assert figures["visit_requests"]["received"] == 1
    assert figures["visit_requests"]["answered_in_time"] == 1
    assert figures["visit_requests"]["held"] == 1
    assert figures["visit_requests"]["median_days_to_reply"] == 19.0
    assert figures["communications"] == {
        "received": 2,
        "replied_in_time": 1,
        "replied_late": 0,
        "unanswered": 1,
        "share_replied_in_time": 0.5,
    }
    assert record["visits"] == [
        {
            "mandate": "Special Rapporteur on the right to food",
            "mandate_kind": "thematic",
            "requested_on": f"{LAST_YEAR}-03-01",
            "status": "completed",
            "visit_starts_on": f"{LAST_YEAR}-09-01",
            "visit_ends_on": f"{LAST_YEAR}-09-10",
            "report_symbol": "=A/HRC/99/1/Add.1",
            "follow_up": {"not_started": 0, "in_progress": 0, "implemented": 0},
        }
    ]


def test_nothing_of_communications_but_counts(client, published_member):
    for url in (JSON, CSV):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8-sig")
        for secret in ("UA ", "SECRET", "Jane Doe", "Internal remark", "right to education"):
            assert secret not in text, (url, secret)


def test_the_csv_is_flat_and_safe_for_spreadsheets(client, published_member):
    response = client.get(CSV)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "cooperation-cards.csv" in response["Content-Disposition"]
    (row,) = csv_rows(response)
    assert row["member_iso"] == published_member.iso
    assert row["year"] == str(LAST_YEAR)
    assert row["visits"] == "1"
    assert row["visit_report_symbols"] == "'=A/HRC/99/1/Add.1"  # neutralised
    assert row["communications_received"] == "2"
    assert row["communications_share_replied_in_time"] == "0.5"
    assert row["visit_requests_median_days_to_reply"] == "19.0"


def test_empty_open_data(client, db):
    data = client.get(JSON).json()
    assert data["count"] == 0 and data["results"] == []
    assert data["licence"]["url"]  # issue 18: the licence next to the records
    response = client.get(CSV)
    # Built whole (the public cache keeps it) since issue 18; streamed before.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8-sig")
    assert text.startswith("member_iso,member_name,") and text.count("\n") == 1


def test_the_open_data_is_public(client, published_member):
    assert "public" in client.get(JSON)["Cache-Control"]
    assert "public" in client.get(CSV)["Cache-Control"]


@pytest.mark.parametrize("count", [2, 10])
def test_queries_do_not_grow_with_cards_of_one_year(client, db, count, django_assert_max_num_queries):
    for _n in range(count):
        member = factories.MemberFactory()
        visit(member)
        communication(member)
        publish(member)
    with django_assert_max_num_queries(12):
        assert client.get(JSON).json()["count"] == count
