"""Where a person was going when the portal sent them on a detour: the admin sends the secretariat to set up
two-factor authentication first (coalition/admin.py), and allauth ends that detour on the recovery-codes
page, which then offers the way back (templates/mfa/recovery_codes/index.html).

The destination is kept in the session rather than passed along in `next`: allauth's activation form posts
to its own address without it, and asks for the password again on the way."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

AFTER_MFA_SETUP_SESSION_KEY = "members.after_mfa_setup"


def safe_next_url(request: HttpRequest, url: str | None) -> str:
    """`url` when it stays on this site (a path, or this host with the request's scheme); else ""."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def remember_destination_before_mfa_setup(request: HttpRequest, url: str) -> None:
    url = safe_next_url(request, url)
    if url and request.session.get(AFTER_MFA_SETUP_SESSION_KEY) != url:
        request.session[AFTER_MFA_SETUP_SESSION_KEY] = url


def forget_destination_after_mfa_setup(request: HttpRequest) -> None:
    """The detour is over (they reached the page that asked for it)."""
    if AFTER_MFA_SETUP_SESSION_KEY in request.session:
        del request.session[AFTER_MFA_SETUP_SESSION_KEY]


def destination_after_mfa_setup(request: HttpRequest) -> str:
    """The safe `next` of this request, else the destination kept before the detour; "" when none."""
    return safe_next_url(request, request.GET.get("next")) or safe_next_url(
        request, request.session.get(AFTER_MFA_SETUP_SESSION_KEY)
    )
