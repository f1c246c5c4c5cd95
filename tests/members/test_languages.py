"""Each person's language: set at invitation and in the admin, changed on /my/, used after login."""

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from members import services
from members.models import User
from tests import factories
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def url_in(language: str, name: str) -> str:
    with translation.override(language):
        return reverse(name)


def log_in(client, email: str, *, page_language: str = "en", **extra):
    return client.post(
        url_in(page_language, "account_login"), {"login": email, "password": TEST_PASSWORD, **extra}
    )


# After login


@pytest.mark.parametrize("page_language", ["en", "es"])
def test_login_lands_on_my_page_in_the_persons_language(client, mission, page_language):
    person = factories.UserFactory(mission=mission, language="fr")

    response = log_in(client, person.email, page_language=page_language)

    assert response.status_code == 302
    assert response["Location"] == "/fr/my/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert '<html lang="fr" dir="ltr">' in page.content.decode()


def test_with_two_factor_authentication_the_person_also_lands_in_their_language(client, mission):
    person = factories.UserFactory(mission=mission, language="ru")
    secret = generate_totp_secret()
    Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})

    response = log_in(client, person.email, page_language="fr")
    assert response["Location"] == url_in("fr", "mfa_authenticate")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    response = client.post(response["Location"], {"code": code})

    assert response["Location"] == "/ru/my/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_after_login_the_root_sends_the_person_to_their_language(client, mission):
    person = factories.UserFactory(mission=mission, language="ar")
    log_in(client, person.email)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/ar/"


def test_a_next_given_at_login_is_kept_as_is(client, mission):
    person = factories.UserFactory(mission=mission, language="fr")

    response = log_in(client, person.email, next="/en/stories/")

    assert response["Location"] == "/en/stories/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_an_accepted_invitation_opens_my_page_in_the_persons_language(client, mission):
    user = services.user_invite(
        email="ines@example.org",
        full_name="Inès Invited",
        role=User.Role.STAFF,
        mission=mission,
        invited_by=None,
        language="ar",
    )
    invitation = user.invitations.get()
    password = "a long and unusual passphrase 42"

    # Opened in English (say, the link was forwarded): the person still lands in their language.
    response = client.post(
        invitation.get_absolute_url(), {"new_password1": password, "new_password2": password}
    )

    assert response["Location"] == "/ar/my/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"


# On /my/


def test_my_page_offers_the_language_form_with_a_label(staff_client, staff_user):
    html = staff_client.get(reverse("coalition:my")).content.decode()

    assert '<label for="id_language">Language' in html
    # Each language named in itself and marked with its own `lang`, whatever the page's language.
    assert '<option value="en" selected lang="en">English</option>' in html
    assert '<option value="fr" lang="fr">français</option>' in html
    assert '<option value="ar" lang="ar">العربيّة</option>' in html
    assert 'aria-describedby="id_language_helptext"' in html


def test_changing_the_language_on_my_page(staff_client, staff_user):
    response = staff_client.post(reverse("coalition:my"), {"language": "ar"})

    assert response.status_code == 302
    assert response["Location"] == "/ar/my/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    staff_user.refresh_from_db()
    assert staff_user.language == "ar"
    page = staff_client.get(response["Location"]).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert '<option value="ar" selected lang="ar">' in page
    with translation.override("ar"):
        assert translation.gettext("Your language has been saved.") in page


def test_an_unknown_language_is_refused_next_to_the_field(staff_client, staff_user):
    response = staff_client.post(reverse("coalition:my"), {"language": "xx"})
    html = response.content.decode()

    assert response.status_code == 200
    assert 'id="id_language_error"' in html
    assert "Select a valid choice." in html
    assert 'aria-invalid="true"' in html
    staff_user.refresh_from_db()
    assert staff_user.language == "en"


def test_the_service_refuses_an_unknown_language(staff_user):
    with pytest.raises(services.ValidationError) as caught:
        services.user_change_language(user=staff_user, language="xx")

    assert list(caught.value.message_dict) == ["language"]
    staff_user.refresh_from_db()
    assert staff_user.language == "en"


# In the admin


def test_the_secretariat_invites_in_a_language(
    secretariat_client, mission, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = secretariat_client.post(
            reverse("admin:members_user_add"),
            {
                "email": "francoise@example.org",
                "full_name": "Françoise",
                "language": "fr",
                "role": User.Role.STAFF,
                "mission": mission.pk,
                "_save": "Save",
            },
        )

    assert response.status_code == 302
    user = User.objects.get(email="francoise@example.org")
    assert user.language == "fr"
    assert "Votre invitation au portail" in mailoutbox[0].subject
    assert f"{settings.SITE_URL}/fr/accounts/invitation/" in mailoutbox[0].body


def test_the_secretariat_changes_a_persons_language(secretariat_client, staff_user):
    response = secretariat_client.post(
        reverse("admin:members_user_change", args=[staff_user.pk]),
        {
            "email": staff_user.email,
            "full_name": staff_user.full_name,
            "language": "zh-hans",
            "role": staff_user.role,
            "mission": staff_user.mission_id,
            "is_active": "on",
            "access_events-TOTAL_FORMS": "0",
            "access_events-INITIAL_FORMS": "0",
            "invitations-TOTAL_FORMS": "0",
            "invitations-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.language == "zh-hans"
