"""Setting up two-factor authentication on the way to the admin ends with a way back to the admin."""

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.urls import reverse

from members.destinations import AFTER_MFA_SETUP_SESSION_KEY
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

CONTINUE = "Continue where you were going"


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def continue_links(html: str) -> list[str]:
    return re.findall(rf'<a href="([^"]*)" class="button"\s*>\s*{CONTINUE}\s*</a>', html)


def set_up_totp(client, activate_url: str):
    """What the person does: confirm their password (allauth asks again), then type the code their app
    shows for the secret of the page. Returns the page allauth ends on: the recovery codes."""
    reauthenticate = client.get(activate_url)
    assert reauthenticate["Location"].startswith(reverse("account_reauthenticate"))
    back = client.post(reauthenticate["Location"], {"password": TEST_PASSWORD})
    assert back["Location"] == activate_url
    assert client.get(activate_url).status_code == 200
    mistyped = client.post(reverse("mfa_activate_totp"), {"code": "wrong"})
    assert mistyped.status_code == 200
    response = client.post(
        reverse("mfa_activate_totp"), {"code": current_code(client.session[SECRET_SESSION_KEY])}
    )
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    return client.get(response["Location"])


@pytest.fixture
def logged_in_secretariat(client, secretariat_user, settings):
    """The secretariat, just logged in, without two-factor authentication, which the admin requires."""
    settings.ADMIN_REQUIRE_MFA = True
    client.post(reverse("account_login"), {"login": secretariat_user.email, "password": TEST_PASSWORD})
    return client


def test_after_setting_up_totp_from_the_admin_the_codes_page_leads_back(logged_in_secretariat):
    client = logged_in_secretariat
    guard = client.get("/admin/members/user/?role=staff")
    assert (
        guard["Location"]
        == f"{reverse('mfa_activate_totp')}?next=%2Fadmin%2Fmembers%2Fuser%2F%3Frole%3Dstaff"
    )

    codes_page = set_up_totp(client, guard["Location"])

    assert codes_page.status_code == 200
    html = codes_page.content.decode()
    assert "Unused codes" in html  # allauth's page is still all there
    assert continue_links(html) == ["/admin/members/user/?role=staff"]
    assert client.get("/admin/members/user/?role=staff").status_code == 200
    # There, the detour is over: the codes page, seen again later, no longer offers it.
    assert continue_links(client.get(reverse("mfa_view_recovery_codes")).content.decode()) == []


def test_without_a_detour_the_codes_page_offers_no_way_back(logged_in_secretariat):
    codes_page = set_up_totp(logged_in_secretariat, reverse("mfa_activate_totp"))

    assert codes_page.status_code == 200
    assert AFTER_MFA_SETUP_SESSION_KEY not in logged_in_secretariat.session
    assert continue_links(codes_page.content.decode()) == []


@pytest.mark.parametrize(
    ("asked", "offered"),
    [
        ("/en/stories/", ["/en/stories/"]),
        ("https://evil.example/", []),
        ("//evil.example/admin/", []),
        ("javascript:alert(1)", []),
    ],
)
def test_the_codes_page_offers_only_a_next_on_this_site(logged_in_secretariat, asked, offered):
    set_up_totp(logged_in_secretariat, reverse("mfa_activate_totp"))

    response = logged_in_secretariat.get(reverse("mfa_view_recovery_codes"), {"next": asked})

    assert continue_links(response.content.decode()) == offered
