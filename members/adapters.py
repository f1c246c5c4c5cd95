"""allauth's account adapter: accounts by invitation only; each person's language after login and in their
mail; links in mail from SITE_URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import gettext as _

from core.mail import site_link
from members.languages import remember_language
from members.models import User
from members.receivers import LOGIN_DESTINATION_SESSION_KEY


@dataclass(frozen=True)
class MailSite:
    """What allauth's mail templates call `current_site`: without django.contrib.sites allauth would use the
    host the request came to ("Hello from 127.0.0.1:8108!"); mails name the portal and link to SITE_URL."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    """Accounts exist only by invitation from the secretariat."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_login(self, request: HttpRequest, user, **kwargs):
        # Remember where the person is going: with two-factor authentication the login ends on a later
        # request, which no longer says; the login record (members/receivers.py) reads it from the session.
        request.session[LOGIN_DESTINATION_SESSION_KEY] = kwargs.get("redirect_url") or ""
        return super().pre_login(request, user, **kwargs)

    def post_login(self, request: HttpRequest, user: User, **kwargs) -> HttpResponse:
        # In the person's language whatever the login page's: the "signed in" message and, when no `next`
        # was given, their own page (a `next` is kept as it is); the cookie makes `/` send them there too.
        with translation.override(user.language):
            response = super().post_login(request, user, **kwargs)
        remember_language(response, user.language)
        return response

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        with translation.override(request.user.language):
            return super().get_login_redirect_url(request)

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth builds the link on the host the request came to (an internal address behind a proxy) with
        # ACCOUNT_DEFAULT_HTTP_PROTOCOL; mails are read elsewhere, so their links come from SITE_URL.
        return site_link(urlsplit(super().get_reset_password_from_key_url(key)).path)

    def send_password_reset_mail(self, user: User, email: str, context: dict[str, Any]) -> None:
        # The link opens the reset page in the recipient's language, like the mail itself.
        path = translate_url(urlsplit(context["password_reset_url"]).path, user.language)
        super().send_password_reset_mail(user, email, {**context, "password_reset_url": site_link(path)})

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Every account mail in its recipient's language (the page it was asked from may be in another),
        naming the portal rather than a host. No account, no known language: the current one."""
        user = context.get("user") or User.objects.filter(email__iexact=email).first()
        language = user.language if isinstance(user, User) else translation.get_language()
        with translation.override(language):
            site = MailSite(name=_("Good Human Rights Stories"), domain=settings.SITE_URL)
            super().send_mail(template_prefix, email, {"current_site": site, **context})
