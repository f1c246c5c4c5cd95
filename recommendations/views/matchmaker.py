"""The matchmaker and the exchanges it leads to, for the people of a member's mission (under /my/)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from members.models import Member, User
from recommendations import matchmaker as matching
from recommendations.exchange_forms import ExchangeAnswerForm, ExchangeRequestForm
from recommendations.models import Exchange, Mechanism, Recommendation
from recommendations.services import exchanges as services
from stories.models import Story


def _member_or_refusal(request: HttpRequest) -> Member | HttpResponse:
    """The member the person works for, or a page saying why these pages are not for them (403)."""
    user = request.user
    if services.can_request(user=user):
        return Member.objects.get(pk=user.mission.member_id)
    if user.role == User.Role.SECRETARIAT:
        sentence = _(
            "The matchmaker and exchanges are for the people of a member's mission, and the secretariat "
            "belongs to none. You can browse every recommendation and the stories answering them on the "
            "public pages."
        )
    else:
        sentence = _(
            "The matchmaker and exchanges are for the staff and coordinators of a member's mission. "
            "Ask the secretariat if you should have access."
        )
    return render(request, "recommendations/my/exchange_refused.html", {"sentence": sentence}, status=403)


def _mechanism(request: HttpRequest) -> str:
    value = request.GET.get("mechanism", "")
    return value if value in Mechanism.values else ""


def matchmaker(request: HttpRequest) -> HttpResponse:
    member = _member_or_refusal(request)
    if isinstance(member, HttpResponse):
        return member
    mechanism = _mechanism(request)
    found = matching.matches(member, mechanism=mechanism or None)
    open_requests = set(
        Exchange.objects.filter(
            from_member=member,
            status=Exchange.Status.OPEN,
            story_id__in=[match.story.pk for match in found],
        ).values_list("story_id", "recommendation_id")
    )
    for match in found:
        match.asked = (match.story.pk, match.recommendation.pk) in open_requests
    return render(
        request,
        "recommendations/my/matchmaker.html",
        {
            "member": member,
            "matches": found,
            "mechanism": mechanism,
            "mechanisms": Mechanism.choices,
            # For the empty state: is there nothing to match, or no story matching?
            "received_count": matching.received(member).count() if not found else None,
        },
    )


def _exchanges_of(member: Member):
    return Exchange.objects.filter(Q(from_member=member) | Q(to_member=member)).select_related(
        "from_member", "to_member", "story", "recommendation", "requested_by__mission", "answered_by"
    )


def exchange_list(request: HttpRequest) -> HttpResponse:
    member = _member_or_refusal(request)
    if isinstance(member, HttpResponse):
        return member
    exchanges = list(_exchanges_of(member)[:500])
    return render(
        request,
        "recommendations/my/exchange_list.html",
        {
            "member": member,
            "received": [exchange for exchange in exchanges if exchange.to_member_id == member.pk],
            "sent": [exchange for exchange in exchanges if exchange.from_member_id == member.pk],
        },
    )


def _add_errors(form, error: ValidationError) -> None:
    """A service's refusal, next to the field it concerns (or above the form), keeping what was typed."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def exchange_create(request: HttpRequest) -> HttpResponse:
    member = _member_or_refusal(request)
    if isinstance(member, HttpResponse):
        return member
    source = request.POST if request.method == "POST" else request.GET
    story = get_object_or_404(
        Story.objects.published().exclude(member=member).select_related("member"),
        pk=_int(source.get("story")),
    )
    recommendation = get_object_or_404(
        Recommendation.objects.addressed_to(member), pk=_int(source.get("recommendation"))
    )
    if request.method == "POST":
        form = ExchangeRequestForm(request.POST)
        if form.is_valid():
            try:
                exchange = services.exchange_request(
                    actor=request.user,
                    story_id=story.pk,
                    recommendation_id=recommendation.pk,
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Your request is sent to the coordinator of %(member)s.")
                    % {"member": story.member.name},
                )
                return HttpResponseRedirect(reverse("my_recommendations:exchange_detail", args=[exchange.pk]))
    else:
        form = ExchangeRequestForm(initial={"story": story.pk, "recommendation": recommendation.pk})
    return render(
        request,
        "recommendations/my/exchange_form.html",
        {"member": member, "form": form, "story": story, "recommendation": recommendation},
    )


def exchange_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_or_refusal(request)
    if isinstance(member, HttpResponse):
        return member
    exchange = get_object_or_404(_exchanges_of(member), pk=pk)
    can_answer = exchange.status == Exchange.Status.OPEN and services.can_answer(
        user=request.user, exchange=exchange
    )
    form = None
    if request.method == "POST":
        if exchange.status != Exchange.Status.OPEN:
            messages.warning(request, _("This request is already answered."))
            return HttpResponseRedirect(reverse("my_recommendations:exchange_detail", args=[exchange.pk]))
        if not can_answer:
            raise PermissionDenied(_("Only the coordinator of the member asked answers this request."))
        form = ExchangeAnswerForm(request.POST)
        if form.is_valid():
            accept = form.cleaned_data["decision"] == ExchangeAnswerForm.ACCEPT
            try:
                services.exchange_answer(
                    actor=request.user,
                    exchange_id=exchange.pk,
                    accept=accept,
                    answer=form.cleaned_data["answer"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if accept:
                    messages.success(
                        request,
                        _("You accepted the request; %(member)s is told.")
                        % {"member": exchange.from_member.name},
                    )
                else:
                    messages.success(
                        request,
                        _("You declined the request; %(member)s is told.")
                        % {"member": exchange.from_member.name},
                    )
                return HttpResponseRedirect(reverse("my_recommendations:exchange_detail", args=[exchange.pk]))
    elif can_answer:
        form = ExchangeAnswerForm()
    return render(
        request,
        "recommendations/my/exchange_detail.html",
        {
            "member": member,
            "exchange": exchange,
            "form": form if can_answer else None,
            "events": exchange.events.select_related("actor").order_by("created_at", "pk"),
            "asked_by_us": exchange.from_member_id == member.pk,
        },
    )
