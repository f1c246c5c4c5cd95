"""/my/cooperation/: a member's record, kept by its mission (staff and coordinators of that member). The
secretariat reads any member's overview (`?member=<iso>`) and the replies; it changes records in the admin."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from cooperation import services
from cooperation.forms import (
    CommunicationForm,
    ConfirmForm,
    FollowUpForm,
    StandingInvitationForm,
    VisitForm,
)
from cooperation.models import Communication, FollowUp, VisitRequest
from members.models import Member, User
from recommendations.models import Recommendation
from stories.models import Story

SEARCH_LIMIT = 50


def _keeper_member(request: HttpRequest) -> Member:
    """The member whose record this person keeps; 403 with a sentence for anyone else."""
    user: User = request.user
    if user.is_secretariat:
        raise PermissionDenied(
            _("The secretariat reads the members' records here and changes them in the administration.")
        )
    member = user.member
    if member is None or not services.keeps_record_of(user=user, member_id=member.pk):
        raise PermissionDenied(_("The record of cooperation is kept by the members' missions."))
    return member


def _due(entry: VisitRequest | Communication, today: datetime.date) -> dict[str, Any] | None:
    """How the reply stands: None once replied; otherwise overdue (by N days) or due in N days."""
    if entry.replied_on:
        return None
    days = (entry.reply_due_on - today).days
    return {"overdue": days < 0, "today": days == 0, "days": abs(days)}


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    user: User = request.user
    if user.is_secretariat and request.GET.get("member"):
        member = get_object_or_404(Member, country=request.GET["member"].upper())
        can_write = False
    else:
        member = _keeper_member(request)
        can_write = True
    record = services.record_for(member)
    today = services.today_for(record)
    visits = list(VisitRequest.objects.filter(member=member).select_related("mandate"))
    communications = list(Communication.objects.filter(member=member))
    for entry in [*visits, *communications]:
        entry.due = _due(entry, today)
        entry.late = bool(entry.replied_on and entry.replied_on > entry.reply_due_on)
    is_coordinator = services.is_coordinator_of(user=user, member_id=member.pk)
    awaiting = sum(1 for entry in [*visits, *communications] if not entry.is_confirmed)
    context = {
        "member": member,
        "record": record,
        "today": today,
        "visits": visits,
        "communications": communications,
        "can_write": can_write,
        "is_coordinator": is_coordinator,
        "awaiting": awaiting,
        "review_year": today.year,
    }
    return render(request, "cooperation/my/overview.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def standing_invitation(request: HttpRequest) -> HttpResponse:
    member = _keeper_member(request)
    record = services.record_for(member)
    form = StandingInvitationForm(
        request.POST if request.method == "POST" else None,
        initial={"extended_on": record.standing_invitation_on},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.standing_invitation_save(
                    actor=request.user, member_id=member.pk, extended_on=form.cleaned_data["extended_on"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The standing invitation is recorded."))
                return HttpResponseRedirect(reverse("my_cooperation:overview"))
        status = 400
    context = {"member": member, "record": record, "form": form}
    return render(request, "cooperation/my/standing_invitation.html", context, status=status)


def _save_entry(request: HttpRequest, *, form, save, template: str, context: dict[str, Any]) -> HttpResponse:
    """The create/edit flow of a visit request or a communication: errors next to the fields, values kept;
    a change made by someone else meanwhile comes back (409) with the person's values and the saved ones."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save(form)
            except services.EntryConflict as conflict:
                data = form.data.copy()
                data["version"] = conflict.current.version
                form.data = data
                form.add_error(None, conflict)
                context["current"] = conflict.current
                status = 409
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                return HttpResponseRedirect(reverse("my_cooperation:overview"))
        else:
            status = 400
        # Browsers never send a file twice: say so when one was chosen and the form comes back.
        context["document_dropped"] = bool(request.FILES.get("reply_document"))
    context["form"] = form
    return render(request, template, context, status=status)


def _version(form) -> int | None:
    return form.cleaned_data.get("version")


