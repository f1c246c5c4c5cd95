"""The reprisals registry in a browser: a case entered with an identity, the raw row holds no plain identity,
opening it asks a reason and the read is in the log, public figures hide cells under five; axe in English
and Arabic on the public page and the secretariat's pages."""

import pytest
from django.db import connection

from registry.models import Case
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import serious_violations
from tests.factories import TEST_PASSWORD, MemberFactory
from tests.registry.helpers import PERSON, current_code, make_case, new_key, registry_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def keeper(settings, db):
    settings.REGISTRY_KEYS = [new_key()]
    return registry_user(email="rania@secretariat.example")


def log_in_with_second_factor(page, base_url, user):
    log_in(page, base_url, user.email, TEST_PASSWORD)
    page.locator("input[name=code]").fill(current_code(user.totp_secret))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(lambda url: "/2fa/" not in url)


def test_a_case_with_an_identity_is_encrypted_and_every_read_is_logged(live_server, page, keeper):
    MemberFactory(country="FR", regional_group="weog")
    log_in_with_second_factor(page, live_server.url, keeper)

    page.goto(f"{live_server.url}/en/my/registry/new/")
    page.get_by_label("Country where it happened").select_option("LB")
    page.get_by_label("Type of reprisal").select_option("threat")
    page.get_by_label("UN mechanism the person cooperated with").select_option("upr")
    page.get_by_label("Name").fill(PERSON.name)
    page.get_by_label("Contact").fill(PERSON.contact)
    page.get_by_label("Exact place").fill(PERSON.place)
    page.get_by_label("Publication in aggregate figures").check()
    page.get_by_label("Consent given on").fill("2025-03-01")
    page.get_by_role("button", name="Record the case").click()
    case = Case.objects.get()
    page.wait_for_url(f"**/en/my/registry/{case.code}/")
    assert PERSON.name not in page.content()

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_case")
        raw = repr(cursor.fetchall())
    assert case.code in raw
    for fragment in (PERSON.name, PERSON.contact, PERSON.place, "Khoury"):
        assert fragment not in raw

    page.get_by_role("link", name="Open the identity").click()
    assert PERSON.name not in page.content()
    page.get_by_label("Why do you need to see this identity?").fill("Preparing the referral to OHCHR")
    page.get_by_role("button", name="Open the identity").click()
    assert PERSON.name in page.locator("main").inner_text()

    page.goto(f"{live_server.url}/en/my/registry/reads/")
    log = page.locator("main").inner_text()
    assert "Preparing the referral to OHCHR" in log and case.code in log


def test_public_figures_hide_cells_under_five(live_server, page, keeper):
    MemberFactory(country="FR", regional_group="weog")
    for _ in range(7):
        make_case(keeper, identity=None, year=2024, country="FR", kind="threat")
    for _ in range(2):
        make_case(keeper, identity=None, year=2024, country="LB", kind="threat")
    page.goto(f"{live_server.url}/en/reprisals/")
    text = page.locator("main").inner_text()
    assert "hidden" in text
    cells = page.locator("td").all_inner_texts()
    assert "2" not in cells and "1" not in cells


@pytest.mark.parametrize("language", ["en", "ar"])
def test_registry_pages_pass_axe(live_server, new_page, keeper, language):
    MemberFactory(country="FR", regional_group="weog")
    case = make_case(keeper)
    for _ in range(6):
        make_case(keeper, identity=None, year=2024, country="FR", kind="threat")
    public = new_page()
    public.goto(f"{live_server.url}/{language}/reprisals/")
    assert serious_violations(public) == []

    page = new_page()
    log_in_with_second_factor(page, live_server.url, keeper)
    for path in (
        "my/registry/",
        "my/registry/new/",
        f"my/registry/{case.code}/",
        f"my/registry/{case.code}/identity/",
        "my/registry/reads/",
    ):
        page.goto(f"{live_server.url}/{language}/{path}")
        assert page.locator("h1").count() == 1, path
        assert serious_violations(page) == [], path
