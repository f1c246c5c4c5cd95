"""Each person's language (`User.language`): the portal after they log in and the mail they receive."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBase
from django.utils.translation import get_language_info


def language_choices() -> list[tuple[str, str]]:
    """The portal's languages, each named in itself ("français", "العربية"): a person who cannot read the
    current page's language still finds their own."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


def remember_language(response: HttpResponseBase, language: str) -> None:
    """Set Django's language cookie, as its `set_language` view does, so that `/` and any address without a
    language prefix send the person to their language."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
