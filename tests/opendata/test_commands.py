"""`manage.py data_release`: a release when the data changed (printed with its files), nothing otherwise,
and `--force` for a release anyway."""

import io

import pytest
from django.core.management import call_command

from opendata.models import Release
from tests.opendata.data import everything

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("data_release", *args, stdout=out)
    return out.getvalue()


def test_it_releases_prints_the_files_and_then_finds_nothing_new(member, mission):
    everything(member)

    first = run("--date", "2026-12-01")
    again = run("--date", "2026-12-01")
    forced = run("--date", "2026-12-01", "--force")

    assert "Release 2026-12-01 published: /en/data/2026-12-01/" in first
    release = Release.objects.get(slug="2026-12-01")
    for entry in release.files:
        assert f"/media/releases/2026-12-01/{entry['path']}" in first
        assert entry["sha256"] in first
    assert "2 rows" in first
    assert "Nothing changed since release 2026-12-01: no new release" in again
    assert "Release 2026-12-01-2 published" in forced
    assert "Since 2026-12-01: 0 stories added, 0 stories and 0 photos left." in forced
    assert Release.objects.count() == 2
