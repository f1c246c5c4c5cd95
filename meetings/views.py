from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, TemplateView

from core.public_cache import cache_public_page, public_page
from meetings.calendar import calendar_bytes
from meetings.jsonld import meeting_structured_data
from meetings.models import AgendaItem, Meeting, Participant
from stories.models import Story, StoryImage


def year_choices() -> list[tuple[str, str]]:
    years = Meeting.objects.dates("starts_at", "year", order="DESC")
    return [(str(d.year), str(d.year)) for d in years]


class MeetingFilter(django_filters.FilterSet):
    city = django_filters.ChoiceFilter(
        label=_("City"), choices=Meeting.City.choices, empty_label=_("Any city")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Meeting.Kind.choices, empty_label=_("Any kind")
    )
    year = django_filters.ChoiceFilter(
        label=_("Year"), choices=year_choices, field_name="starts_at__year", empty_label=_("Any year")
    )

    class Meta:
        model = Meeting
        fields: list[str] = []


def meeting_list_queryset():
    return Meeting.objects.select_related("topic").prefetch_related("co_chairs", "translations")


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class MeetingListView(TemplateView):
    """Upcoming meetings first (soonest first), then past ones (latest first)."""

    template_name = "meetings/meeting_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        filterset = MeetingFilter(data, queryset=meeting_list_queryset())
        ignored = []
        if not filterset.is_valid():
            ignored = [
                str(filterset.form.fields[name].label)
                for name in filterset.form.errors
                if name in filterset.form.fields
            ]
            for name in filterset.form.errors:
                data.pop(name, None)
            filterset = MeetingFilter(data, queryset=meeting_list_queryset())
        meetings = filterset.qs
        context.update(
            filter=filterset,
            ignored=ignored,
            upcoming=list(meetings.upcoming().order_by("starts_at")),
            past=list(meetings.past().order_by("-starts_at")[:100]),
            filtered=any(data.values()),
        )
        return context


def meeting_detail_queryset():
    return Meeting.objects.select_related("topic").prefetch_related(
        "co_chairs",
        "documents",
        "translations",
        Prefetch(
            "agenda",
            queryset=AgendaItem.objects.select_related("story__member")
            .prefetch_related("translations")
            .order_by("order", "time", "pk"),
        ),
        Prefetch(
            "participants",
            queryset=Participant.objects.listed_on_portal().select_related("member"),
            to_attr="public_participants",
        ),
    )


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class MeetingDetailView(DetailView):
    template_name = "meetings/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return meeting_detail_queryset()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["presented"] = [
            item.story
            for item in self.object.agenda.all()
            if item.story and item.story.status == Story.Status.PUBLISHED
        ]
        # A translation that may be out of date links to the original, under its language's prefix.
        with translation.override(self.object.language):
            context["original_url"] = self.object.get_absolute_url()
        context["structured_data"] = meeting_structured_data(self.object, self.request)
        return context


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_not_required
@require_safe
@public_page
def meeting_ics(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = get_object_or_404(Meeting, slug=slug)
    return _ics_response(calendar_bytes([meeting], name=meeting.title), f"{meeting.slug}.ics")


@login_not_required
@require_safe
@public_page
def calendar_ics(request: HttpRequest) -> HttpResponse:
    meetings = Meeting.objects.order_by("starts_at")
    return _ics_response(
        calendar_bytes(meetings, name="Good Human Rights Stories Initiative"), "good-stories-meetings.ics"
    )


@login_not_required
@require_safe
@public_page
def meeting_present(request: HttpRequest, slug: str) -> HttpResponse:
    """The meeting's stories for the room: one slide each, arrow keys and buttons, nothing from elsewhere."""
    meeting = get_object_or_404(
        Meeting.objects.prefetch_related(
            Prefetch(
                "agenda",
                queryset=AgendaItem.objects.filter(story__status=Story.Status.PUBLISHED)
                .select_related("story__member")
                .prefetch_related(
                    # Only photos the public may see: a withdrawn consent takes a photo off the screen too.
                    Prefetch(
                        "story__images", queryset=StoryImage.objects.shown_publicly().order_by("order", "pk")
                    )
                )
                .order_by("order", "time", "pk"),
            ),
            "translations",
        ),
        slug=slug,
    )
    stories = [item.story for item in meeting.agenda.all()]
    return render(request, "meetings/meeting_present.html", {"meeting": meeting, "stories": stories})
