from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Accounts exist only by invitation from the secretariat."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
