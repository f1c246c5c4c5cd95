"""Published cooperation cards (public), and publishing one (the member's coordinator, under /my/)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from cooperation import publishing
from cooperation.models import CooperationRecord, FollowUp, VisitRequest
from core.public_cache import cache_public_page
from members.models import Member


def card_visits(member: Member) -> list[VisitRequest]:
    """The member's confirmed visit requests (entries its coordinator has not confirmed are not part of its
    record yet), each with the count of its report's recommendations by follow-up status: one query."""
    statuses = FollowUp.Status
    return list(
        VisitRequest.objects.filter(member=member, confirmed_at__isnull=False)
        .select_related("mandate")
        .annotate(
            follow_ups_total=Count("follow_ups"),
            follow_ups_not_started=Count("follow_ups", filter=Q(follow_ups__status=statuses.NOT_STARTED)),
            follow_ups_in_progress=Count("follow_ups", filter=Q(follow_ups__status=statuses.IN_PROGRESS)),
            follow_ups_implemented=Count("follow_ups", filter=Q(follow_ups__status=statuses.IMPLEMENTED)),
        )
        .order_by("-requested_on", "-pk")
    )


# ---------------------------------------------------------------------------------------------------------
# Public


@login_not_required
@require_safe
@cache_public_page()
def card_list(request: HttpRequest) -> HttpResponse:
    """The members that publish their card, with the year and date of their figures."""
    records = sorted(
        publishing.published_records().select_related("member"),
        key=lambda record: str(record.member.country.name),
    )
    return render(request, "cooperation/card_list.html", {"records": records})


@login_not_required
@require_safe
@cache_public_page()
def card_detail(request: HttpRequest, iso: str) -> HttpResponse:
    if iso != iso.lower():
        return HttpResponseRedirect(reverse("cooperation_card:card_detail", kwargs={"iso": iso.lower()}))
    record = (
        publishing.published_records().select_related("member").filter(member__country=iso.upper()).first()
    )
    if record is None:
        # Alike for a member that does not exist, has not published, or has withdrawn its card.
        return render(request, "cooperation/card_missing.html", status=404)
    from cooperation import review

    member = record.member
    context = {
        "record": record,
        "member": member,
        "figures": review.member_review(member=member, year=record.card_year).figures,
        "visits": card_visits(member),
    }
    return render(request, "cooperation/card_detail.html", context)


# ---------------------------------------------------------------------------------------------------------
# Publishing


class PublishForm(forms.Form):
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year of the figures"),
        coerce=int,
        help_text=gettext_lazy(
            "The card shows the annual review of this year: the current year or a past one."
        ),
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]


def _viewer_member(request: HttpRequest) -> Member:
    user = request.user
    if not user.mission_id:
        raise PermissionDenied(
            _("A member's cooperation card is published by its own mission's coordinator.")
        )
    return user.mission.member


@require_http_methods(["GET", "HEAD", "POST"])
def card_publish(request: HttpRequest) -> HttpResponse:
    """The card's state for the member's people; its coordinator publishes it (choosing the year of the
    figures) or withdraws it, each after a confirmation step."""
    member = _viewer_member(request)
    record = CooperationRecord.objects.filter(member=member).first()
    may_publish = publishing.can_publish(user=request.user, member_id=member.pk)
    years = publishing.publishable_years(record)
    action = request.POST.get("action") if request.method == "POST" else None
    confirmed = request.POST.get("step") == "confirm"
    if action is not None and not may_publish:
        raise PermissionDenied(
            _("Only the member's contact-group coordinator publishes its cooperation card.")
        )
    initial_year = record.card_year if record is not None and record.card_year else years[1]
    form = PublishForm(
        request.POST if action == "publish" else None, years=years, initial={"year": initial_year}
    )
    confirming = None
    status = 200
    if action == "publish":
        if form.is_valid():
            if not confirmed:
                confirming = "publish"
            else:
                try:
                    publishing.card_publish(
                        actor=request.user, member_id=member.pk, year=form.cleaned_data["year"]
                    )
                except ValidationError as error:
                    form.add_error("year" if getattr(error, "code", "") == "year" else None, error)
                else:
                    messages.success(
                        request,
                        _("Your cooperation card is public, with the figures of %(year)s.")
                        % {"year": form.cleaned_data["year"]},
                    )
                    return HttpResponseRedirect(request.path)
        if confirming is None:
            status = 400
    elif action == "withdraw":
        if not confirmed:
            confirming = "withdraw"
        else:
            try:
                publishing.card_withdraw(actor=request.user, member_id=member.pk)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, _("Your cooperation card is withdrawn: nothing of your record is public.")
                )
            return HttpResponseRedirect(request.path)
    context = {
        "member": member,
        "record": record,
        "published": record is not None and record.is_published,
        "may_publish": may_publish,
        "form": form,
        "confirming": confirming,
        "confirm_year": form.cleaned_data.get("year") if confirming == "publish" else None,
    }
    return render(request, "cooperation/my/card_publish.html", context, status=status)
