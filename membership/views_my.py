"""/my/applications/: the members' say on applications to join. Coordinators of current members answer for
their member; mission staff of current members and the secretariat read."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from members.models import Mission
from membership import applications
from membership.forms import AnswerForm
from membership.models import Application, Consultation, ConsultationAnswer, CriterionAssessment

# Where a person most likely reads the time: their mission's city.
MISSION_TIME_ZONES = {Mission.Kind.GENEVA: "Europe/Zurich", Mission.Kind.NEW_YORK: "America/New_York"}
PAST_SHOWN = 50


def _viewer(request: HttpRequest):
    user = request.user
    if not applications.can_see_consultations(user=user):
        raise PermissionDenied(
            _("Consultations on applications are for the members' missions and the secretariat.")
        )
    return user, applications.answering_member(user)


def person_time_zone(user) -> str:
    if user.mission_id:
        return MISSION_TIME_ZONES.get(user.mission.kind, settings.TIME_ZONE)
    return settings.TIME_ZONE


def _with_times(consultation: Consultation, zone: str) -> Consultation:
    # As text: the template's date filter would turn an aware time back into the site's time zone.
    local = consultation.deadline.astimezone(zoneinfo.ZoneInfo(consultation.time_zone))
    consultation.deadline_local = f"{local:%Y-%m-%d %H:%M}"
    yours = consultation.deadline.astimezone(zoneinfo.ZoneInfo(zone))
    consultation.deadline_yours = f"{yours:%Y-%m-%d %H:%M}" if yours.utcoffset() != local.utcoffset() else ""
    consultation.your_zone = zone
    return consultation


def _consultations(member):
    queryset = Consultation.objects.select_related("application")
    if member is not None:
        queryset = queryset.prefetch_related(
            Prefetch(
                "answers", queryset=ConsultationAnswer.objects.filter(member=member), to_attr="our_answers"
            )
        )
    return queryset


@require_safe
def consultation_list(request: HttpRequest) -> HttpResponse:
    user, member = _viewer(request)
    zone = person_time_zone(user)
    consultations = _consultations(member)
    open_ones = [
        _with_times(c, zone)
        for c in consultations.filter(status=Consultation.Status.OPEN).order_by("deadline", "pk")
    ]
    past = [
        _with_times(c, zone)
        for c in consultations.exclude(status=Consultation.Status.OPEN).order_by("-opened_at", "-pk")[
            :PAST_SHOWN
        ]
    ]
    context = {"open_consultations": open_ones, "past_consultations": past, "member": member, "zone": zone}
    return render(request, "membership/my/consultation_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An application put to the members (404 alike for one never put to them). Its e-mail and phone are
    the secretariat's only."""
    user, member = _viewer(request)
    application = get_object_or_404(
        Application.objects.select_related("declaration_version")
        .filter(consultations__isnull=False)
        .distinct(),
        pk=pk,
    )
    zone = person_time_zone(user)
    consultations = [
        _with_times(c, zone)
        for c in _consultations(member).filter(application=application).order_by("-opened_at", "-pk")
    ]
    current = consultations[0] if consultations else None
    our_answer = (
        current.our_answers[0] if current is not None and member is not None and current.our_answers else None
    )
    can_answer = bool(
        member is not None and current is not None and current.status == Consultation.Status.OPEN
    )
    form = None
    status = 200
    if can_answer:
        initial = {"answer": our_answer.answer, "reason": our_answer.reason} if our_answer else None
        form = AnswerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("Only the coordinators of the initiative's members answer, while the consultation is open.")
            )
        if form.is_valid():
            try:
                applications.consultation_answer(
                    actor=user,
                    consultation_id=current.pk,
                    answer=form.cleaned_data["answer"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your member's objection is recorded; the consultation is stopped and the "
                        "secretariat is told."
                    )
                    if form.cleaned_data["answer"] == ConsultationAnswer.Answer.OBJECT
                    else _("Your member's answer is recorded."),
                )
                return HttpResponseRedirect(request.path)
        status = 400
    language = get_language() or settings.LANGUAGE_CODE
    assessments = []
    for assessment in CriterionAssessment.objects.filter(application=application).select_related("criterion"):
        text, text_language = assessment.criterion.text_in(language)
        assessments.append(
            {
                "assessment": assessment,
                "text": text,
                "lang": text_language if text_language != language else "",
            }
        )
    context = {
        "application": application,
        "consultation": current,
        "earlier": consultations[1:],
        "our_answer": our_answer,
        "member": member,
        "form": form,
        "assessments": assessments,
        "support_count": (
            current.answers.filter(answer=ConsultationAnswer.Answer.SUPPORT).count() if current else 0
        ),
    }
    return render(request, "membership/my/consultation_detail.html", context, status=status)
