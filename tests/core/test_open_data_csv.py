"""No anonymous request to the open data costs more than one page's work: live CSV files are capped (and
say so), limited per address and hour, and every endpoint takes the same number of queries for 3 rows as
for 30."""

import csv
import io

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core.open_data import DEFAULT_CSV_CAP, csv_cap
from tests import factories
from tests.core.test_open_data import OPEN_DATA, add_open_data

pytestmark = pytest.mark.django_db

LIVE_CSV = ["api:stories_csv", "api:recommendations_csv"]


def rows_of(response) -> list[dict[str, str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def open_data_set(db) -> None:
    add_open_data(3)


# ---------------------------------------------------------------------------------------------------------
# The cap


def test_the_cap_has_a_default_and_a_setting(settings):
    assert csv_cap() == DEFAULT_CSV_CAP == 5000
    settings.OPEN_DATA_CSV_CAP = 2
    assert csv_cap() == 2


@pytest.mark.parametrize("name", LIVE_CSV)
def test_a_capped_file_says_so_in_its_name_and_a_header(client, settings, open_data_set, name):
    settings.OPEN_DATA_CSV_CAP = 2
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert len(rows_of(response)) == 2
    assert response["X-Rows-Capped"] == "2"
    assert response["Content-Disposition"].endswith('-first-2.csv"')


@pytest.mark.parametrize("name", LIVE_CSV)
def test_a_file_within_the_cap_is_whole_and_says_nothing(client, settings, open_data_set, name):
    settings.OPEN_DATA_CSV_CAP = 3
    response = client.get(reverse(name))
    assert len(rows_of(response)) == 3
    assert "X-Rows-Capped" not in response
    assert "-first-" not in response["Content-Disposition"]


def test_the_cap_keeps_the_lists_order_newest_first(client, settings, open_data_set):
    settings.OPEN_DATA_CSV_CAP = 1
    newest = client.get(reverse("api:stories_json")).json()["results"][0]["id"]
    assert [row["id"] for row in rows_of(client.get(reverse("api:stories_csv")))] == [str(newest)]


# ---------------------------------------------------------------------------------------------------------
# The rate limit


@pytest.mark.parametrize("name", LIVE_CSV)
def test_an_address_asking_for_too_many_files_is_told_when_to_come_back(
    client, settings, open_data_set, name
):
    settings.OPEN_DATA_CSV_LIMIT_PER_HOUR = 2
    url = reverse(name)
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "courts"}).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    sentence = refused.json()["error"]
    assert "Too many CSV downloads" in sentence and "Try again in" in sentence
    assert refused["Access-Control-Allow-Origin"] == "*"  # a script elsewhere can read why
    assert "no-store" in refused["Cache-Control"] and "public" not in refused["Cache-Control"]
    # Another address still gets its file; the JSON is not limited.
    assert Client(REMOTE_ADDR="192.0.2.7").get(url).status_code == 200
    assert client.get(url.replace(".csv", ".json")).status_code == 200


def test_the_limit_counts_every_live_csv_together(client, settings, open_data_set):
    settings.OPEN_DATA_CSV_LIMIT_PER_HOUR = 1
    assert client.get(reverse("api:stories_csv")).status_code == 200
    assert client.get(reverse("api:recommendations_csv")).status_code == 429


def test_people_logged_in_are_not_counted(client, settings, open_data_set, staff_user):
    settings.OPEN_DATA_CSV_LIMIT_PER_HOUR = 1
    client.force_login(staff_user)
    for _ in range(3):
        assert client.get(reverse("api:stories_csv")).status_code == 200


def test_small_files_are_cached_and_not_limited(client, settings, open_data_set):
    settings.OPEN_DATA_CSV_LIMIT_PER_HOUR = 1
    for _ in range(3):
        assert client.get(reverse("api:endorsements_csv")).status_code == 200
        assert client.get(reverse("api:cooperation_csv")).status_code == 200


# ---------------------------------------------------------------------------------------------------------
# One page's work at most


@pytest.mark.parametrize("name", OPEN_DATA)
def test_an_anonymous_request_costs_the_same_queries_for_3_rows_as_for_30(
    client, open_data_set, name, django_assert_max_num_queries
):
    url = reverse(name)

    def queries() -> int:
        cache.clear()  # no page, count or licence from the cache: the work in full
        with django_assert_max_num_queries(40) as captured:
            response = client.get(url)
            assert response.status_code == 200
            if response.streaming:
                b"".join(response.streaming_content)
        return len(captured.captured_queries)

    few = queries()
    add_open_data(27)
    assert queries() == few


def test_a_file_at_the_cap_costs_a_bounded_number_of_queries(
    client, settings, open_data_set, django_assert_max_num_queries
):
    """The live CSV reads its rows 500 at a time: at the cap of 5,000 rows, 10 rounds of the same queries."""
    settings.OPEN_DATA_CSV_CAP = 2
    cache.clear()
    with django_assert_max_num_queries(30):
        b"".join(client.get(reverse("api:stories_csv"), {"theme": "gender-equality"}).streaming_content)


def test_a_members_own_stories_are_in_the_open_data_only_once_published(client, open_data_set):
    draft = factories.StoryFactory(title="A draft nobody may read")
    text = b"".join(client.get(reverse("api:stories_csv")).streaming_content).decode("utf-8-sig")
    assert draft.title not in text
