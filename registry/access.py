"""Who may open the registry: secretariat users holding `registry.access_registry`, who confirmed their second
factor in the last 15 minutes in this session.

allauth keeps, in the session, a record of every authentication made in it (method, time: see
`allauth.account.internal.flows.login.record_authentication`); logging in with a second factor, or
re-authenticating with it at /accounts/2fa/reauthenticate/, adds a record with method "mfa".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

PERMISSION = "registry.access_registry"
DEFAULT_MFA_MAX_AGE = 15 * 60


def mfa_max_age() -> int:
    return int(getattr(settings, "REGISTRY_MFA_MAX_AGE", DEFAULT_MFA_MAX_AGE))


def may_use_registry(user) -> bool:
    """The person's account allows the registry (whatever the session's second factor)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "is_secretariat", False)
        and user.has_perm(PERMISSION)
    )


def recent_second_factor(request: HttpRequest) -> bool:
    """Whether this session confirmed the person's second factor within the last 15 minutes."""
    records = get_authentication_records(request, request.user)
    now = time.time()
    return any(
        record.get("method") == "mfa" and 0 <= now - float(record.get("at", 0)) < mfa_max_age()
        for record in records
    )


def registry_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Guards every page of the registry. Mission accounts get a plain 404 (the registry is not theirs to
    know of); the secretariat without the permission a 403 saying so; a session without a recent second
    factor is sent to confirm it, and comes back."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not getattr(user, "is_secretariat", False) or not user.is_active:
            raise Http404
        if not user.has_perm(PERMISSION):
            raise PermissionDenied(
                _("Only secretariat members given access to the reprisals registry may open it.")
            )
        query = urlencode({"next": request.get_full_path()})
        if not is_mfa_enabled(user):
            messages.info(
                request,
                _(
                    "The reprisals registry needs two-factor authentication: set it up, then open the "
                    "registry again."
                ),
            )
            return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")
        if not recent_second_factor(request):
            messages.info(
                request,
                _(
                    "The reprisals registry asks for your second factor every 15 minutes: enter a code from "
                    "your authenticator app to continue."
                ),
            )
            return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped
