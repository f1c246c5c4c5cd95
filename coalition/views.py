"""The pages that combine apps (home, a member's page, a person's /my/ page), and health and robots."""

import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connection
from django.db.models import Count, Exists, Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, TemplateView

from coalition.celery import app as celery_app
from core.public_cache import cache_public_page, public_page
from meetings.models import Meeting, Participant
from members import services as members_services
from members.forms import LanguageForm
from members.languages import remember_language
from members.models import Member, Mission, User
from recommendations.models import Mechanism, Recommendation, published_citations
from stories.models import Story

logger = logging.getLogger(__name__)


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class HomeView(TemplateView):
    template_name = "coalition/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["members"] = Member.objects.public().sorted_by_name()
        context["latest_stories"] = Story.objects.published().cards()[:3]
        context["next_meeting"] = (
            Meeting.objects.prefetch_related("translations")
            .upcoming()
            .exclude(status=Meeting.Status.CANCELLED)
            .order_by("starts_at")
            .first()
        )
        return context


MEMBER_PAGE_STORIES = 12


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class MemberDetailView(DetailView):
    template_name = "coalition/member_detail.html"
    context_object_name = "member"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        iso = kwargs["iso"]
        if iso != iso.lower():
            return HttpResponseRedirect(reverse("coalition:member_detail", kwargs={"iso": iso.lower()}))
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None) -> Member:
        return get_object_or_404(
            Member.objects.public()
            .select_related("cooperation")
            .prefetch_related("missions", "endorsements__version"),
            country=self.kwargs["iso"].upper(),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        member = self.object
        # The newest few, and a link to the gallery filtered by this member when there are more: a member
        # may have thousands.
        stories = list(
            member.stories.published()
            .select_related("member")
            .cards()
            .order_by("-published_at", "-pk")[: MEMBER_PAGE_STORIES + 1]
        )
        context["stories"] = stories[:MEMBER_PAGE_STORIES]
        context["more_stories"] = len(stories) > MEMBER_PAGE_STORIES
        context["meetings"] = (
            Meeting.objects.for_member(member)
            .select_related("topic")
            .prefetch_related("translations")
            .order_by("-starts_at")[:20]
        )
        context["recommendations_received"] = recommendations_received(member)
        # Linked only once the member publishes its cooperation card; most members have no record at all.
        try:
            context["cooperation_card_published"] = member.cooperation.is_published
        except ObjectDoesNotExist:
            context["cooperation_card_published"] = False
        return context


def recommendations_received(member: Member) -> list[dict[str, Any]]:
    """The UN recommendations the member received, by mechanism: how many, and how many a published story
    answers (one aggregate query)."""
    rows = {
        row["mechanism"]: row
        for row in Recommendation.objects.filter(country=member.country)
        .values("mechanism")
        .annotate(received=Count("pk"), answered=Count("pk", filter=Exists(published_citations())))
        .order_by()
    }
    return [
        {"mechanism": mechanism, "label": label, **rows[mechanism]}
        for mechanism, label in Mechanism.choices
        if mechanism in rows
    ]


def contact_group() -> list[User]:
    """Every member's active coordinator: visible to logged-in members only."""
    return list(
        User.objects.coordinators()
        .select_related("mission__member")
        .order_by("mission__member__country", "mission__kind")
    )


class MyPageView(TemplateView):
    """A logged-in person's page: their mission, its coordinator, and the contact group; and their language,
    which they change here (POST)."""

    template_name = "coalition/my.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = LanguageForm(request.POST)
        if form.is_valid():
            try:
                user = members_services.user_change_language(
                    user=request.user, language=form.cleaned_data["language"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # The page and its message in the language just chosen; the cookie keeps it for `/`.
                with translation.override(user.language):
                    messages.success(request, _("Your language has been saved."))
                    response = HttpResponseRedirect(reverse("coalition:my"))
                remember_language(response, user.language)
                return response
        return self.render_to_response(self.get_context_data(language_form=form))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.setdefault("language_form", LanguageForm(initial={"language": user.language}))
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
    return list(
        Meeting.objects.for_member(member)
        .upcoming()
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.filter(member=member).order_by("name"),
                to_attr="our_participants",
            )
        )
    )


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    # A key of its own per check: concurrent probes must not read each other's values.
    value = secrets.token_hex(8)
    key = f"healthz:probe:{value}"
    cache.set(key, value, timeout=10)
    if getattr(cache, "degraded", False):
        # Redis did not answer: this process works on its own memory meanwhile (core/cache_backends.py).
        raise RuntimeError("the cache does not answer")
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)


def _check_broker() -> str:
    if celery_app.conf.broker_url.startswith("memory://"):
        return "tasks run in-process (no broker configured)"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
    return "reachable"


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Report whether the database, the cache and the broker answer; 503 when one does not."""
    checks: dict[str, dict[str, str]] = {}
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        try:
            detail = check()
        except Exception as error:  # any failure of a dependency is a failed check, never a 500
            logger.warning("healthz: %s check failed: %s", name, error)
            checks[name] = {"status": "down", "detail": error.__class__.__name__}
        else:
            checks[name] = {"status": "ok", "detail": detail or "reachable"}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503
    )


@login_not_required
@require_safe
@public_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    private = ["/admin/"]
    for code, _name in settings.LANGUAGES:
        private += [f"/{code}/accounts/", f"/{code}/my/"]
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in private),
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@login_not_required
def bench_bare(request: HttpRequest) -> HttpResponse:
    """The benchmark's yardstick: a tiny template, no query (routed only when BENCHMARK is on)."""
    from django.shortcuts import render

    return render(request, "coalition/bench_bare.html", {"now": "ok"})
