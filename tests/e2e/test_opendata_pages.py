"""The open-data releases' pages, checked by axe in Chromium, in English and in Arabic: the list of releases
(empty, then with releases), a release's page, and a deleted release's."""

import datetime

import pytest

from opendata import releases
from tests.e2e.test_accessibility import serious_violations
from tests.factories import PublishedStoryFactory, SecretariatFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_release_pages_have_no_serious_axe_violation(live_server, page, member, settings, tmp_path, lang):
    settings.MEDIA_ROOT = tmp_path / "media"
    found = {}
    # Another address than the list's below: the browser may keep a public page for PUBLIC_MAX_AGE.
    page.goto(f"{live_server.url}/{lang}/data/?page=1")
    found["empty list"] = serious_violations(page)

    PublishedStoryFactory(member=member, title="Mobile courts reach remote villages")
    first = releases.release_create(today=datetime.date(2026, 12, 1))
    PublishedStoryFactory(member=member, title="Legal aid desks")
    releases.release_create(today=datetime.date(2026, 12, 2))
    for path in (f"/{lang}/data/", f"/{lang}/data/{first.slug}/"):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("a[href$='/releases/2026-12-01/stories.csv']").count() >= 1, path
        found[path] = serious_violations(page)
    citation = page.locator("#citation").inner_text()
    assert f"{live_server.url}/{lang}/data/2026-12-01/" in citation and "CC BY 4.0" in citation
    # A deleted release's address says so (410).
    releases.release_delete(actor=SecretariatFactory(), release_id=first.pk)
    page.goto(f"{live_server.url}/{lang}/data/{first.slug}/?deleted")
    found["deleted release"] = serious_violations(page)

    assert {name: problems for name, problems in found.items() if problems} == {}
