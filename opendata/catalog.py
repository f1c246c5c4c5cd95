"""The releases as a DCAT catalogue (DCAT-AP, in JSON-LD), for data portals to harvest: one `dcat:Dataset` per
release, one `dcat:Distribution` per file with its size, SHA-256 checksum, the release's page to reach it and
the file's own address to download it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_noop

from opendata.models import Release

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# The EU Publications Office's file types, which DCAT-AP asks for in dct:format.
FILE_TYPES = {
    "csv": "http://publications.europa.eu/resource/authority/file-type/CSV",
    "json": "http://publications.europa.eu/resource/authority/file-type/JSON",
}
DATA_PACKAGE_STANDARD = "https://datapackage.org/standard/data-package/"
# The same sentence as on the /data/ pages (one entry in the catalogues).
WITHDRAWN_SENTENCE = gettext_noop(
    "Stories withdrawn by their member, and photos whose consent was withdrawn, are not in later releases."
)
LANGUAGES = {"en": "ENG", "fr": "FRA", "es": "SPA", "ar": "ARA", "zh-hans": "ZHO", "ru": "RUS"}
LANGUAGE_AUTHORITY = "http://publications.europa.eu/resource/authority/language/"


def _text(value: str) -> dict[str, str]:
    return {"@value": value, "@language": get_language() or "en"}


def _when(release: Release) -> dict[str, str]:
    return {"@value": release.created_at.isoformat(), "@type": "xsd:dateTime"}


def _publisher(request: HttpRequest) -> dict[str, Any]:
    return {
        "@id": request.build_absolute_uri(reverse("home")),
        "@type": "foaf:Agent",
        "foaf:name": gettext("Good Human Rights Stories Initiative"),
    }


def distribution(request: HttpRequest, release: Release, entry: dict[str, Any], page: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@id": f"{page}#{entry['name']}",
        "@type": "dcat:Distribution",
        "dct:title": entry["path"],
        "dct:format": {"@id": FILE_TYPES[entry["format"]]},
        "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{entry['mediatype']}"},
        "dcat:byteSize": {"@value": str(entry["bytes"]), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": {"@value": entry["sha256"], "@type": "xsd:hexBinary"},
        },
        "dcat:accessURL": {"@id": page},
        "dcat:downloadURL": {"@id": request.build_absolute_uri(release.file_url(entry["path"]))},
        "dct:license": {"@id": release.licence_url},
        "dct:issued": _when(release),
    }
    if entry["name"] == "datapackage":
        item["dct:conformsTo"] = {"@id": DATA_PACKAGE_STANDARD}
    return item


def dataset(request: HttpRequest, release: Release) -> dict[str, Any]:
    page = request.build_absolute_uri(release.get_absolute_url())
    description = gettext(
        "Published good stories, their themes, members, meetings, endorsements of the joint declaration, "
        "UN recommendations to members and published cooperation cards, as they were on %(date)s."
    ) % {"date": release.released_on.isoformat()}
    if release.withdrawn_notice:
        description = f"{description} {withdrawn_sentence()}"
    return {
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": release.slug,
        "dct:title": _text(gettext("Open data release %(release)s") % {"release": release.slug}),
        "dct:description": _text(description),
        "dct:issued": _when(release),
        "dct:modified": _when(release),  # a release never changes
        "dct:publisher": _publisher(request),
        "dct:license": {"@id": release.licence_url},
        "dcat:landingPage": {"@id": page},
        "dcat:version": release.slug,
        "dcat:keyword": [_text(gettext("human rights")), _text(gettext("good practices"))],
        "dcat:distribution": [distribution(request, release, entry, page) for entry in release.files],
    }


def withdrawn_sentence() -> str:
    return gettext(WITHDRAWN_SENTENCE)


def catalog(request: HttpRequest, releases: Iterable[Release], *, licence_url: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@id": request.build_absolute_uri(reverse("opendata:catalog")),
        "@type": "dcat:Catalog",
        "dct:title": _text(gettext("Good Human Rights Stories Initiative: open data releases")),
        "dct:description": _text(
            gettext(
                "Dated, immutable releases of the portal's open data, each a Frictionless data package of "
                "CSV files with their schemas and checksums."
            )
        ),
        "dct:publisher": _publisher(request),
        "dct:license": {"@id": licence_url},
        "dct:language": {"@id": LANGUAGE_AUTHORITY + LANGUAGES.get(get_language() or "en", "ENG")},
        "foaf:homepage": {"@id": request.build_absolute_uri(reverse("opendata:release_list"))},
        "dcat:dataset": [dataset(request, release) for release in releases],
    }
