"""/data/: the releases listed newest first with their files and what left, a stable page per release with
the text to cite it, in English and Arabic; the DCAT catalogue; query counts that do not grow."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from opendata import releases
from opendata.models import Release
from tests.opendata.data import everything

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 1)
LIST = reverse("opendata:release_list")
CATALOG = reverse("opendata:catalog")
WITHDRAWN = (
    "Stories withdrawn by their member, and photos whose consent was withdrawn, are not in later releases."
)


def listed(slug: str, *, day: datetime.date = DAY, **fields) -> Release:
    """A release row as the service leaves it (for the pages, which read rows only, never files)."""
    values = {
        "released_on": day,
        "created_at": datetime.datetime.combine(day, datetime.time(3), tzinfo=datetime.UTC),
        "status": Release.Status.PUBLISHED,
        "data_digest": "0" * 64,
        "licence_name": "CC BY 4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "licence_attribution": "Good Human Rights Stories Initiative, open data, licensed under CC BY 4.0",
        "files": [
            {
                "name": "datapackage",
                "path": "datapackage.json",
                "title": "Frictionless Data Package",
                "format": "json",
                "mediatype": "application/json",
                "bytes": 2048,
                "sha256": "a" * 64,
                "rows": None,
            },
            {
                "name": "stories",
                "path": "stories.csv",
                "title": "Published good stories",
                "format": "csv",
                "mediatype": "text/csv",
                "bytes": 1_500_000,
                "sha256": "b" * 64,
                "rows": 1234,
            },
        ],
        **fields,
    }
    return Release.objects.create(slug=slug, **values)


@pytest.fixture
def released(member, mission):
    everything(member)
    return releases.release_create(today=DAY)


def test_the_list_without_releases_says_so(client):
    html = client.get(LIST).content.decode()

    assert "No release has been published yet." in html
    assert WITHDRAWN in html


def test_the_list_shows_each_release_newest_first_with_its_files_and_what_left(client):
    listed("2026-11-30", day=DAY - datetime.timedelta(days=1))
    listed(
        "2026-12-01",
        previous_slug="2026-11-30",
        stories_added=3,
        stories_removed=2,
        photos_removed=1,
        withdrawn_notice="Since release 2026-11-30, 2 stories and 1 photos left the open data.",
    )
    listed("2026-12-02-draft", status=Release.Status.WRITING)  # being written: not listed

    response = client.get(LIST)
    html = response.content.decode()

    assert response.status_code == 200
    assert html.index("Release 2026-12-01") < html.index("Release 2026-11-30")
    assert "2026-12-02-draft" not in html
    assert "/media/releases/2026-12-01/stories.csv" in html and "stories.csv" in html
    assert "1.4\xa0MB" in html  # its size
    assert "1,234" in html  # its rows
    assert "3 stories added." in html
    assert "2 stories withdrawn by their member are no longer in it." in html
    assert "1 photo whose consent was withdrawn is no longer in it." in html
    assert "The first release." in html
    assert WITHDRAWN in html
    assert 'rel="license"' in html and "https://creativecommons.org/licenses/by/4.0/" in html
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("count", [1, 8])
def test_the_list_costs_the_same_queries_whatever_the_number_of_releases(
    client, count, django_assert_max_num_queries
):
    for number in range(count):
        listed(f"2026-11-{number + 1:02d}", day=datetime.date(2026, 11, number + 1))

    with django_assert_max_num_queries(3):
        response = client.get(LIST)
    assert response.content.decode().count("<h2 ") == count


def test_the_list_is_paged(client):
    for number in range(25):
        listed(f"2026-10-{number + 1:02d}", day=datetime.date(2026, 10, number + 1))

    first, second = client.get(LIST).content.decode(), client.get(f"{LIST}?page=2").content.decode()

    assert "Release 2026-10-25" in first and "Release 2026-10-05" not in first
    assert "Release 2026-10-05" in second and 'rel="prev"' in second


def test_a_release_page_has_its_files_and_the_text_to_cite_it(client, released):
    response = client.get(released.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert released.get_absolute_url() == "/en/data/2026-12-01/"
    citation = (
        "Good Human Rights Stories Initiative (2026). Open data release 2026-12-01. "
        "http://testserver/en/data/2026-12-01/. Licence: CC BY 4.0."
    )
    assert citation in strip_tags(html)
    assert '<bdi dir="ltr">http://testserver/en/data/2026-12-01/</bdi>' in html
    for entry in released.files:
        assert f'href="/media/releases/2026-12-01/{entry["path"]}"' in html
    assert "The first release." in html and WITHDRAWN in html


def test_the_pages_in_arabic(client, released):
    with translation.override("ar"):
        pages = [reverse("opendata:release_list"), released.get_absolute_url()]
    for url in pages:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert '<html lang="ar" dir="rtl">' in html, url
        assert url.startswith("/ar/data/") and "/media/releases/2026-12-01/stories.csv" in html, url


def test_an_unknown_release_is_not_found_and_a_deleted_one_says_it_is_gone(
    client, released, secretariat_user
):
    assert client.get(reverse("opendata:release_detail", kwargs={"slug": "1999-01-01"})).status_code == 404

    releases.release_delete(actor=secretariat_user, release_id=released.pk)
    response = client.get("/en/data/2026-12-01/")

    assert response.status_code == 410
    assert "This release was deleted on" in response.content.decode()
    assert "releases/2026-12-01" not in response.content.decode()


# ---------------------------------------------------------------------------------------------------------
# The DCAT catalogue


def test_the_catalogue_is_dcat_in_json_ld(client, released):
    second = listed("2026-12-02", day=DAY + datetime.timedelta(days=1), previous_slug="2026-12-01")

    response = client.get(CATALOG)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"' in response["Link"]
    catalog = json.loads(response.content)
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert catalog["@id"] == "http://testserver/en/data/catalog.jsonld"
    assert catalog["dct:publisher"]["foaf:name"] == "Good Human Rights Stories Initiative"
    assert [dataset["@id"] for dataset in catalog["dcat:dataset"]] == [
        f"http://testserver{second.get_absolute_url()}",
        "http://testserver/en/data/2026-12-01/",
    ]
    dataset = catalog["dcat:dataset"][1]
    assert dataset["@type"] == "dcat:Dataset"
    assert dataset["dct:title"] == {"@value": "Open data release 2026-12-01", "@language": "en"}
    assert dataset["dct:issued"]["@type"] == "xsd:dateTime"
    assert dataset["dct:license"] == {"@id": "https://creativecommons.org/licenses/by/4.0/"}
    assert dataset["dcat:landingPage"] == {"@id": "http://testserver/en/data/2026-12-01/"}
    assert set(dataset) >= {"dct:description", "dct:modified", "dct:publisher"}
    distributions = {item["dct:title"]: item for item in dataset["dcat:distribution"]}
    assert set(distributions) == {entry["path"] for entry in released.files}
    stories = distributions["stories.csv"]
    entry = released.file("stories")
    assert stories["@type"] == "dcat:Distribution"
    assert stories["dcat:accessURL"] == {"@id": "http://testserver/en/data/2026-12-01/"}
    assert stories["dcat:downloadURL"] == {"@id": "http://testserver/media/releases/2026-12-01/stories.csv"}
    assert stories["dcat:mediaType"] == {"@id": "https://www.iana.org/assignments/media-types/text/csv"}
    assert stories["dct:format"] == {"@id": "http://publications.europa.eu/resource/authority/file-type/CSV"}
    assert stories["dcat:byteSize"] == {"@value": str(entry["bytes"]), "@type": "xsd:nonNegativeInteger"}
    assert stories["spdx:checksum"] == {
        "@type": "spdx:Checksum",
        "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
        "spdx:checksumValue": {"@value": entry["sha256"], "@type": "xsd:hexBinary"},
    }
    assert distributions["datapackage.json"]["dct:conformsTo"] == {
        "@id": "https://datapackage.org/standard/data-package/"
    }


def test_the_catalogue_answers_a_cors_preflight(client):
    response = client.options(
        CATALOG, HTTP_ORIGIN="https://data.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"


def test_an_empty_catalogue_is_still_a_catalogue(client):
    catalog = client.get(CATALOG).json()

    assert catalog["@type"] == "dcat:Catalog" and catalog["dcat:dataset"] == []


@pytest.mark.parametrize("count", [1, 8])
def test_the_catalogue_costs_the_same_queries_whatever_the_number_of_releases(
    client, count, django_assert_max_num_queries
):
    for number in range(count):
        listed(f"2026-11-{number + 1:02d}", day=datetime.date(2026, 11, number + 1))

    with django_assert_max_num_queries(2):
        assert len(client.get(CATALOG).json()["dcat:dataset"]) == count


def test_a_new_release_makes_the_cached_pages_stale(
    client, settings, released, django_capture_on_commit_callbacks
):
    settings.PUBLIC_CACHE = True
    assert "Release 2026-12-01-2" not in client.get(LIST).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        releases.release_create(today=DAY)

    assert "Release 2026-12-01-2" in client.get(LIST).content.decode()


def test_the_sitemaps_list_the_releases(rf):
    from django.contrib.sites.requests import RequestSite

    from opendata.sitemaps import ReleasePageSitemap, ReleaseSitemap

    listed("2026-12-01")
    listed("2026-12-02-draft", status=Release.Status.WRITING)

    site = RequestSite(rf.get("/"))
    releases_urls = [url["location"] for url in ReleaseSitemap().get_urls(site=site)]
    pages = [url["location"] for url in ReleasePageSitemap().get_urls(site=site)]

    assert "https://testserver/en/data/2026-12-01/" in releases_urls
    assert "https://testserver/ar/data/2026-12-01/" in releases_urls
    assert not any("draft" in url for url in releases_urls)
    assert "https://testserver/en/data/" in pages
