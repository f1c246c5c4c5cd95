"""The vendored flags (static/flags/) and the `flag_url` filter (core/templatetags/flags.py)."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django_countries import countries
from django_countries.fields import Country

from core.templatetags.flags import flag_url
from members.models import Member

pytestmark = pytest.mark.django_db

FLAGS = Path(settings.BASE_DIR) / "static" / "flags" / "4x3"
SVG_FILES = sorted(FLAGS.glob("*.svg"))
# What an SVG served from our origin may contain: shapes, paint and references within the file itself.
ALLOWED_ELEMENTS = {
    "svg", "g", "defs", "use", "symbol", "title", "desc",
    "path", "rect", "circle", "ellipse", "polygon", "polyline", "line",
    "clipPath", "mask", "linearGradient", "radialGradient", "stop", "marker", "pattern",
}  # fmt: skip
URL_REFERENCE = re.compile(r"url\(\s*([^)]*?)\s*\)")


def test_every_country_django_countries_knows_has_a_flag():
    have = {path.stem for path in SVG_FILES}

    assert {country.code.lower() for country in countries} <= have
    assert (FLAGS.parent / "LICENSE").read_text().startswith("The MIT License")


@pytest.mark.parametrize("path", SVG_FILES, ids=lambda path: path.name)
def test_a_flag_has_no_script_and_no_reference_outside_itself(path: Path):
    text = path.read_text(encoding="utf-8")
    # No DTD: entities are how an XML file pulls in other files.
    assert "<!DOCTYPE" not in text and "<!ENTITY" not in text

    root = ET.fromstring(text)  # noqa: S314  # our own vendored files, and DTDs are refused above
    for element in root.iter():
        name = element.tag.rpartition("}")[2]
        assert name in ALLOWED_ELEMENTS, f"{path.name}: <{name}>"
        for attribute, value in element.attrib.items():
            attribute = attribute.rpartition("}")[2]
            assert not attribute.lower().startswith("on"), f"{path.name}: {attribute}"
            if attribute == "href":
                assert value.startswith("#"), f"{path.name}: href={value}"
            for reference in URL_REFERENCE.findall(value):
                assert reference.strip("'\"").startswith("#"), f"{path.name}: url({reference})"
            assert "javascript:" not in value.lower() and "@import" not in value, path.name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Country("UY"), "/static/flags/4x3/uy.svg"),
        ("NO", "/static/flags/4x3/no.svg"),
        ("kr", "/static/flags/4x3/kr.svg"),
        ("ARG", "/static/flags/4x3/ar.svg"),  # alpha-3
        ("032", "/static/flags/4x3/ar.svg"),  # numeric
        ("EU", "/static/flags/4x3/eu.svg"),
    ],
)
def test_flag_url_is_the_static_svg_of_the_country(value, expected):
    assert flag_url(value) == expected


@pytest.mark.parametrize("value", [None, "", Country(""), "ZZ", Country("ZZ"), "XX", "UN", "gb-sct"])
def test_flag_url_is_empty_for_no_country_or_an_unknown_one(value):
    # flag-icons' placeholder (xx) and regional flags are not countries.
    assert flag_url(value) == ""


def test_every_seeded_member_the_eu_included_has_a_flag():
    members = Member.objects.all()

    assert members.filter(country="EU").exists()
    assert all(flag_url(member.country) for member in members)


def test_templates_load_the_filter_as_flags():
    member = Member.objects.get(country="EU")
    html = Template('{% load flags %}<img src="{{ member.country|flag_url }}" alt="">').render(
        Context({"member": member})
    )

    assert html == '<img src="/static/flags/4x3/eu.svg" alt="">'


def test_the_member_admin_list_shows_the_svg_flag(admin_client):
    response = admin_client.get(reverse("admin:members_member_changelist"))

    assert '<img src="/static/flags/4x3/eu.svg" alt="" width="20" height="15"> European Union' in (
        response.content.decode()
    )


@pytest.fixture
def collected_static(settings, tmp_path):
    """Production's storage, over our own static files collected into a folder of this test (the apps' files,
    admin's and the like, are left out: they do not change what is tested and take time to compress)."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_a_flag_is_served_hashed_compressed_and_cached_for_a_year(collected_static):
    url = flag_url("EU")
    client = Client()  # a new handler, so whitenoise reads the collected files

    response = client.get(url, headers={"accept-encoding": "gzip"})

    assert re.fullmatch(r"/static/flags/4x3/eu\.[0-9a-f]{12}\.svg", url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Encoding"] == "gzip"
    cache_control = response["Cache-Control"]
    assert "immutable" in cache_control and "public" in cache_control
    assert int(re.search(r"max-age=(\d+)", cache_control)[1]) >= 365 * 24 * 60 * 60
