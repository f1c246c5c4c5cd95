"""The secretariat's view of every member's cooperation record: the mandates (kept here), the records, visit
requests and communications (correctable: members keep them on the site, the secretariat fixes mistakes),
the follow-up of visit reports, the history and the reminders (read-only).

Publishing a card is the member's coordinator's choice alone: its fields are read-only here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cooperation import review
from cooperation.models import (
    Communication,
    CooperationEvent,
    CooperationRecord,
    DeadlineReminder,
    FollowUp,
    Mandate,
    VisitRequest,
)
from core.admin_history import HistoryInline, ReadOnlyAdminMixin
from core.pdfs import clean_pdf_upload


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    list_display = ["holder_title", "kind", "country", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["holder_title", "name"]
    fields = ["kind", "name", "holder_title", "country", "is_active"]


@admin.register(CooperationRecord)
class CooperationRecordAdmin(admin.ModelAdmin):
    list_display = ["member", "standing_invitation_on", "time_zone", "published", "card_year"]
    list_filter = [("card_published_at", admin.EmptyFieldListFilter), "member__regional_group", "time_zone"]
    list_select_related = ["member"]
    search_fields = ["member__country"]
    autocomplete_fields = ["member"]
    readonly_fields = [
        "card_published_at",
        "card_published_by",
        "card_year",
        "public_card",
        "visits_table",
        "communication_counts",
    ]
    fieldsets = [
        (None, {"fields": ["member", "standing_invitation_on", "time_zone"]}),
        (
            _("Published card (the member's coordinator publishes it)"),
            {"fields": ["card_published_at", "card_published_by", "card_year", "public_card"]},
        ),
        (_("Record"), {"fields": ["visits_table", "communication_counts"]}),
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # The member a record belongs to stays as it is.
        return [*self.readonly_fields, "member"] if obj is not None else self.readonly_fields

    @admin.display(description=_("published"), boolean=True, ordering="card_published_at")
    def published(self, record: CooperationRecord) -> bool:
        return record.is_published

    @admin.display(description=_("public card"))
    def public_card(self, record: CooperationRecord) -> str:
        if record.pk is None or not record.is_published:
            return _("not published")
        url = reverse("cooperation_card:card_detail", kwargs={"iso": record.member.iso.lower()})
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description=_("visit requests"))
    def visits_table(self, record: CooperationRecord) -> str:
        if record.pk is None:
            return "-"
        visits = VisitRequest.objects.filter(member_id=record.member_id).select_related("mandate")
        if not visits:
            return _("none recorded")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:cooperation_visitrequest_change", args=[visit.pk]),
                    visit.mandate,
                    visit.requested_on,
                    visit.get_status_display(),
                    visit.replied_on or "-",
                    _("yes") if visit.is_confirmed else _("no"),
                )
                for visit in visits
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("mandate"),
            _("requested on"),
            _("status"),
            _("replied on"),
            _("confirmed"),
            rows,
        )

    @admin.display(description=_("communications"))
    def communication_counts(self, record: CooperationRecord) -> str:
        if record.pk is None:
            return "-"
        counts = Communication.objects.filter(member_id=record.member_id).aggregate(
            total=Count("pk"),
            replied=Count("pk", filter=Q(replied_on__isnull=False)),
            confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
        )
        url = reverse("admin:cooperation_communication_changelist")
        return format_html(
            '{} · <a href="{}?member__id__exact={}">{}</a>',
            _("%(total)s received, %(replied)s replied to, %(confirmed)s confirmed") % counts,
            url,
            record.member_id,
            _("see them"),
        )


class PdfReplyForm(forms.ModelForm):
    """Reply documents are checked by content (a real PDF, no script, action or embedded file) and stored
    without their metadata (core/pdfs.py), as on the members' own forms."""

    def clean_reply_document(self):
        upload = self.cleaned_data.get("reply_document")
        if not upload or not hasattr(upload, "read") or getattr(upload, "_committed", False):
            return upload  # unchanged, or cleared
        return ContentFile(clean_pdf_upload(upload), name="reply.pdf")


