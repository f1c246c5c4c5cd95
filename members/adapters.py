from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from members.receivers import LOGIN_DESTINATION_SESSION_KEY


class AccountAdapter(DefaultAccountAdapter):
    """Accounts exist only by invitation from the secretariat."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_login(self, request: HttpRequest, user, **kwargs):
        # Remember where the person is going: with two-factor authentication the login ends on a later
        # request, which no longer says; the login record (members/receivers.py) reads it from the session.
        request.session[LOGIN_DESTINATION_SESSION_KEY] = kwargs.get("redirect_url") or ""
        return super().pre_login(request, user, **kwargs)