@require_http_methods(["GET", "HEAD", "POST"])
def visit_create(request: HttpRequest) -> HttpResponse:
    return _visit_form(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _keeper_member(request)
    visit = get_object_or_404(VisitRequest.objects.select_related("mandate"), pk=pk, member=member)
    return _visit_form(request, visit)


def _visit_form(request: HttpRequest, visit: VisitRequest | None) -> HttpResponse:
    member = _keeper_member(request)
    bound = request.method == "POST"
    form = VisitForm(request.POST if bound else None, request.FILES if bound else None, instance=visit)

    def save(form: VisitForm) -> None:
        services.visit_save(
            actor=request.user,
            member_id=member.pk,
            data=form.service_data(),
            visit_id=visit.pk if visit else None,
            expected_version=_version(form),
        )
        messages.success(
            request, _("The visit request is saved.") if visit else _("The visit request is recorded.")
        )

    context = {"member": member, "visit": visit}
    return _save_entry(
        request, form=form, save=save, template="cooperation/my/visit_form.html", context=context
    )


@require_http_methods(["GET", "HEAD", "POST"])
def communication_create(request: HttpRequest) -> HttpResponse:
    return _communication_form(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
def communication_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _keeper_member(request)
    communication = get_object_or_404(Communication, pk=pk, member=member)
    return _communication_form(request, communication)


def _communication_form(request: HttpRequest, communication: Communication | None) -> HttpResponse:
    member = _keeper_member(request)
    bound = request.method == "POST"
    form = CommunicationForm(
        request.POST if bound else None, request.FILES if bound else None, instance=communication
    )

    def save(form: CommunicationForm) -> None:
        services.communication_save(
            actor=request.user,
            member_id=member.pk,
            data=form.service_data(),
            communication_id=communication.pk if communication else None,
            expected_version=_version(form),
        )
        messages.success(
            request,
            _("The communication is saved.") if communication else _("The communication is recorded."),
        )

    context = {"member": member, "communication": communication}
    return _save_entry(
        request, form=form, save=save, template="cooperation/my/communication_form.html", context=context
    )


@require_http_methods(["GET", "HEAD", "POST"])
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """The recommendations of the visit's report, and the member's follow-up of each. Those of the report's
    symbol are listed; a search finds others made to the member."""
    member = _keeper_member(request)
    visit = get_object_or_404(VisitRequest.objects.select_related("mandate"), pk=pk, member=member)
    record = services.record_for(member)
    today = services.today_for(record)
    query = request.GET.get("q", "").strip()[:200]
    made_to_member = Recommendation.objects.filter(country=member.country)
    if query:
        shown = list(
            made_to_member.filter(Q(symbol__icontains=query) | Q(text__icontains=query))[:SEARCH_LIMIT]
        )
    elif visit.report_symbol:
        shown = list(made_to_member.filter(symbol=visit.report_symbol).order_by("paragraph", "pk"))
    else:
        shown = []
    existing = {
        f.recommendation_id: f
        for f in FollowUp.objects.filter(visit=visit).select_related("recommendation", "story")
    }
    recommendations = [f.recommendation for f in existing.values()]
    recommendations += [r for r in shown if r.pk not in existing]
    story_choices = list(Story.objects.filter(member=member).order_by("title").values_list("pk", "title"))
    posted = None
    if request.method == "POST":
        try:
            posted = int(request.POST.get("recommendation", ""))
        except ValueError:
            posted = None
        if posted is None or not made_to_member.filter(pk=posted).exists():
            raise Http404(_("This recommendation was not made to your member."))
        if posted not in {r.pk for r in recommendations}:
            recommendations.append(made_to_member.get(pk=posted))
    rows = []
    status = 200
    for recommendation in recommendations:
        current = existing.get(recommendation.pk)
        initial = (
            {
                "status": current.status,
                "noted_on": current.noted_on,
                "note": current.note,
                "story": current.story_id,
            }
            if current
            else {"status": FollowUp.Status.NOT_STARTED, "noted_on": today}
        )
        prefix = f"r{recommendation.pk}"
        if posted == recommendation.pk:
            form = FollowUpForm(request.POST, prefix=prefix, story_choices=story_choices, initial=initial)
            if form.is_valid():
                try:
                    services.follow_up_save(
                        actor=request.user,
                        visit_id=visit.pk,
                        recommendation_id=recommendation.pk,
                        status=form.cleaned_data["status"],
                        note=form.cleaned_data["note"],
                        noted_on=form.cleaned_data["noted_on"],
                        story_id=form.cleaned_data["story"],
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("The follow-up is saved."))
                    return HttpResponseRedirect(request.get_full_path())
            status = 400
        else:
            form = FollowUpForm(prefix=prefix, story_choices=story_choices, initial=initial)
        rows.append({"recommendation": recommendation, "follow_up": current, "form": form})
    context = {"member": member, "visit": visit, "rows": rows, "query": query}
    return render(request, "cooperation/my/follow_up.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """The coordinator confirms the entries staff recorded, so that they count in the review."""
    member = _keeper_member(request)
    if not services.is_coordinator_of(user=request.user, member_id=member.pk):
        raise PermissionDenied(_("Only your member's coordinator confirms entries of its record."))
    visits = list(
        VisitRequest.objects.filter(member=member, confirmed_at__isnull=True).select_related(
            "mandate", "created_by"
        )
    )
    communications = list(
        Communication.objects.filter(member=member, confirmed_at__isnull=True).select_related("created_by")
    )
    form = ConfirmForm(
        request.POST if request.method == "POST" else None, visits=visits, communications=communications
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                confirmed_visits, confirmed_communications = services.entries_confirm(
                    actor=request.user,
                    visit_ids=form.cleaned_data["visits"],
                    communication_ids=form.cleaned_data["communications"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                count = len(confirmed_visits) + len(confirmed_communications)
                messages.success(request, _("Entries confirmed: %(count)d.") % {"count": count})
                return HttpResponseRedirect(reverse("my_cooperation:overview"))
        status = 400
    selected_visits = {str(v) for v in form["visits"].value() or []}
    selected_communications = {str(c) for c in form["communications"].value() or []}
    context = {
        "member": member,
        "visits": visits,
        "communications": communications,
        "form": form,
        "selected_visits": selected_visits,
        "selected_communications": selected_communications,
    }
    return render(request, "cooperation/my/confirm.html", context, status=status)


@require_safe
def reply_document(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    """A reply's PDF, for the member's people and the secretariat; 404 alike for anyone else and for none."""
    models = {"visit": VisitRequest, "communication": Communication}
    if kind not in models:
        raise Http404
    entry = models[kind].objects.filter(pk=pk).first()
    if (
        entry is None
        or not entry.reply_document
        or not services.can_read(user=request.user, member_id=entry.member_id)
    ):
        raise Http404(_("There is no such reply."))
    response = FileResponse(
        entry.reply_document.open("rb"),
        as_attachment=True,
        filename=f"reply-{kind}-{entry.pk}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
