"""What every open-data response shares (core/open_data.py): the licence the secretariat sets, stated in the
JSON, a `Link` header, the admin and the public cache; CORS on open data and nowhere else; `Link` headers
between pages; the hook through which releases give the full files."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cooperation.models import CooperationRecord
from core import open_data
from core.models import OpenDataLicence
from core.open_data import DEFAULT_LICENCE, Licence, current_licence
from membership.models import DeclarationVersion, Endorsement
from stories.models import Story, StoryTranslation, Theme
from tests import factories
from tests.cooperation.test_card import LAST_YEAR, publish, visit

pytestmark = pytest.mark.django_db

OPEN_DATA = [
    "api:stories_json",
    "api:stories_csv",
    "api:endorsements_json",
    "api:endorsements_csv",
    "api:recommendations_json",
    "api:recommendations_csv",
    "api:cooperation_json",
    "api:cooperation_csv",
]
JSON_ENDPOINTS = [name for name in OPEN_DATA if name.endswith("_json")]
NOT_OPEN_DATA = ["stories:story_list", "members:member_list", "home"]
OECD_LICENCE = {
    "name": "ODC-BY 1.0",
    "url": "https://opendatacommons.org/licenses/by/1-0/",
    "attribution": "Good Human Rights Stories Initiative (ODC-BY)",
}


# ---------------------------------------------------------------------------------------------------------
# A small data set of every kind of open data (also used by the OpenAPI, schemathesis and docs tests)


def add_open_data(count: int) -> None:
    """`count` of each: published stories (themes, an SDG, a target, a translation), recommendations to
    members, endorsements, and published cooperation cards, each for a member of its own."""
    themes = list(Theme.objects.filter(slug__in=["gender-equality", "sdg-5", "sdg-16"]))
    version = DeclarationVersion.objects.get(number=1)
    for n in range(count):
        member = factories.MemberFactory(regional_group="grulac")
        # A known address, for the examples of docs/api.md (the count: called twice in some tests).
        story = factories.PublishedStoryFactory(
            member=member, themes=themes, slug=f"story-{Story.objects.count()}"
        )
        StoryTranslation.objects.create(
            story=story, language="fr", title=f"Tribunaux mobiles {n}", summary="", body="Les juges voyagent."
        )
        factories.RecommendationFactory(country=member.country, mechanism="treaty_body", body="CEDAW")
        Endorsement.objects.update_or_create(
            member=member,
            version=version,
            defaults={
                "endorsed_on": datetime.date(2020, 1, 1) + datetime.timedelta(days=n),
                "means": Endorsement.Means.LETTER,
                "signatory_name": "Ana Ministra",
                "signatory_title": "Minister of Foreign Affairs",
            },
        )
        CooperationRecord.objects.create(member=member, standing_invitation_on=datetime.date(2015, 1, 1))
        visit(
            member,
            status="completed",
            replied_on=datetime.date(LAST_YEAR, 3, 20),
            visit_starts_on=datetime.date(LAST_YEAR, 9, 1),
            visit_ends_on=datetime.date(LAST_YEAR, 9, 10),
            report_symbol=f"A/HRC/99/{n}/Add.1",
        )
        publish(member)


@pytest.fixture
def open_data_set(db) -> None:
    add_open_data(3)


@pytest.fixture
def licence_set(django_capture_on_commit_callbacks) -> Licence:
    with django_capture_on_commit_callbacks(execute=True):
        OpenDataLicence.objects.create(**OECD_LICENCE)
    return Licence(**OECD_LICENCE)


def links(response) -> dict[str, str]:
    """rel -> URL, from the `Link` header."""
    found = {}
    for part in response.get("Link", "").split(","):
        if part.strip():
            url, rel = part.split(";", 1)
            found[rel.strip().removeprefix('rel="').removesuffix('"')] = url.strip().strip("<>")
    return found


# ---------------------------------------------------------------------------------------------------------
# The licence


def test_a_fresh_install_states_cc_by_4():
    assert current_licence() == DEFAULT_LICENCE
    assert DEFAULT_LICENCE.url == "https://creativecommons.org/licenses/by/4.0/"


@pytest.mark.parametrize("name", OPEN_DATA)
def test_every_open_data_response_links_to_the_licence(client, open_data_set, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert links(response)["license"] == DEFAULT_LICENCE.url


@pytest.mark.parametrize("name", JSON_ENDPOINTS)
def test_every_json_states_the_licence_next_to_the_count(client, open_data_set, licence_set, name):
    body = client.get(reverse(name)).json()
    assert body["licence"] == OECD_LICENCE
    assert body["count"] == len(body["results"]) or body["count"] >= 3


def test_an_error_links_to_the_licence_too(client, open_data_set):
    response = client.get(reverse("api:stories_json"), {"page": 99})
    assert response.status_code == 404
    assert "error" in response.json()
    assert links(response)["license"] == DEFAULT_LICENCE.url


def test_the_secretariats_licence_replaces_the_default_everywhere_at_once(
    client, open_data_set, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_CACHE = True
    url = reverse("api:stories_json")
    assert client.get(url).json()["licence"]["url"] == DEFAULT_LICENCE.url
    Client().get(url)  # now in the public cache
    with django_capture_on_commit_callbacks(execute=True):
        OpenDataLicence.objects.create(**OECD_LICENCE)
    response = Client().get(url)
    assert response.json()["licence"] == OECD_LICENCE
    assert links(response)["license"] == OECD_LICENCE["url"]
    assert current_licence() == Licence(**OECD_LICENCE)


def test_the_licence_is_read_once_per_generation(settings, licence_set, django_assert_num_queries):
    settings.PUBLIC_CACHE = True
    current_licence()
    with django_assert_num_queries(0):
        assert current_licence().name == "ODC-BY 1.0"


def test_the_database_holds_one_licence_at_most(licence_set):
    with pytest.raises(IntegrityError), transaction.atomic():
        OpenDataLicence.objects.create(id=2, **OECD_LICENCE)


def test_the_admin_adds_the_licence_once_then_only_changes_it(client, secretariat_user):
    secretariat_user.is_superuser = True
    secretariat_user.save()
    client.force_login(secretariat_user)
    add_url = reverse("admin:core_opendatalicence_add")
    form = client.get(add_url)
    assert form.status_code == 200
    assert DEFAULT_LICENCE.url in form.content.decode()  # starts from the licence already stated
    response = client.post(add_url, OECD_LICENCE)
    assert response.status_code == 302
    assert OpenDataLicence.objects.get().name == "ODC-BY 1.0"
    assert client.get(add_url).status_code == 403
    change = client.post(
        reverse("admin:core_opendatalicence_change", args=[1]), {**OECD_LICENCE, "name": "ODC-BY"}
    )
    assert change.status_code == 302
    assert OpenDataLicence.objects.get().name == "ODC-BY"


# ---------------------------------------------------------------------------------------------------------
# CORS


@pytest.mark.parametrize("name", OPEN_DATA)
def test_open_data_may_be_read_by_any_sites_scripts_without_credentials(client, open_data_set, name):
    response = client.get(reverse(name), headers={"Origin": "https://news.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "Link" in response["Access-Control-Expose-Headers"]
    assert "X-Rows-Capped" in response["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("name", OPEN_DATA)
def test_a_preflight_is_answered_with_the_methods_and_headers_allowed(client, name):
    response = client.options(
        reverse(name),
        headers={
            "Origin": "https://news.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0
    assert response.content == b""


@pytest.mark.parametrize("name", OPEN_DATA)
def test_head_gives_the_same_headers_without_a_body(client, open_data_set, name):
    response = client.head(reverse(name))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert links(response)["license"] == DEFAULT_LICENCE.url


@pytest.mark.parametrize("name", OPEN_DATA)
def test_open_data_refuses_writes(client, name):
    response = client.post(reverse(name), headers={"Origin": "https://news.example"})
    assert response.status_code == 405
    assert "POST" not in response["Allow"]


@pytest.mark.parametrize("name", NOT_OPEN_DATA)
def test_no_cors_anywhere_else(client, open_data_set, name):
    for response in (
        client.get(reverse(name), headers={"Origin": "https://news.example"}),
        client.options(
            reverse(name),
            headers={"Origin": "https://news.example", "Access-Control-Request-Method": "GET"},
        ),
    ):
        assert "Access-Control-Allow-Origin" not in response
        assert "Access-Control-Allow-Methods" not in response
        assert 'rel="license"' not in response.get("Link", "")


def test_no_cors_on_a_story_page(client, open_data_set):
    story = factories.PublishedStoryFactory()
    response = client.get(story.get_absolute_url(), headers={"Origin": "https://news.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("name", ["api:stories_json", "api:recommendations_json", "api:cooperation_json"])
def test_a_hit_and_a_miss_carry_the_same_open_data_headers(
    settings, open_data_set, name, django_assert_num_queries
):
    settings.PUBLIC_CACHE = True
    url = reverse(name) + "?page_size=1" if "stories" in name or "recommendations" in name else reverse(name)
    miss = Client().get(url)
    with django_assert_num_queries(0):
        hit = Client().get(url)
    assert hit.content == miss.content
    for header in ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Link", "Content-Type"):
        assert hit[header] == miss[header]


# ---------------------------------------------------------------------------------------------------------
# Link headers between pages


def test_pages_link_to_the_first_previous_next_and_last_pages(client, open_data_set):
    response = client.get(
        reverse("api:stories_json"), {"page_size": 1, "page": 2, "theme": "gender-equality"}
    )
    body = response.json()
    found = links(response)
    assert body["pages"] == 3
    assert found["next"] == body["next"] and "page=3" in found["next"]
    assert found["prev"] == body["previous"] and "page=1" in found["prev"]
    assert "page=1" in found["first"] and "page=3" in found["last"]
    assert all("theme=gender-equality" in found[rel] for rel in ("first", "prev", "next", "last"))
    assert found["license"] == DEFAULT_LICENCE.url


def test_the_first_page_has_no_previous_and_the_last_no_next(client, open_data_set):
    first = links(client.get(reverse("api:recommendations_json"), {"page_size": 2}))
    assert "prev" not in first and "next" in first
    last = links(client.get(reverse("api:recommendations_json"), {"page_size": 2, "page": 2}))
    assert "next" not in last and "prev" in last


# ---------------------------------------------------------------------------------------------------------
# The full exports of the releases


@pytest.fixture
def registry():
    """The hook's registrations as they were: a test's own are forgotten after it."""
    saved = dict(open_data._full_exports)
    open_data._full_exports.clear()
    yield open_data._full_exports
    open_data._full_exports.clear()
    open_data._full_exports.update(saved)


def test_a_full_export_is_found_once_registered(registry):
    assert open_data.full_export_url("stories") is None
    open_data.register_full_export("stories", lambda: "/en/data/2026-01-31/stories.csv")
    assert open_data.full_export_url("stories") == "/en/data/2026-01-31/stories.csv"
    open_data.register_full_export("stories", lambda: None)  # no release yet
    assert open_data.full_export_url("stories") is None


def test_a_failing_publisher_leaves_the_live_data(registry, caplog):
    def broken() -> str:
        raise RuntimeError("storage down")

    open_data.register_full_export("stories", broken)
    assert open_data.full_export_url("stories") is None
    assert "full export of stories" in caplog.text


def test_the_full_stories_csv_is_the_latest_releases_file(client, registry, open_data_set):
    release = "/en/data/2026-01-31/stories.csv"
    open_data.register_full_export("stories", lambda: release)
    response = client.get(reverse("api:stories_csv"))
    assert response.status_code == 302 and response["Location"] == release
    assert response["Access-Control-Allow-Origin"] == "*"
    # An order is not a filter: the release has every row.
    assert client.get(reverse("api:stories_csv"), {"sort": "oldest"}).status_code == 302
    # A filter, even one that matches everything, is answered live.
    filtered = client.get(reverse("api:stories_csv"), {"theme": "gender-equality"})
    assert filtered.status_code == 200
    assert filtered["Content-Type"].startswith("text/csv")
    # A value that cannot be used narrows nothing.
    assert client.get(reverse("api:stories_csv"), {"member": "zz"}).status_code == 302


def test_the_full_recommendations_csv_is_the_latest_releases_file(client, registry, open_data_set):
    open_data.register_full_export("recommendations", lambda: "https://media.example/r.csv")
    response = client.get(reverse("api:recommendations_csv"))
    assert response.status_code == 302 and response["Location"] == "https://media.example/r.csv"
    assert client.get(reverse("api:recommendations_csv"), {"mechanism": "upr"}).status_code == 200


def test_without_a_release_the_whole_csv_is_live(client, registry, open_data_set):
    response = client.get(reverse("api:stories_csv"))
    assert response.status_code == 200
    assert "X-Rows-Capped" not in response


# ---------------------------------------------------------------------------------------------------------
# The language of every text


def test_stories_give_their_language_and_each_translations(client, open_data_set):
    story = client.get(reverse("api:stories_json")).json()["results"][0]
    assert story["language"] == "en"
    assert story["translations"] == [
        {
            "language": "fr",
            "title": story["translations"][0]["title"],
            "summary": None,  # not translated: the original's stands
            "body_markdown": "Les juges voyagent.",
            "updated_at": story["translations"][0]["updated_at"],
        }
    ]
    assert story["translations"][0]["title"].startswith("Tribunaux mobiles")
    assert timezone.datetime.fromisoformat(story["translations"][0]["updated_at"])


def test_the_stories_csv_names_the_languages_of_the_translations(client, open_data_set):
    text = b"".join(client.get(reverse("api:stories_csv")).streaming_content).decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.endswith(",translation_languages")
    assert first.endswith(",fr")


def test_recommendations_give_the_language_of_their_text(client, open_data_set):
    for record in client.get(reverse("api:recommendations_json")).json()["results"]:
        assert record["language"] == "en"
