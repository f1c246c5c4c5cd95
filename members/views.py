from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, TemplateView

from coalition.caching import cache_public_page
from members import services
from members.forms import InvitationAcceptForm
from members.models import Invitation, Member, Mission, User


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class MemberListView(TemplateView):
    template_name = "members/member_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        members = Member.objects.public().sorted_by_name()
        context["current_members"] = [m for m in members if m.status == Member.Status.MEMBER]
        context["former_members"] = [m for m in members if m.status == Member.Status.FORMER]
        return context


MEMBER_PAGE_STORIES = 12


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class MemberDetailView(DetailView):
    template_name = "members/member_detail.html"
    context_object_name = "member"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        iso = kwargs["iso"]
        if iso != iso.lower():
            return HttpResponseRedirect(reverse("members:member_detail", kwargs={"iso": iso.lower()}))
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None) -> Member:
        return get_object_or_404(
            Member.objects.public().prefetch_related("missions"), country=self.kwargs["iso"].upper()
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        member = self.object
        # Stories and meetings build on members, not the other way round: reach them through the relations.
        # The newest few, and a link to the gallery filtered by this member when there are more: a member
        # may have thousands.
        stories = list(
            member.stories.published()
            .select_related("member")
            .prefetch_related("images", "translations")
            .order_by("-published_at", "-pk")[: MEMBER_PAGE_STORIES + 1]
        )
        context["stories"] = stories[:MEMBER_PAGE_STORIES]
        context["more_stories"] = len(stories) > MEMBER_PAGE_STORIES
        meeting_model = Member.co_chaired_meetings.rel.related_model
        context["meetings"] = (
            meeting_model.objects.for_member(member).select_related("topic").order_by("-starts_at")[:20]
        )
        return context


def contact_group() -> list[User]:
    """Every member's active coordinator: visible to logged-in members only."""
    return list(
        User.objects.coordinators()
        .select_related("mission__member")
        .order_by("mission__member__country", "mission__kind")
    )


class MyPageView(TemplateView):
    """A logged-in person's page: their mission, its coordinator, and the contact group."""

    template_name = "members/my.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        mission = None
        if user.mission_id:
            mission = (
                Mission.objects.select_related("member")
                .prefetch_related(
                    Prefetch("users", queryset=User.objects.coordinators(), to_attr="active_coordinators")
                )
                .get(pk=user.mission_id)
            )
        context.update(mission=mission, contact_group=contact_group(), meetings=[])
        if mission is not None:
            context["meetings"] = upcoming_meetings_of(mission.member)
        return context


def upcoming_meetings_of(member: Member) -> list:
    """The member's upcoming meetings, each with `our_participants`: who of the member is invited."""
    # The meetings app builds on this one: reach its models through the relations, not imports.
    meeting_model = Member.co_chaired_meetings.rel.related_model
    participant_model = Member.meeting_participants.rel.related_model
    return list(
        meeting_model.objects.for_member(member)
        .upcoming()
        .exclude(status="cancelled")
        .order_by("starts_at")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=participant_model.objects.filter(member=member).order_by("name"),
                to_attr="our_participants",
            )
        )
    )


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
        messages.success(
            self.request, _("Welcome, %(name)s. Your password is set.") % {"name": user.full_name}
        )
        return HttpResponseRedirect(reverse("members:my"))
