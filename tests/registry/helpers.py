"""Helpers of the registry's tests: keys, a secretariat member with access and a TOTP device, and a second
factor confirmed through allauth's own re-authentication page."""

from __future__ import annotations

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import encrypt
from cryptography.fernet import Fernet
from django.contrib.auth.models import Permission
from django.urls import reverse

from registry import services
from registry.crypto import Identity
from tests import factories

PERSON = Identity(name="Amina Zahra Khoury", contact="+41 79 555 01 23", place="12 Rue des Oliviers, Byblos")
CASE_VALUES = {
    "country": "LB",
    "year": 2025,
    "month": 3,
    "kind": "threat",
    "mechanism": "upr",
    "follow_up": "",
    "consent_aggregate": True,
    "consent_referral": True,
    "consent_meeting": False,
    "consent_given_on": None,
    "consent_valid_until": None,
    "consent_obtained_how": "in person",
}


def new_key() -> str:
    return Fernet.generate_key().decode()


def registry_user(**kwargs):
    """A secretariat member holding the registry's permission, with a TOTP device; `.totp_secret` set."""
    user = factories.SecretariatFactory(**kwargs)
    user.user_permissions.add(
        Permission.objects.get(codename="access_registry", content_type__app_label="registry")
    )
    secret = generate_totp_secret()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})
    user.totp_secret = secret
    return user


def current_code(secret: str, offset: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD + offset))


def confirm_second_factor(client, user) -> None:
    """Re-authenticate with the second factor, as a person would at /accounts/2fa/reauthenticate/."""
    response = client.post(reverse("mfa_reauthenticate"), {"code": current_code(user.totp_secret)})
    assert response.status_code == 302, response.content.decode()[:2000]


def make_case(actor, *, identity: Identity | None = PERSON, **values):
    import datetime

    merged = {**CASE_VALUES, "consent_given_on": datetime.date(2025, 3, 1), **values}
    return services.case_create(actor=actor, values=merged, identity=identity)
