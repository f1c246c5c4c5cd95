"""The open data's OpenAPI 3.1 description at /api/openapi.json: valid (openapi-spec-validator), complete
(every API URL name, every filter), resolvable (every path), and true (the records the views give have
exactly the fields their schemas name)."""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, resolve, reverse
from openapi_spec_validator import validate

from coalition import openapi
from coalition.urls import api_patterns
from core.open_data import DEFAULT_LICENCE
from recommendations.filters import RecommendationFilter
from stories.filters import StoryFilter
from tests.core.test_open_data import add_open_data

pytestmark = pytest.mark.django_db

URL = reverse("api:openapi")


@pytest.fixture
def document(client) -> dict:
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def operations(document: dict) -> dict[str, dict]:
    return {op["operationId"]: op for item in document["paths"].values() for op in item.values()}


def test_the_description_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_url_is_described(document):
    names = {pattern.name for pattern in api_patterns if isinstance(pattern, URLPattern)}
    assert names <= set(operations(document))
    assert {"stories_json", "recommendations_csv", "cooperation_json", "endorsements_csv"} <= names


def test_every_path_resolves_to_its_view(document):
    root = document["servers"][0]["url"].removeprefix("http://testserver")
    assert root == "/en/api"
    for path, item in document["paths"].items():
        match = resolve(root + path)
        assert match.url_name == item["get"]["operationId"]
        assert match.namespace == "api"


def test_every_filter_of_the_views_is_a_parameter(document):
    found = operations(document)
    for name, filterset in [
        ("stories_json", StoryFilter),
        ("stories_csv", StoryFilter),
        ("recommendations_json", RecommendationFilter),
        ("recommendations_csv", RecommendationFilter),
    ]:
        parameters = {parameter["name"] for parameter in found[name]["parameters"]}
        assert set(filterset.base_filters) <= parameters, name
    assert {"page", "page_size"} <= {p["name"] for p in found["stories_json"]["parameters"]}


def test_closed_vocabularies_are_enumerated(document):
    found = operations(document)
    stories = {p["name"]: p["schema"] for p in found["stories_json"]["parameters"]}
    assert stories["region"]["enum"] == ["african", "asia_pacific", "eastern_european", "grulac", "weog"]
    assert stories["sdg"]["enum"] == list(range(1, 18))
    assert "gender-equality" in stories["theme"]["enum"]
    assert len(stories["target"]["enum"]) == 169 and "16.3" in stories["target"]["enum"]
    assert "enum" not in stories["member"]  # members join: described by a pattern instead
    recommendations = {p["name"]: p["schema"] for p in found["recommendations_json"]["parameters"]}
    assert recommendations["mechanism"]["enum"] == ["upr", "treaty_body", "special_procedures"]
    record = found["recommendations_json"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert record["properties"]["results"]["items"]["properties"]["mechanism"]["enum"] == [
        "upr",
        "treaty_body",
        "special_procedures",
    ]


def test_errors_headers_and_licence_are_described(document):
    found = operations(document)
    stories = found["stories_json"]["responses"]
    assert stories["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert {"Link", "Access-Control-Allow-Origin"} <= set(stories["200"]["headers"])
    assert "licence" in stories["200"]["content"]["application/json"]["schema"]["required"]
    csv = found["stories_csv"]["responses"]
    assert {"200", "302", "429"} <= set(csv)
    assert "X-Rows-Capped" in csv["200"]["headers"] and "Retry-After" in csv["429"]["headers"]
    assert "translation_languages" in csv["200"]["content"]["text/csv"]["schema"]["description"]
    assert document["info"]["license"] == {"name": DEFAULT_LICENCE.name, "url": DEFAULT_LICENCE.url}


def test_the_description_is_open_data_itself(client):
    response = client.get(URL, headers={"Origin": "https://tools.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert 'rel="license"' in response["Link"]
    assert client.options(URL).status_code == 204


def test_each_language_describes_its_own_addresses(client):
    document = Client().get(reverse("api:openapi").replace("/en/", "/fr/")).json()
    assert document["servers"][0]["url"] == "http://testserver/fr/api"


def required_fields(schema: dict) -> set[str]:
    return set(schema["required"])


def check(record: dict, schema: dict, where: str) -> None:
    """The record has exactly the fields its schema names, all the way down (lists through their items)."""
    if schema.get("type") == "object" and "properties" in schema:
        assert set(record) == set(schema["properties"]) == required_fields(schema), where
        for name, value in record.items():
            check(value, schema["properties"][name], f"{where}.{name}")
    elif schema.get("type") == "array" and isinstance(record, list):
        for item in record:
            check(item, schema.get("items", {}), f"{where}[]")


@pytest.mark.parametrize(
    "name", ["stories_json", "recommendations_json", "endorsements_json", "cooperation_json"]
)
def test_the_records_have_exactly_the_fields_of_their_schemas(client, name):
    add_open_data(2)
    schema = openapi.operation(next(e for e in openapi.endpoints() if e.name == name))
    envelope = schema["responses"]["200"]["content"]["application/json"]["schema"]
    body = client.get(reverse(f"api:{name}")).json()
    assert set(body) == set(envelope["properties"])
    assert body["results"]
    for record in body["results"]:
        check(record, envelope["properties"]["results"]["items"], name)


def test_the_csv_columns_are_the_views_columns(client, document):
    add_open_data(1)
    for name in ("stories_csv", "recommendations_csv", "endorsements_csv", "cooperation_csv"):
        response = client.get(reverse(f"api:{name}"))
        content = b"".join(response.streaming_content) if response.streaming else response.content
        header = content.decode("utf-8-sig").splitlines()[0].split(",")
        description = operations(document)[name]["responses"]["200"]["content"]["text/csv"]["schema"]
        assert description["description"].count("`") >= 2 * len(header)
        assert all(f"`{column}`" in description["description"] for column in header), name


def test_the_description_is_cached_and_goes_stale_with_the_licence(
    settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from core.models import OpenDataLicence

    settings.PUBLIC_CACHE = True
    Client().get(URL)
    with django_assert_num_queries(0):
        Client().get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        OpenDataLicence.objects.create(
            name="CC0 1.0", url="https://creativecommons.org/publicdomain/zero/1.0/"
        )
    document = json.loads(Client().get(URL).content)
    assert document["info"]["license"]["name"] == "CC0 1.0"


def test_the_oembed_answer_has_the_fields_of_its_schema(client):
    add_open_data(1)
    story_url = Client().get(URL).json()["paths"]["/oembed.json"]["get"]["parameters"][0]["example"]
    body = client.get(reverse("api:oembed"), {"url": story_url}).json()
    schema = openapi.OEMBED_SCHEMA
    assert set(schema["required"]) <= set(body) <= set(schema["properties"])
    assert body["type"] == "rich" and body["version"] == "1.0"