class EntryAdmin(admin.ModelAdmin):
    """What visit requests and communications share: a due reply, a coordinator's confirmation, a version."""

    form = PdfReplyForm
    list_select_related = ["member__cooperation"]
    list_filter = [("member", admin.RelatedOnlyFieldListFilter), ("confirmed_at", admin.EmptyFieldListFilter)]
    autocomplete_fields = ["member"]
    date_hierarchy = "reply_due_on"
    readonly_fields = ["confirmed_at", "confirmed_by", "created_by", "created_at", "updated_at", "version"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [*self.readonly_fields, "member"] if obj is not None else self.readonly_fields

    @admin.display(description=_("confirmed"), boolean=True, ordering="confirmed_at")
    def confirmed(self, entry) -> bool:
        return entry.is_confirmed

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, entry) -> bool:
        """Unanswered after its due date, in the member's time zone (Geneva's when it has no record)."""
        record = getattr(entry.member, "cooperation", None)
        return entry.replied_on is None and entry.reply_due_on < review.local_today(
            record.time_zone if record is not None else None
        )

    def save_model(self, request, obj, form, change) -> None:
        # A correction by the secretariat: the next edit on the site sees a new version, and the history says
        # who corrected what.
        now = timezone.now()
        if change:
            obj.version += 1
        else:
            obj.created_by, obj.created_at = request.user, now
        obj.updated_at = now
        super().save_model(request, obj, form, change)
        subject = {"visit": obj} if isinstance(obj, VisitRequest) else {"communication": obj}
        CooperationEvent.objects.create(
            member_id=obj.member_id,
            actor=request.user,
            action="corrected_in_admin" if change else "recorded_in_admin",
            comment=", ".join(form.changed_data),
            **subject,
        )


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    fields = ["recommendation", "status", "noted_on", "note", "story"]
    raw_id_fields = ["recommendation", "story"]


class ReminderInline(HistoryInline):
    fields = ["kind", "due_on", "claimed_at", "sent_at"]
    model = DeadlineReminder


class VisitReminderInline(ReminderInline):
    fk_name = "visit"


class CommunicationReminderInline(ReminderInline):
    fk_name = "communication"


@admin.register(VisitRequest)
class VisitRequestAdmin(EntryAdmin):
    list_display = [
        "mandate",
        "member",
        "requested_on",
        "status",
        "reply_due_on",
        "replied_on",
        "confirmed",
        "overdue",
    ]
    list_filter = [*EntryAdmin.list_filter, "status", "mandate__kind"]
    list_select_related = [*EntryAdmin.list_select_related, "mandate"]
    search_fields = ["member__country", "mandate__holder_title", "report_symbol"]
    autocomplete_fields = ["member", "mandate"]
    inlines = [FollowUpInline, VisitReminderInline]
    fieldsets = [
        (None, {"fields": ["member", "mandate", "requested_on", "status"]}),
        (_("Reply"), {"fields": ["reply_due_on", "replied_on", "proposed_dates", "reply_document"]}),
        (_("Visit"), {"fields": ["visit_starts_on", "visit_ends_on", "report_symbol", "note"]}),
        (
            _("Record"),
            {"fields": ["confirmed_at", "confirmed_by", "created_by", "created_at", "updated_at", "version"]},
        ),
    ]


@admin.register(Communication)
class CommunicationAdmin(EntryAdmin):
    list_display = [
        "reference",
        "member",
        "kind",
        "received_on",
        "reply_due_on",
        "replied_on",
        "confirmed",
        "overdue",
    ]
    list_filter = [*EntryAdmin.list_filter, "kind"]
    search_fields = ["member__country", "reference"]
    filter_horizontal = ["mandates"]
    inlines = [CommunicationReminderInline]
    fieldsets = [
        (None, {"fields": ["member", "kind", "reference", "mandates", "received_on"]}),
        (_("Reply"), {"fields": ["reply_due_on", "replied_on", "reply_document", "note"]}),
        (
            _("Record"),
            {"fields": ["confirmed_at", "confirmed_by", "created_by", "created_at", "updated_at", "version"]},
        ),
    ]


@admin.register(CooperationEvent)
class CooperationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "member", "action", "actor", "visit", "communication"]
    list_filter = ["action", ("member", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["member", "actor", "visit__mandate", "communication"]
    search_fields = ["member__country", "action", "comment"]
    date_hierarchy = "created_at"


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "due_on", "visit", "communication", "claimed_at", "sent_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["visit__mandate", "communication"]
    date_hierarchy = "due_on"
