"""The secretariat's admin site: allauth's login (rate limits, MFA) and MFA required for staff."""

from functools import wraps
from urllib.parse import urlencode

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _


class CoalitionAdminSite(admin.AdminSite):
    site_header = _("Good Stories: secretariat")
    site_title = _("Good Stories secretariat")
    index_title = _("Administration")

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        # The admin has no login form of its own: it sends people to allauth's, so the same rate limits and
        # two-factor step apply everywhere.
        return secure_admin_login(super().login)(request, extra_context)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def mfa_guard(request, *args, **kwargs):
            user = request.user
            if settings.ADMIN_REQUIRE_MFA and user.is_active and user.is_staff and not is_mfa_enabled(user):
                messages.warning(
                    request,
                    _("Set up two-factor authentication before using the administration."),
                )
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")
            return inner(request, *args, **kwargs)

        return mfa_guard
