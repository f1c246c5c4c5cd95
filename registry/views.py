"""The registry's pages: the public figures at /reprisals/, and the secretariat's pages under /my/registry/,
each guarded by `registry_view` (permission and a second factor confirmed in the last 15 minutes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.public_cache import cache_public_page
from registry import crypto, figures, services
from registry.access import registry_view
from registry.forms import CaseForm, IdentityForm, ReasonForm, ReferralForm, StatusForm
from registry.models import Case, IdentityRead

READ_LOG_LIMIT = 500


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


# --- Public -----------------------------------------------------------------------------------------------


@login_not_required
@require_safe
@cache_public_page()
def public_figures(request: HttpRequest) -> HttpResponse:
    result = figures.public_figures()
    return render(
        request,
        "registry/figures.html",
        {"tables": result["tables"] if result else [], "threshold": figures.THRESHOLD},
    )


# --- The secretariat --------------------------------------------------------------------------------------


@registry_view
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    cases = Case.objects.order_by("-year", "-month", "code")
    status = request.GET.get("status", "")
    if status in Case.Status.values:
        cases = cases.filter(status=status)
    return _private(
        render(
            request,
            "registry/case_list.html",
            {
                "cases": cases,
                "statuses": Case.Status.choices,
                "status": status,
                "keys_problem": crypto.check_keys(),
            },
        )
    )


@registry_view
@require_http_methods(["GET", "HEAD", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    keys_problem = crypto.check_keys()
    form = CaseForm(request.POST or None)
    identity_form = IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and identity_form.is_valid():
        identity = identity_form.identity()
        try:
            case = services.case_create(actor=request.user, values=form.cleaned_data, identity=identity)
        except ValidationError as error:
            target = identity_form if getattr(error, "code", None) == "registry_keys" else form
            _apply_errors(target, error)
        else:
            messages.success(request, _("Case %(code)s recorded.") % {"code": case.code})
            return HttpResponseRedirect(case_url(case))
    return _private(
        render(
            request,
            "registry/case_form.html",
            {"form": form, "identity_form": identity_form, "keys_problem": keys_problem},
        )
    )


def case_url(case: Case) -> str:
    from django.urls import reverse

    return reverse("registry:case_detail", kwargs={"code": case.code})


def _detail(request: HttpRequest, case: Case, **forms) -> HttpResponse:
    context = {
        "case": case,
        "form": forms.get("form") or CaseForm(instance=case),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": case.status}),
        "referral_form": forms.get("referral_form") or ReferralForm(),
        "identity_form": forms.get("identity_form") or IdentityForm(required=True),
        "referrals": case.referrals.select_related("mandate"),
        "events": case.events.select_related("actor"),
        "keys_problem": crypto.check_keys(),
    }
    return _private(render(request, "registry/case_detail.html", context))


@registry_view
@require_http_methods(["GET", "HEAD", "POST"])
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    case = get_object_or_404(Case, code=code)
    if request.method != "POST":
        return _detail(request, case)
    form = CaseForm(request.POST, instance=Case.objects.get(pk=case.pk))
    if form.is_valid():
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            services.case_update(
                actor=request.user, case_id=case.pk, values=form.cleaned_data, version=version
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Case %(code)s saved.") % {"code": case.code})
            return HttpResponseRedirect(case_url(case))
    case.refresh_from_db()
    return _detail(request, case, form=form)


@registry_view
@require_POST
def case_status(request: HttpRequest, code: str) -> HttpResponse:
    case = get_object_or_404(Case, code=code)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.case_set_status(
                actor=request.user,
                case_id=case.pk,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Status changed."))
            return HttpResponseRedirect(case_url(case))
    return _detail(request, case, status_form=form)


@registry_view
@require_POST
def case_refer(request: HttpRequest, code: str) -> HttpResponse:
    case = get_object_or_404(Case, code=code)
    form = ReferralForm(request.POST)
    if form.is_valid():
        try:
            services.case_refer(actor=request.user, case_id=case.pk, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Referral recorded."))
            return HttpResponseRedirect(case_url(case))
    return _detail(request, case, referral_form=form)


@registry_view
@require_POST
def case_withdraw_consent(request: HttpRequest, code: str) -> HttpResponse:
    case = get_object_or_404(Case, code=code)
    services.case_withdraw_consent(actor=request.user, case_id=case.pk)
    messages.success(request, _("Consent withdrawn: the case no longer counts in the public figures."))
    return HttpResponseRedirect(case_url(case))


@registry_view
@require_POST
def identity_replace(request: HttpRequest, code: str) -> HttpResponse:
    case = get_object_or_404(Case, code=code)
    form = IdentityForm(request.POST, required=True)
    if form.is_valid():
        try:
            services.case_set_identity(actor=request.user, case_id=case.pk, identity=form.identity())
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Identity recorded, encrypted."))
            return HttpResponseRedirect(case_url(case))
    return _detail(request, case, identity_form=form)


@registry_view
@require_http_methods(["GET", "HEAD", "POST"])
def identity_open(request: HttpRequest, code: str) -> HttpResponse:
    """Asks for a reason; the identity is shown only in the answer to that POST (never in a page that could
    be reloaded, bookmarked or cached), and the read is logged first."""
    case = get_object_or_404(Case, code=code)
    form = ReasonForm(request.POST or None)
    identity = None
    if request.method == "POST" and form.is_valid():
        try:
            identity = services.identity_read(
                actor=request.user, case_id=case.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
    return _private(
        render(request, "registry/identity.html", {"case": case, "form": form, "identity": identity})
    )


@registry_view
@require_safe
def read_log(request: HttpRequest) -> HttpResponse:
    reads = IdentityRead.objects.select_related("case", "reader")[:READ_LOG_LIMIT]
    return _private(render(request, "registry/read_log.html", {"reads": reads, "limit": READ_LOG_LIMIT}))
