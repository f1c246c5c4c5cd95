"""Open data of recommendations: the JSON envelope, pages and fields, the filters, the CSV and its
neutralised cells, and what is never there (recommendations to applicants, personal data)."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from members.models import Member
from stories.models import SdgTarget, Theme
from tests import factories
from tests.recommendations.test_public import answered_by_story, cite, rec_for

pytestmark = pytest.mark.django_db

JSON_URL = reverse("api:recommendations_json")
CSV_URL = reverse("api:recommendations_csv")


def get_json(client, **params) -> dict:
    response = client.get(JSON_URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def get_csv(client, **params) -> list[dict]:
    response = client.get(CSV_URL, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def full(member):
    rec = rec_for(
        member,
        paragraph="116.23",
        recommending_states=["Chile", "Norway"],
        affected_groups=["Children"],
        uhri_id="uhri-1",
        uhri_url="https://uhri.ohchr.org/en/recommendation/uhri-1",
        text="Strengthen legal aid in rural areas",
    )
    rec.themes.add(Theme.objects.priorities().first(), Theme.objects.sdgs().get(sdg_number=5))
    rec.sdg_targets.add(SdgTarget.objects.get(code="16.3"))
    story = answered_by_story(rec)
    draft = factories.StoryFactory(member=member)
    cite(draft, rec)
    return rec, story


def test_the_json_has_the_envelope_and_every_field(client, member, full):
    rec, story = full

    data = get_json(client)

    assert data["count"] == 1 and data["page"] == 1 and data["pages"] == 1
    assert data["next"] is None and data["previous"] is None and data["ignored_filters"] == []
    (record,) = data["results"]
    assert record["id"] == rec.pk
    assert record["url"] == f"http://testserver{rec.get_absolute_url()}"
    assert record["member"] == {"iso": member.iso, "name": member.name}
    assert record["mechanism"] == "upr" and record["body"] == "UPR"
    assert record["symbol"] == "A/HRC/38/4" and record["paragraph"] == "116.23"
    assert record["upr_cycle"] == 3 and record["session"] == "29"
    assert record["recommending_states"] == ["Chile", "Norway"]
    assert record["response"] == "supported" and record["published_on"] == "2018-04-20"
    assert record["text"] == "Strengthen legal aid in rural areas" and record["language"] == "en"
    assert record["themes"] == [Theme.objects.priorities().first().slug]
    assert record["sdg_goals"] == [5, 16]
    assert record["sdg_targets"] == ["16.3"]
    assert record["affected_groups"] == ["Children"]
    assert record["uhri_id"] == "uhri-1"
    assert record["uhri_url"] == "https://uhri.ohchr.org/en/recommendation/uhri-1"
    # Only the published story, not the draft that also cites it.
    assert record["answered_by"] == [{"id": story.pk, "url": f"http://testserver{story.get_absolute_url()}"}]


def test_the_json_carries_no_personal_data(client, member, full, staff_user):
    raw = client.get(JSON_URL).content.decode()

    assert staff_user.email not in raw and staff_user.full_name not in raw
    assert "author" not in raw and "added_by" not in raw and "email" not in raw


def test_the_json_is_paginated_with_links_that_keep_the_filters(client, member):
    for n in range(5):
        rec_for(member, paragraph=f"7.{n}")

    data = get_json(client, page_size="2", mechanism="upr")
    last = get_json(client, page_size="2", mechanism="upr", page="3")

    assert data["count"] == 5 and data["pages"] == 3 and len(data["results"]) == 2
    assert "mechanism=upr" in data["next"] and "page=2" in data["next"]
    assert len(last["results"]) == 1 and last["next"] is None


def test_a_json_page_that_does_not_exist_is_404_with_a_sentence(client, member):
    rec_for(member)

    response = client.get(JSON_URL, {"page": "9"})

    assert response.status_code == 404
    assert json.loads(response.content)["error"].startswith("There is no page 9")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"mechanism": "treaty_body"}, {"crc"}),
        ({"response": "noted"}, {"noted"}),
        ({"answered": "yes"}, {"answered"}),
        ({"answered": "no"}, {"crc", "noted"}),
        ({"target": "16.3"}, {"noted"}),
        ({"q": "children"}, {"crc"}),
    ],
)
def test_the_json_and_csv_filter_as_the_list(client, member, params, expected):
    recs = {
        "answered": rec_for(member, text="Answered recommendation"),
        "noted": rec_for(member, response="noted", text="Noted recommendation"),
        "crc": rec_for(
            member,
            mechanism="treaty_body",
            body="CRC",
            response="",
            symbol="CRC/C/1",
            text="Protect children from violence",
        ),
    }
    answered_by_story(recs["answered"])
    recs["noted"].sdg_targets.add(SdgTarget.objects.get(code="16.3"))

    json_ids = {r["id"] for r in get_json(client, **params)["results"]}
    csv_ids = {int(row["id"]) for row in get_csv(client, **params)}

    assert json_ids == csv_ids == {recs[name].pk for name in expected}


def test_an_unusable_filter_is_named_and_left_out(client, member):
    rec_for(member)

    data = get_json(client, mechanism="nonsense")

    assert data["ignored_filters"] == ["mechanism"] and data["count"] == 1


def test_recommendations_to_applicants_are_not_open_data(client, member):
    applicant = factories.MemberFactory(status=Member.Status.APPLICANT)
    hidden = rec_for(applicant)
    shown = rec_for(member)

    assert [r["id"] for r in get_json(client)["results"]] == [shown.pk]
    assert [int(row["id"]) for row in get_csv(client)] == [shown.pk]
    assert hidden.pk not in [r["id"] for r in get_json(client, member=applicant.iso.lower())["results"]]


def test_the_csv_has_every_column(client, member, full):
    rec, story = full

    (row,) = get_csv(client)

    assert row["id"] == str(rec.pk)
    assert row["member_iso"] == member.iso and row["member_name"] == member.name
    assert row["symbol"] == "A/HRC/38/4" and row["paragraph"] == "116.23"
    assert row["recommending_states"] == "Chile; Norway"
    assert row["sdg_goals"] == "5 16" and row["sdg_targets"] == "16.3"
    assert row["answered_by"] == f"http://testserver{story.get_absolute_url()}"
    assert row["uhri_id"] == "uhri-1"


def test_the_csv_neutralises_cells_a_spreadsheet_would_run(client, member):
    rec_for(member, text='=HYPERLINK("http://evil.example")', recommending_states=["+Chile"])

    (row,) = get_csv(client)

    assert row["text"] == '\'=HYPERLINK("http://evil.example")'
    assert row["recommending_states"] == "'+Chile"


def test_the_json_query_count_does_not_grow_with_rows(client, member, django_assert_max_num_queries):
    def add(count: int) -> None:
        for _ in range(count):
            rec = rec_for(member)
            rec.themes.add(Theme.objects.priorities().first())
            rec.sdg_targets.add(SdgTarget.objects.get(code="16.3"))
            answered_by_story(rec)

    add(3)
    with django_assert_max_num_queries(20) as few:
        assert len(get_json(client)["results"]) == 3
    add(27)
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(get_json(client)["results"]) == 30
