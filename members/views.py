from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from core.public_cache import cache_public_page
from members import services
from members.forms import InvitationAcceptForm
from members.languages import remember_language
from members.models import Invitation, Member


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class MemberListView(TemplateView):
    template_name = "members/member_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        members = Member.objects.public().sorted_by_name()
        context["current_members"] = [m for m in members if m.status == Member.Status.MEMBER]
        context["former_members"] = [m for m in members if m.status == Member.Status.FORMER]
        # Applicants stay unannounced unless the secretariat chooses to list one.
        context["listed_applicants"] = Member.objects.filter(
            status=Member.Status.APPLICANT, listed_as_applicant=True
        ).sorted_by_name()
        return context


@method_decorator(login_not_required, name="dispatch")
class InvitationAcceptView(FormView):
    """The link in an invitation email: the invited person chooses a password and is logged in."""

    template_name = "members/invitation_accept.html"
    form_class = InvitationAcceptForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pk = Invitation.pk_from_token(kwargs["token"])
        invitation = Invitation.objects.select_related("user").filter(pk=pk).first() if pk else None
        if invitation is None:
            raise Http404(_("This invitation link is not valid. Check that you copied the whole link."))
        self.invitation = invitation
        if invitation.accepted_at is not None or invitation.is_expired or not invitation.user.is_active:
            return self.unusable(request)
        return super().dispatch(request, *args, **kwargs)

    def unusable(self, request: HttpRequest) -> HttpResponse:
        context = {
            "invitation": self.invitation,
            "already_used": self.invitation.accepted_at is not None,
            "secretariat_email": settings.SECRETARIAT_EMAIL,
        }
        return render(request, "members/invitation_unusable.html", context, status=410)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.invitation.user}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "invitation": self.invitation}

    def form_valid(self, form: InvitationAcceptForm) -> HttpResponse:
        try:
            user = services.invitation_accept(
                invitation=self.invitation, password=form.cleaned_data["new_password1"]
            )
        except ValidationError:
            # Used or expired between showing the form and submitting it.
            self.invitation.refresh_from_db()
            return self.unusable(self.request)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        # On to their page in their language, as after any login; the cookie keeps it for `/`.
        with translation.override(user.language):
            messages.success(
                self.request, _("Welcome, %(name)s. Your password is set.") % {"name": user.full_name}
            )
            response = HttpResponseRedirect(reverse("coalition:my"))
        remember_language(response, user.language)
        return response
