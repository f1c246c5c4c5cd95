"""Inspired-by links, under /my/: a story's people propose what inspired it; the inspiring member's
coordinator confirms or declines; the proposing side may withdraw."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from meetings.models import AgendaItem
from members.models import User
from recommendations.inspiration_forms import DecisionForm, InspirationForm, SourceSearchForm
from recommendations.models import Inspiration
from recommendations.services import inspiration as services
from stories.models import Story
from stories.services import can_moderate

SEARCH_PAGE_SIZE = 20
LIST_PAGE_SIZE = 50
SEARCH_WORDS = 10  # more words than this narrow nothing down that the first ten did not


def _member_id(user: User) -> int | None:
    return user.mission.member_id if user.is_authenticated and user.mission_id else None


def _proposable_story(user: User, pk: int) -> Story:
    """The story if this person may say what inspired it; 404 alike for missing and not theirs."""
    story = Story.objects.select_related("member").filter(pk=pk).first()
    if story is None or not services.can_propose(user=user, story=story):
        raise Http404(_("There is no story of yours at this address."))
    return story


def _candidates(story: Story, search: SourceSearchForm):
    """Published stories of other members that this story does not already name, newest first."""
    linked = Inspiration.objects.filter(
        story=story, status__in=[Inspiration.Status.PROPOSED, Inspiration.Status.CONFIRMED]
    ).values("source_id")
    queryset = (
        Story.objects.published()
        .exclude(member_id=story.member_id)
        .exclude(pk__in=linked)
        .select_related("member")
        .order_by("-published_at", "-pk")
    )
    for word in search.value("q").split()[:SEARCH_WORDS]:
        queryset = queryset.filter(title__icontains=word)
    if member := search.value("member"):
        queryset = queryset.filter(member__country=member.upper())
    return queryset


def _presentations(stories: list[Story]) -> dict[int, list]:
    """The meetings at which each story was presented, earliest first (one query)."""
    presented: dict[int, list] = {}
    items = (
        AgendaItem.objects.filter(story__in=[s.pk for s in stories])
        .select_related("meeting")
        .order_by("meeting__starts_at", "pk")
    )
    for item in items:
        meetings = presented.setdefault(item.story_id, [])
        if item.meeting not in meetings:
            meetings.append(item.meeting)
    return presented


@require_http_methods(["GET", "HEAD", "POST"])
def inspiration_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the story that inspired this one (a search among other members' published stories), maybe a
    meeting where it was presented, and a note; see and withdraw the links already made."""
    story = _proposable_story(request.user, pk)
    # A proposal carries the search it was made from, so that a refusal shows the same list again.
    params = request.POST if request.method == "POST" else request.GET
    search = SourceSearchForm(params, exclude_member_id=story.member_id)
    page = Paginator(_candidates(story, search), SEARCH_PAGE_SIZE).get_page(params.get("page"))
    candidates = list(page.object_list)
    presented = _presentations(candidates)
    for candidate in candidates:
        candidate.presented_at = presented.get(candidate.pk, [])
    meetings = sorted(
        {meeting for listed in presented.values() for meeting in listed},
        key=lambda meeting: (meeting.starts_at, meeting.pk),
        reverse=True,
    )
    form = InspirationForm(request.POST if request.method == "POST" else None, meetings=meetings)
    if request.method == "POST" and form.is_valid():
        try:
            inspiration = services.inspiration_propose(
                actor=request.user,
                story_id=story.pk,
                source_id=form.cleaned_data["source"],
                meeting_id=form.cleaned_data["meeting"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your proposal is sent: %(member)s's coordinator will confirm or decline it.")
                % {"member": inspiration.source.member.name},
            )
            return HttpResponseRedirect(reverse("my_recommendations:inspiration_propose", args=[story.pk]))
    query = {"q": search.value("q"), "member": search.value("member")}
    context: dict[str, Any] = {
        "story": story,
        "search": search,
        "form": form,
        "page_obj": page,
        "candidates": candidates,
        "chosen": str(form["source"].value() or ""),
        "search_values": query,
        "query": urlencode({name: value for name, value in query.items() if value}),
        "searching": any(query.values()),
        "links": story.inspired_by_links.select_related("source__member", "meeting").order_by(
            "-proposed_at", "-pk"
        ),
    }
    return render(request, "recommendations/my/inspiration_propose.html", context)


def inspiration_list(request: HttpRequest) -> HttpResponse:
    """A member's links: those other members propose about its stories (awaiting its coordinator), and its
    own proposals with their status."""
    member_id = _member_id(request.user)
    if member_id is None:
        raise PermissionDenied(_("Only the people of a member's mission have inspirations to follow."))
    awaiting = (
        Inspiration.objects.filter(source__member_id=member_id, status=Inspiration.Status.PROPOSED)
        .select_related("story__member", "source", "meeting", "proposed_by")
        .order_by("proposed_at", "pk")
    )
    ours = (
        Inspiration.objects.filter(story__member_id=member_id)
        .select_related("story", "source__member", "meeting", "decided_by")
        .order_by("-proposed_at", "-pk")
    )
    page = Paginator(ours, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "awaiting": awaiting,
        "is_coordinator": request.user.role == User.Role.COORDINATOR,
        "page_obj": page,
        "ours": page.object_list,
    }
    return render(request, "recommendations/my/inspiration_list.html", context)


def _visible_inspiration(user: User, pk: int) -> Inspiration:
    """The link if this person is of either member (or the secretariat); 404 alike for missing and not
    theirs."""
    inspiration = get_object_or_404(
        Inspiration.objects.select_related(
            "story__member", "source__member", "meeting", "proposed_by", "decided_by"
        ),
        pk=pk,
    )
    member_id = _member_id(user)
    related = member_id is not None and member_id in (
        inspiration.story.member_id,
        inspiration.source.member_id,
    )
    if not related and not can_moderate(user=user):
        raise Http404(_("There is no link of yours at this address."))
    return inspiration


@require_http_methods(["GET", "HEAD", "POST"])
def inspiration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One link: its history, the coordinator's confirm/decline form, the proposer's withdraw button."""
    inspiration = _visible_inspiration(request.user, pk)
    user = request.user
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "withdraw":
            return _withdraw(request, inspiration)
        if action not in ("confirm", "decline"):
            messages.error(request, _("Choose to confirm or to decline."))
            return HttpResponseRedirect(reverse("my_recommendations:inspiration_detail", args=[pk]))
        if not services.can_decide(user=user, inspiration=inspiration):
            raise PermissionDenied(
                _("Only a coordinator of the member whose story inspired the other confirms or declines.")
            )
        if form.is_valid():
            try:
                services.inspiration_decide(
                    actor=user,
                    inspiration_id=inspiration.pk,
                    confirm=action == "confirm",
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("The link is confirmed: it is now public.")
                    if action == "confirm"
                    else _("The link is declined. The other member is told."),
                )
            return HttpResponseRedirect(reverse("my_recommendations:inspiration_detail", args=[pk]))
    pending = inspiration.status == Inspiration.Status.PROPOSED
    context = {
        "inspiration": inspiration,
        "form": form,
        "may_decide": pending and services.can_decide(user=user, inspiration=inspiration),
        "may_withdraw": inspiration.status in (Inspiration.Status.PROPOSED, Inspiration.Status.CONFIRMED)
        and services.can_withdraw(user=user, inspiration=inspiration),
        "ours": _member_id(user) == inspiration.story.member_id,
        "events": inspiration.events.select_related("actor").order_by("created_at", "pk"),
    }
    return render(request, "recommendations/my/inspiration_detail.html", context)


def _withdraw(request: HttpRequest, inspiration: Inspiration) -> HttpResponse:
    if not services.can_withdraw(user=request.user, inspiration=inspiration):
        raise PermissionDenied(_("Only the inspired story's own mission staff withdraw this link."))
    try:
        services.inspiration_withdraw(actor=request.user, inspiration_id=inspiration.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The link is withdrawn."))
    return HttpResponseRedirect(
        reverse("my_recommendations:inspiration_propose", args=[inspiration.story_id])
    )
