"""Logins, failed logins and logouts, recorded from Django's signals (allauth sends them too).

Never the password tried: only the address typed, where from, with what browser, and whether the login was
on the way to the administration.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.validators import validate_ipv46_address
from django.http import HttpRequest
from django.urls import reverse

from members.models import LoginEvent, User, normalize_email

# Set by the account adapter when a login starts (members/adapters.py): the page the person asked for, kept
# in the session so it is still known when the login ends after the two-factor step, on another request.
LOGIN_DESTINATION_SESSION_KEY = "members.login_destination"


def record_login(sender, request: HttpRequest | None = None, user: User | None = None, **kwargs) -> None:
    destination = request.session.pop(LOGIN_DESTINATION_SESSION_KEY, None) if _has_session(request) else None
    _record(LoginEvent.Kind.LOGGED_IN, request, user=user, email=user.email, destination=destination)


def record_logout(sender, request: HttpRequest | None = None, user: User | None = None, **kwargs) -> None:
    if user is None:  # logging out while not logged in
        return
    _record(LoginEvent.Kind.LOGGED_OUT, request, user=user, email=user.email)


def record_login_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    # Django has already masked the password in `credentials`; only the address is read from it anyway.
    typed = str(credentials.get("email") or credentials.get("username") or credentials.get("login") or "")
    email = normalize_email(typed)[:254]
    user = User.objects.filter(email__iexact=email).first() if email else None
    _record(LoginEvent.Kind.LOGIN_FAILED, request, user=user, email=email)


def _record(
    kind: str, request: HttpRequest | None, *, user: User | None, email: str, destination: str | None = None
) -> None:
    LoginEvent.objects.create(
        kind=kind,
        user=user,
        email=email,
        ip_address=_client_ip(request),
        user_agent=(request.headers.get("user-agent", "") if request else "")[: LoginEvent.USER_AGENT_LENGTH],
        to_admin=_is_admin_login(request, destination),
    )


def _has_session(request: HttpRequest | None) -> bool:
    return request is not None and hasattr(request, "session")


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    try:
        # allauth's answer, which its rate limits use too (and which honours its trusted-proxy settings).
        ip = get_adapter(request).get_client_ip(request)
        validate_ipv46_address(ip)
    except (PermissionDenied, ImproperlyConfigured, ValidationError):
        return None
    return ip


def _is_admin_login(request: HttpRequest | None, destination: str | None = None) -> bool:
    if request is None:
        return False
    admin_root = reverse("admin:index")
    asked_for = [destination, request.POST.get("next"), request.GET.get("next"), request.path]
    return any(urlsplit(url).path.startswith(admin_root) for url in asked_for if url)
