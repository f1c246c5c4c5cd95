"""Account mail (invitation, password reset) in the recipient's language, naming the portal, linking to
SITE_URL."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from members import services
from members.models import User
from tests import factories

pytestmark = pytest.mark.django_db

SITE_URL = "https://portal.example.org"

# Translations from the catalogues: the project's locale/ (invitation) and allauth's (password reset).
INVITATION = {
    "fr": ("Votre invitation au portail des bonnes histoires", "Choisissez votre mot de passe ici\u00a0:"),
    "ar": ("دعوتكم إلى بوابة القصص الجيدة في مجال حقوق الإنسان", "يمكنكم اختيار كلمة المرور من هنا:"),
}
PASSWORD_RESET = {
    "fr": ("E-mail de réinitialisation de mot de passe", "Bonjour, c'est Bonnes histoires en matière de"),
    "ar": ("رسالة إعادة ضبط كلمة المرور", "مرحبا من موقع القصص الجيدة في مجال حقوق الإنسان"),
}


def reset_link(body: str) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/key/\S+", body).group(0)


def ask_for_reset(client, email: str, *, page_language: str = "en", host: str = "testserver"):
    with translation.override(page_language):
        url = reverse("account_reset_password")
    return client.post(url, {"email": email}, HTTP_HOST=host)


# The invitation


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_invitation_is_in_the_recipients_language(
    language, mission, secretariat_user, mailoutbox, settings
):
    settings.SITE_URL = SITE_URL
    # Sent from an English page (or a worker): the recipient's language decides, not the sender's.
    user = services.user_invite(
        email="person@example.org",
        full_name="Person",
        role=User.Role.STAFF,
        mission=mission,
        invited_by=secretariat_user,
        language=language,
    )
    services.invitation_send(invitation_id=user.invitations.get().pk)

    subject, sentence = INVITATION[language]
    message = mailoutbox[0]
    assert subject in message.subject
    assert sentence in message.body
    assert f"{SITE_URL}/{language}/accounts/invitation/{user.invitations.get().token}/" in message.body
    html, _mimetype = message.alternatives[0]
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html


# The password reset


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_password_reset_is_in_the_recipients_language(language, client, mission, mailoutbox, settings):
    settings.SITE_URL = SITE_URL
    person = factories.UserFactory(mission=mission, language=language)

    ask_for_reset(client, person.email, page_language="en")

    subject, greeting = PASSWORD_RESET[language]
    message = mailoutbox[0]
    assert message.to == [person.email]
    assert subject in message.subject
    assert greeting in message.body
    assert reset_link(message.body).startswith(f"{SITE_URL}/{language}/accounts/password/reset/key/")


def test_the_reset_link_comes_from_site_url_and_works(client, staff_user, mailoutbox, settings):
    settings.SITE_URL = SITE_URL

    # Asked for at an internal address, over plain HTTP.
    ask_for_reset(client, staff_user.email, host="127.0.0.1:8108")

    link = reset_link(mailoutbox[0].body)
    assert link.startswith(f"{SITE_URL}/en/accounts/password/reset/key/")
    assert "127.0.0.1" not in mailoutbox[0].body
    # allauth keeps the key in the session and redirects to the form that sets the password.
    response = client.get(urlsplit(link).path, follow=True)
    assert response.status_code == 200
    uid = link.split("/key/")[1].split("-")[0]
    assert [url for url, _status in response.redirect_chain] == [
        f"/en/accounts/password/reset/key/{uid}-set-password/"
    ]
    assert 'name="password1"' in response.content.decode()


def test_the_reset_mail_greets_with_the_portals_name(client, staff_user, mailoutbox, settings):
    settings.SITE_URL = SITE_URL

    ask_for_reset(client, staff_user.email, host="127.0.0.1:8108")

    body = mailoutbox[0].body
    assert body.startswith("Hello from Good Human Rights Stories!")
    assert f"Thank you for using Good Human Rights Stories!\n{SITE_URL}" in body
