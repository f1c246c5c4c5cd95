"""/join/: how to join, the application form, its confirmation and the applicant's private status page.

The form page carries a CSRF token, so it is never stored in the shared page cache (a token rendered for one
visitor would fail for the next); the criteria and versions it shows cost a constant number of queries."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from membership import applications, ratelimit
from membership.forms import ApplicationForm
from membership.models import Application, Criterion

# Attempts that reach the service: per address per hour, per e-mail per day.
LIMIT_PER_IP_PERIOD = 3600
LIMIT_PER_EMAIL_PERIOD = 24 * 3600


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _private(response: HttpResponse) -> HttpResponse:
    """Personal pages: never in a shared cache, and their private link never sent on to another site.
    (`same-origin`, not `no-referrer`: with the latter, browsers send `Origin: null` with the page's own
    forms, and CSRF protection rightly refuses them.)"""
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _criteria(language: str) -> list[dict]:
    rows = []
    for criterion in Criterion.objects.filter(is_active=True).order_by("order", "pk"):
        text, text_language = criterion.text_in(language)
        rows.append({"text": text, "lang": text_language if text_language != language else ""})
    return rows


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "membership/join_too_many.html", status=429)


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    ip = ratelimit.client_ip(request)
    if request.method == "POST":
        if ratelimit.over_limit("ip", ip, _limit("MEMBERSHIP_APPLY_LIMIT_PER_IP", 5)):
            return _too_many(request)
        form = ApplicationForm(request.POST, request.FILES)
        if form.is_bot:
            # Pretend all went well; nothing is stored, nothing is sent.
            return HttpResponseRedirect(reverse("membership:join_sent"))
        valid = form.is_valid()
        if valid:
            email = form.cleaned_data["email"]
            if ratelimit.over_limit("email", email, _limit("MEMBERSHIP_APPLY_LIMIT_PER_EMAIL", 3)):
                return _too_many(request)
            ratelimit.count_attempt("ip", ip, LIMIT_PER_IP_PERIOD)
            ratelimit.count_attempt("email", email, LIMIT_PER_EMAIL_PERIOD)
            application = form.save(commit=False)
            application.language = get_language() or settings.LANGUAGE_CODE
            try:
                applications.application_submit(application=application, letter=form.letter_bytes())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if form.pending is not None:
                    applications.pending_letter_delete(name=form.pending.name)
                return HttpResponseRedirect(reverse("membership:join_sent"))
        form.keep_letter()
        return _private(_render_join(request, form, status=200))
    return _private(_render_join(request, ApplicationForm()))


def _render_join(request: HttpRequest, form: ApplicationForm, status: int = 200) -> HttpResponse:
    language = get_language() or settings.LANGUAGE_CODE
    context = {
        "form": form,
        "criteria": _criteria(language),
        "honeypot": form["website"],
        "has_versions": bool(form.fields["declaration_version"].queryset.exists()),
    }
    return render(request, "membership/join.html", context, status=status)


@login_not_required
@require_safe
def join_sent(request: HttpRequest) -> HttpResponse:
    # Private like every page of the joining path (tests/coalition/test_cache_control.py): it is where the
    # form leads, with its message, and costs no query.
    return render(request, "membership/join_sent.html")


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def join_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A GET shows a button (mail scanners follow links; they do not press buttons); the POST confirms."""
    try:
        application = applications.application_from_token(token)
    except applications.ConfirmLinkError as problem:
        status = 400 if problem.reason == "tampered" else 410
        return _private(
            render(request, "membership/join_confirm_invalid.html", {"reason": problem.reason}, status=status)
        )
    if request.method == "POST":
        try:
            applications.application_confirm(application_id=application.pk)
        except ValidationError:
            return _private(
                render(request, "membership/join_confirm_invalid.html", {"reason": "used"}, status=410)
            )
        messages.success(
            request,
            _(
                "Thank you: your e-mail address is confirmed and your application has reached the "
                "secretariat."
            ),
        )
        return HttpResponseRedirect(application.get_status_url())
    return _private(render(request, "membership/join_confirm.html", {"application": application}))


def _application_by_key(key: str) -> Application:
    return get_object_or_404(
        Application.objects.select_related("declaration_version", "member"), access_key=key
    )


STATUS_STEPS = (
    Application.Status.RECEIVED,
    Application.Status.UNDER_REVIEW,
    Application.Status.IN_CONSULTATION,
    Application.Status.APPROVED,
)


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def application_status(request: HttpRequest, key: str) -> HttpResponse:
    """The applicant's own page, reached only through the link they received: status, history, withdraw."""
    application = _application_by_key(key)
    if request.method == "POST":
        if not application.is_open:
            messages.info(request, _("This application is no longer open; nothing was changed."))
            return HttpResponseRedirect(application.get_status_url())
        if request.POST.get("step") != "confirm":
            return _private(
                render(request, "membership/application_withdraw.html", {"application": application})
            )
        try:
            applications.application_withdraw(application_id=application.pk, key=key)
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, text)
        else:
            messages.success(request, _("Your application is withdrawn."))
        return HttpResponseRedirect(application.get_status_url())
    # Only changes of status: notes on criteria and members' answers are for the secretariat and members.
    events = [
        event
        for event in application.events.order_by("created_at", "pk")
        if event.to_status and event.from_status != event.to_status
    ]
    context = {
        "application": application,
        "events": events,
        "steps": STATUS_STEPS,
        "withdrawn_or_declined": application.status
        in (Application.Status.WITHDRAWN, Application.Status.DECLINED),
        "decline_comment": next(
            (e.comment for e in reversed(events) if e.to_status == Application.Status.DECLINED), ""
        ),
    }
    return _private(render(request, "membership/application_status.html", context))


@login_not_required
@require_safe
def application_letter(request: HttpRequest, key: str) -> FileResponse:
    application = _application_by_key(key)
    if not application.letter:
        raise Http404(_("This application has no letter."))
    response = FileResponse(
        application.letter.open("rb"),
        as_attachment=True,
        filename=f"letter-{application.pk}.pdf",
        content_type="application/pdf",
    )
    return _private(response)
