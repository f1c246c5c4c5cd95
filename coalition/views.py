"""Site-wide pages: home, health and robots."""

import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from coalition.caching import cache_public_page
from coalition.celery import app as celery_app
from meetings.models import Meeting
from members.models import Member
from stories.models import Story
from stories.views import story_cards

logger = logging.getLogger(__name__)


@method_decorator([login_not_required, cache_public_page()], name="dispatch")
class HomeView(TemplateView):
    template_name = "coalition/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["members"] = Member.objects.public().sorted_by_name()
        context["latest_stories"] = story_cards(Story.objects.published())[:3]
        context["next_meeting"] = (
            Meeting.objects.upcoming().exclude(status=Meeting.Status.CANCELLED).order_by("starts_at").first()
        )
        return context


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    # A key of its own per check: concurrent probes must not read each other's values.
    value = secrets.token_hex(8)
    key = f"healthz:probe:{value}"
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)


def _check_broker() -> str:
    if celery_app.conf.broker_url.startswith("memory://"):
        return "tasks run in-process (no broker configured)"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
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
