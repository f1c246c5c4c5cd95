"""allauth's login, with one change: once failed attempts hit the rate limit, the answer is a 429 page."""

from allauth.account import views as allauth_views
from django.http import HttpResponse
from django.shortcuts import render

TOO_MANY_ATTEMPTS = "too_many_login_attempts"


class LoginView(allauth_views.LoginView):
    def form_invalid(self, form) -> HttpResponse:
        codes = {error.code for errors in form.errors.as_data().values() for error in errors}
        if TOO_MANY_ATTEMPTS in codes:
            return render(self.request, "429.html", status=429)
        return super().form_invalid(form)
