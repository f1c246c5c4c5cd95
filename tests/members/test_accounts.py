from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from members.models import User
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "not the right passphrase"


def log_in(client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# Logging in


@pytest.mark.parametrize("typed", ["exact", "upper", "padded"])
def test_login_by_email_in_any_case_opens_my_page(client, staff_user, typed):
    email = {"exact": staff_user.email, "upper": staff_user.email.upper(), "padded": f" {staff_user.email} "}[
        typed
    ]

    response = log_in(client, email, TEST_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("coalition:my")
    assert client.session["_auth_user_id"] == str(staff_user.pk)
    assert "Welcome, Stella Staff" in client.get(reverse("coalition:my")).content.decode()


def test_login_page_says_accounts_come_by_invitation(client):
    html = client.get(reverse("account_login")).content.decode()

    assert "Accounts are created by invitation from the secretariat." in html
    assert 'name="login"' in html and 'name="password"' in html


def test_wrong_password_shows_an_error(client, staff_user):
    response = log_in(client, staff_user.email, WRONG_PASSWORD)
    html = response.content.decode()

    assert response.status_code == 200
    assert "email address and/or password you specified are not correct" in html
    assert not is_logged_in(client)


def test_an_invited_person_without_password_cannot_log_in(client, mission):
    invited = factories.UserFactory(mission=mission, email="invited@example.org")
    invited.set_unusable_password()
    invited.save()

    response = log_in(client, "invited@example.org", "")

    assert response.status_code == 200
    assert not is_logged_in(client)


def test_a_deactivated_account_cannot_log_in(client, staff_user):
    User.objects.filter(pk=staff_user.pk).update(is_active=False)

    log_in(client, staff_user.email, TEST_PASSWORD)

    assert not is_logged_in(client)


def test_repeated_failed_logins_for_one_email_are_stopped(client, staff_user):
    for _attempt in range(5):
        response = log_in(client, staff_user.email, WRONG_PASSWORD)
        assert response.status_code == 200

    # Even the right password is refused now, whatever case the address is typed in.
    response = log_in(client, staff_user.email.upper(), TEST_PASSWORD)
    html = response.content.decode()

    assert response.status_code == 429
    assert "Too many attempts" in html
    assert reverse("account_reset_password") in html
    assert not is_logged_in(client)


def test_the_login_limit_is_per_email(client, staff_user, coordinator):
    for _attempt in range(5):
        log_in(client, staff_user.email, WRONG_PASSWORD)

    response = log_in(client, coordinator.email, TEST_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(coordinator.pk)


# No sign-up


def test_signup_page_says_invitation_only(client):
    response = client.get(reverse("account_signup"))
    html = response.content.decode()

    assert "Accounts by invitation only" in html
    assert "There is no open sign-up." in html
    assert 'name="password1"' not in html


def test_signup_post_creates_nothing(client):
    users_before = User.objects.count()

    response = client.post(
        reverse("account_signup"), {"email": "intruder@example.org", "password1": "a long passphrase 1234"}
    )

    assert "Accounts by invitation only" in response.content.decode()
    assert User.objects.count() == users_before
    assert not User.objects.filter(email="intruder@example.org").exists()
    assert not is_logged_in(client)


# Password reset


def test_password_reset_mails_a_known_address(client, staff_user, mailoutbox):
    response = client.post(
        reverse("account_reset_password"), {"email": staff_user.email.upper()}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("account_reset_password_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [staff_user.email]
    assert "/en/accounts/password/reset/key/" in mailoutbox[0].body


def test_password_reset_for_an_unknown_address_sends_nothing_and_looks_the_same(
    client, staff_user, mailoutbox
):
    known = client.post(reverse("account_reset_password"), {"email": staff_user.email}, follow=True)
    mailoutbox.clear()

    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"}, follow=True)

    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content
    assert [(m.to, m.subject) for m in mailoutbox] == []


# Logging out


def test_logout_by_post(staff_client):
    response = staff_client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert not is_logged_in(staff_client)
    response = staff_client.get(reverse("coalition:my"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")


def test_logout_by_get_only_asks(staff_client):
    response = staff_client.get(reverse("account_logout"))

    assert response.status_code == 200
    assert is_logged_in(staff_client)


# The admin's login


def test_admin_login_sends_anonymous_visitors_to_the_allauth_login(client):
    response = client.get(reverse("admin:login"))

    location = urlsplit(response["Location"])
    assert response.status_code == 302
    assert location.path == reverse("account_login")
    assert parse_qs(location.query)["next"][0].startswith("/admin/")


def test_admin_login_has_no_password_form_of_its_own(client, secretariat_user):
    response = client.post(
        reverse("admin:login"), {"username": secretariat_user.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")
    assert not is_logged_in(client)
