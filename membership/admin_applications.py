"""The secretariat's admin of membership applications, criteria assessments and consultations.

Every change goes through membership/applications.py: the actions ask for what they need first (a deadline,
a comment), assessments are saved by `criterion_assess`, and the status is never a field anyone edits."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_actions import action_with_form
from core.admin_history import HistoryInline
from membership import applications
from membership.forms import (
    ApplicationAdminForm,
    AssessmentAdminForm,
    CommentForm,
    ConsultationOpenForm,
    DeclineForm,
)
from membership.models import (
    Application,
    ApplicationEvent,
    Consultation,
    ConsultationAnswer,
    CriterionAssessment,
)


class SecretariatAccess:
    """The secretariat (role or the decide permission) reads and works on applications in the admin."""

    def has_module_permission(self, request) -> bool:
        return applications.can_decide(user=request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return applications.can_decide(user=request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AssessmentInline(SecretariatAccess, admin.TabularInline):
    model = CriterionAssessment
    form = AssessmentAdminForm
    extra = 1
    fields = ["criterion", "result", "note", "assessed_by", "assessed_at"]
    readonly_fields = ["assessed_by", "assessed_at"]
    verbose_name_plural = _("criteria assessments (saved through the assessment service, with history)")

    def has_add_permission(self, request, obj=None) -> bool:
        return applications.can_decide(user=request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return applications.can_decide(user=request.user)


class ApplicationEventInline(HistoryInline):
    model = ApplicationEvent
    fields = ["created_at", "actor", "action", "from_status", "to_status", "comment", "notified_at"]
    ordering = ["created_at", "pk"]
    value_labels = {"action": applications.Action.choices}

    def has_view_permission(self, request, obj=None) -> bool:
        return applications.can_decide(user=request.user) or super().has_view_permission(request, obj)


class ConsultationInline(SecretariatAccess, admin.TabularInline):
    model = Consultation
    extra = 0
    fields = ["status", "deadline_shown", "opened_by", "opened_at", "closed_at", "answers_shown"]
    readonly_fields = fields
    can_delete = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("opened_by").prefetch_related("answers__member")

    @admin.display(description=_("deadline"))
    def deadline_shown(self, consultation: Consultation) -> str:
        return applications.deadline_text(consultation)

    @admin.display(description=_("answers"))
    def answers_shown(self, consultation: Consultation) -> str:
        rows = [
            f"{answer.member.name}: {answer.get_answer_display()}"
            + (f" ({answer.reason})" if answer.reason else "")
            for answer in consultation.answers.all()
        ]
        return "; ".join(rows) or "—"


@admin.register(Application)
class ApplicationAdmin(SecretariatAccess, admin.ModelAdmin):
    form = ApplicationAdminForm
    list_display = ["applicant", "kind", "status", "office", "created_at", "confirmed_at", "updated_at"]
    list_filter = ["status", "kind", "language"]
    search_fields = ["organisation_name", "country", "office", "contact_name", "email"]
    date_hierarchy = "created_at"
    inlines = [AssessmentInline, ConsultationInline, ApplicationEventInline]
    actions = ["review", "open_consultation", "approve", "decline"]
    readonly_fields = [
        "status",
        "kind",
        "applicant",
        "organisation_name",
        "office",
        "contact_name",
        "contact_title",
        "email",
        "phone",
        "letter_link",
        "declaration_version",
        "focal_point_name",
        "focal_point_email",
        "story_idea",
        "language",
        "created_at",
        "confirmed_at",
        "updated_at",
        "member",
    ]
    fieldsets = [
        (None, {"fields": ["status", "kind", "applicant", "organisation_name", "office", "member"]}),
        (_("Set by the secretariat before approving"), {"fields": ["regional_group", "country"]}),
        (
            _("Contact (never shown publicly)"),
            {"fields": ["contact_name", "contact_title", "email", "phone", "language"]},
        ),
        (
            _("Application"),
            {
                "fields": [
                    "letter_link",
                    "declaration_version",
                    "focal_point_name",
                    "focal_point_email",
                    "story_idea",
                ]
            },
        ),
        (_("Dates"), {"fields": ["created_at", "confirmed_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("declaration_version", "member")

    def has_change_permission(self, request, obj=None) -> bool:
        return applications.can_decide(user=request.user)

    def has_decide_permission(self, request) -> bool:
        return applications.can_decide(user=request.user)

    @admin.display(description=_("applicant"), ordering="country")
    def applicant(self, application: Application) -> str:
        return application.applicant_name

    @admin.display(description=_("letter or note verbale"))
    def letter_link(self, application: Application) -> str:
        if not application.pk or not application.letter:
            return "—"
        url = reverse("admin:membership_application_letter", args=[application.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the letter (PDF)"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/letter/",
                self.admin_site.admin_view(self.letter_view),
                name="membership_application_letter",
            ),
            *super().get_urls(),
        ]

    def letter_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        application = get_object_or_404(Application, pk=pk)
        if not application.letter:
            raise Http404
        response = FileResponse(
            application.letter.open("rb"),
            as_attachment=True,
            filename=f"application-{application.pk}-letter.pdf",
            content_type="application/pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response

    # --- saving through the services -----------------------------------------------------------------------

    def _refused(self, request, error: Exception) -> None:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        self.message_user(request, text, messages.ERROR)

    def save_model(self, request, obj: Application, form, change: bool) -> None:
        if not change:
            return
        try:
            applications.application_details_save(
                actor=request.user,
                application_id=obj.pk,
                regional_group=form.cleaned_data.get("regional_group") or "",
                country=str(form.cleaned_data.get("country") or ""),
            )
        except (ValidationError, PermissionDenied) as error:
            self._refused(request, error)

    def construct_change_message(self, request, form, formsets, add=False):
        # The inlines are saved by the services (which write their own history), not by the formsets.
        return super().construct_change_message(request, form, [], add)

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not CriterionAssessment:
            return  # the other inlines are read-only
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None)
            if not data or not inline_form.has_changed() or not data.get("criterion"):
                continue
            try:
                applications.criterion_assess(
                    actor=request.user,
                    application_id=form.instance.pk,
                    criterion_id=data["criterion"].pk,
                    result=data["result"],
                    note=data.get("note", ""),
                )
            except (ValidationError, PermissionDenied) as error:
                self._refused(request, error)

    # --- actions ------------------------------------------------------------------------------------------

    def _with_form(self, request, queryset, *, form_class, title, button, call):
        return action_with_form(
            self,
            request,
            queryset,
            form_class=form_class,
            title=title,
            button=button,
            call=call,
            describe=lambda a: (
                f"{a.applicant_name} — {a.get_status_display()}",
                reverse("admin:membership_application_change", args=[a.pk]),
            ),
            succeeded=lambda done: [_("“%(application)s”: done.") % {"application": a} for a in done],
        )

    @admin.action(description=_("Start the review"), permissions=["decide"])
    def review(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            form_class=CommentForm,
            title=_("Start the review"),
            button=_("Start the review"),
            call=lambda a, data: applications.application_review(
                actor=request.user, application_id=a.pk, comment=data["comment"]
            ),
        )

    @admin.action(description=_("Consult the members (silence procedure)"), permissions=["decide"])
    def open_consultation(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            form_class=ConsultationOpenForm,
            title=_("Consult the members"),
            button=_("Open the consultation and tell the members"),
            call=lambda a, data: applications.consultation_open(
                actor=request.user,
                application_id=a.pk,
                deadline=data["deadline"].replace(tzinfo=None),
                time_zone=data["time_zone"],
            ),
        )

    @admin.action(
        description=_("Approve (creates the member and invites its coordinator)"), permissions=["decide"]
    )
    def approve(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            form_class=CommentForm,
            title=_("Approve"),
            button=_("Approve"),
            call=lambda a, data: applications.application_approve(
                actor=request.user, application_id=a.pk, comment=data["comment"]
            ),
        )

    @admin.action(description=_("Decline"), permissions=["decide"])
    def decline(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            form_class=DeclineForm,
            title=_("Decline"),
            button=_("Decline and tell the applicant"),
            call=lambda a, data: applications.application_decline(
                actor=request.user, application_id=a.pk, comment=data["comment"]
            ),
        )


@admin.register(ConsultationAnswer)
class ConsultationAnswerAdmin(SecretariatAccess, admin.ModelAdmin):
    """Answers are given by members' coordinators under /my/applications/; here they are read."""

    list_display = ["consultation", "member", "answer", "answered_by", "answered_at"]
    list_filter = ["answer"]
    list_select_related = ["consultation__application", "member", "answered_by"]
    readonly_fields = ["consultation", "member", "answer", "reason", "answered_by", "answered_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
