"""The secretariat's meetings admin. Details, agenda, participants and documents are edited in the form; the
status only changes through the actions (confirm, mark held, cancel), which call the services, so every change
has its history row and the participants are told."""

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import admin_translations
from core.admin_actions import action_with_form
from core.admin_history import HistoryInline
from core.csv_safety import neutralise
from meetings import services
from meetings.forms import (
    CancelForm,
    ConfirmForm,
    DocumentAdminForm,
    MeetingAdminForm,
    OutcomeForm,
    ParticipantAdminForm,
    offset_label,
)
from meetings.models import (
    AgendaItem,
    AgendaItemTranslation,
    Document,
    Meeting,
    MeetingEvent,
    MeetingTranslation,
    Participant,
    ParticipantConsent,
)
from stories import consent as consent_services
from stories.consent_views import UsesField
from stories.models import ConsentUse


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 1
    fields = ["order", "time", "title", "speaker", "story"]
    autocomplete_fields = ["story"]
    # Each item's translations are on its own page (the admin has no inlines within inlines).
    show_change_link = True


class MeetingTranslationInline(admin_translations.TranslationInline):
    model = MeetingTranslation


class AgendaItemTranslationInline(admin_translations.TranslationInline):
    model = AgendaItemTranslation


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    """Reached from its meeting's agenda, to translate an item's title."""

    fields = ["meeting", "order", "time", "title", "speaker"]
    readonly_fields = ["meeting"]
    inlines = [AgendaItemTranslationInline]
    list_display = ["title", "meeting", "order"]
    list_filter = [admin_translations.OutdatedTranslationFilter]
    search_fields = ["title", "meeting__title"]

    def has_add_permission(self, request) -> bool:
        return False  # items are added on their meeting's page

    def has_module_permission(self, request) -> bool:
        return False  # not in the admin's index: reached from the meeting


class ParticipantInline(admin.TabularInline):
    model = Participant
    form = ParticipantAdminForm
    extra = 1
    fields = [*ParticipantAdminForm.Meta.fields, "consents_link"]
    readonly_fields = ["consents_link"]
    autocomplete_fields = ["member"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_portal_consent()

    @admin.display(description=_("named on the portal"))
    def consents_link(self, participant: Participant) -> str:
        if not participant.pk:
            return _("Save first, then record the consent.")
        listed = getattr(participant, "portal_consent", False)
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:meetings_participant_change", args=[participant.pk]),
            _("Yes: consent recorded") if listed else _("No: record a consent"),
        )


class ParticipantConsentForm(forms.ModelForm):
    """One consent record of a participant. Once saved, its terms are kept as they were; it can only be
    withdrawn (with a note)."""

    uses = UsesField(initial=[ConsentUse.PORTAL])
    withdraw = forms.BooleanField(label=_("withdraw"), required=False)

    class Meta:
        model = ParticipantConsent
        fields = ["who", "uses", "given_on", "valid_until", "obtained_how", "withdrawal_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ["who", "uses", "given_on", "valid_until", "obtained_how"]:
                self.fields[name].disabled = True
            if self.instance.withdrawn_at is not None:
                self.fields["withdraw"].disabled = True
                self.fields["withdrawal_note"].disabled = True
        else:
            self.fields["withdraw"].disabled = True

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is None and not self.has_changed():
            return cleaned
        if self.instance.pk is None:
            try:
                consent_services.clean_terms(
                    who=cleaned.get("who", ""),
                    uses=cleaned.get("uses") or [],
                    given_on=cleaned.get("given_on"),
                    valid_until=cleaned.get("valid_until"),
                    obtained_how=cleaned.get("obtained_how", ""),
                )
            except ValidationError as error:
                for field, errors in error.error_dict.items():
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, errors)
        return cleaned


class ParticipantConsentInline(admin.TabularInline):
    model = ParticipantConsent
    form = ParticipantConsentForm
    extra = 1
    can_delete = False
    fields = [
        "who",
        "uses",
        "given_on",
        "valid_until",
        "obtained_how",
        "recorded_by",
        "withdrawn_at",
        "withdraw",
        "withdrawal_note",
    ]
    readonly_fields = ["recorded_by", "withdrawn_at"]


class DocumentInline(admin.TabularInline):
    model = Document
    form = DocumentAdminForm
    extra = 1
    fields = ["kind", "title", "file"]


class MeetingEventInline(HistoryInline):
    model = MeetingEvent
    fields = ["created_at", "actor", "action", "from_status", "to_status", "comment"]
    verbose_name_plural = _("History")


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    form = MeetingAdminForm
    list_display = ["title", "kind", "where", "local_time", "status", "participant_count"]
    list_filter = ["status", "kind", "city", admin_translations.OutdatedTranslationFilter]
    search_fields = ["title", "venue", "place", "description"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["co_chairs", "topic"]
    inlines = [
        MeetingTranslationInline,
        AgendaItemInline,
        ParticipantInline,
        DocumentInline,
        MeetingEventInline,
    ]
    actions = ["confirm", "send_invitations", "export_participants", "mark_held", "cancel"]
    # The status changes through the actions only (services: history row, mail).
    readonly_fields = ["status", "times_in_utc", "public_page", "sequence"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "kind", "status", "public_page"]}),
        (
            _("When and where"),
            {
                "fields": [
                    "city",
                    "place",
                    "time_zone",
                    "venue",
                    "local_starts_at",
                    "local_ends_at",
                    "times_in_utc",
                ]
            },
        ),
        (_("Content"), {"fields": ["topic", "topic_text", "co_chairs", "description", "outcome_summary"]}),
        (_("Calendar"), {"fields": ["sequence"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(participant_total=Count("participants", distinct=True))

    @admin.display(description=_("where"), ordering="city")
    def where(self, meeting: Meeting) -> str:
        return meeting.city_name

    @admin.display(description=_("local time"), ordering="starts_at")
    def local_time(self, meeting: Meeting) -> str:
        start = meeting.local_start
        return f"{start:%Y-%m-%d %H:%M} ({offset_label(start)})"

    @admin.display(description=_("participants"), ordering="participant_total")
    def participant_count(self, meeting: Meeting) -> int:
        return meeting.participant_total

    @admin.display(description=_("in UTC"))
    def times_in_utc(self, meeting: Meeting) -> str:
        if not meeting.pk:
            return "—"
        return f"{meeting.starts_at:%Y-%m-%d %H:%M} to {meeting.ends_at:%Y-%m-%d %H:%M} UTC"

    @admin.display(description=_("public page"))
    def public_page(self, meeting: Meeting) -> str:
        if not meeting.pk:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', meeting.get_absolute_url(), _("Open")
        )

    def get_inlines(self, request, obj):
        # A new meeting has no history yet.
        return self.inlines if obj is not None else [i for i in self.inlines if i is not MeetingEventInline]

    def has_manage_permission(self, request) -> bool:
        return services.can_manage(user=request.user)

    def has_export_permission(self, request) -> bool:
        # The export carries participants' addresses, which only those who may see participants see.
        return request.user.has_perm("meetings.view_participant")

    def save_model(self, request, obj: Meeting, form, change: bool) -> None:
        services.meeting_save(meeting=obj)
        for other in services.overlapping(obj):
            self.message_user(
                request,
                _("“%(title)s” overlaps another meeting in %(city)s: “%(other)s” (%(when)s).")
                % {
                    "title": obj.title,
                    "city": obj.city_name,
                    "other": other.title,
                    "when": f"{other.local_start:%Y-%m-%d %H:%M} to {other.local_end:%H:%M}",
                },
                messages.WARNING,
            )

    # --- actions ------------------------------------------------------------------------------------------

    @admin.action(description=_("Send invitations (with a calendar file)"), permissions=["manage"])
    def send_invitations(self, request, queryset) -> None:
        for meeting in queryset:
            try:
                queued, without_email = services.meeting_send_invitations(
                    meeting_id=meeting.pk, actor=request.user
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                continue
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
                break
            self.message_user(
                request,
                ngettext(
                    "“%(meeting)s”: %(count)d invitation is on its way.",
                    "“%(meeting)s”: %(count)d invitations are on their way.",
                    len(queued),
                )
                % {"meeting": meeting, "count": len(queued)},
                messages.SUCCESS if queued else messages.INFO,
            )
            if without_email:
                self.message_user(
                    request,
                    _(
                        "“%(meeting)s”: not invited, no email address: %(names)s. "
                        "Add their addresses and send again."
                    )
                    % {"meeting": meeting, "names": ", ".join(p.name for p in without_email)},
                    messages.WARNING,
                )

    @admin.action(description=_("Export participants (CSV)"), permissions=["export"])
    def export_participants(self, request, queryset) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="participants.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(
            ["meeting", "name", "organisation", "category", "member", "email", "invitation", "listed"]
        )
        participants = (
            Participant.objects.filter(meeting__in=queryset)
            .with_portal_consent()
            .select_related("meeting", "member")
        )
        for p in participants.order_by("meeting__starts_at", "name"):
            row = [
                p.meeting.title,
                p.name,
                p.organisation,
                p.get_category_display(),
                p.member.name if p.member else "",
                p.email,
                p.get_invitation_status_display(),
                "yes" if p.portal_consent else "no",
            ]
            writer.writerow([neutralise(value) for value in row])
        return response

    def _with_form(self, request, queryset, *, form_class, title, button, call):
        return action_with_form(
            self,
            request,
            queryset,
            form_class=form_class,
            title=title,
            button=button,
            call=call,
            describe=lambda m: (
                f"{m.title} — {m.city_name}, {m.local_start:%Y-%m-%d %H:%M} ({m.get_status_display()})",
                None,
            ),
            succeeded=lambda done: [_("“%(meeting)s”: done.") % {"meeting": m} for m in done],
        )

    @admin.action(description=_("Confirm"), permissions=["manage"])
    def confirm(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            form_class=ConfirmForm,
            title=_("Confirm the meeting"),
            button=_("Confirm"),
            call=lambda meeting, data: services.meeting_confirm(
                meeting_id=meeting.pk, actor=request.user, comment=data["comment"]
            ),
        )

    @admin.action(description=_("Mark as held (with the outcome)"), permissions=["manage"])
    def mark_held(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            form_class=OutcomeForm,
            title=_("Mark as held"),
            button=_("Mark as held"),
            call=lambda meeting, data: services.meeting_mark_held(
                meeting_id=meeting.pk, actor=request.user, outcome_summary=data["outcome_summary"]
            ),
        )

    @admin.action(description=_("Cancel (participants are told)"), permissions=["manage"])
    def cancel(self, request, queryset):
        return self._with_form(
            request,
            queryset,
            form_class=CancelForm,
            title=_("Cancel the meeting"),
            button=_("Cancel the meeting and tell the participants"),
            call=lambda meeting, data: services.meeting_cancel(
                meeting_id=meeting.pk, actor=request.user, message=data["message"]
            ),
        )


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    """A participant with their consent records: named on the public meeting page, and in public files,
    only while a consent covers the portal. Participants themselves are added in their meeting's form."""

    list_display = ["name", "organisation", "meeting", "category", "listed"]
    list_filter = ["category", "meeting__status"]
    search_fields = ["name", "organisation", "meeting__title"]
    list_select_related = ["meeting"]
    fields = ["meeting", "name", "organisation", "category", "member", "invitation_status"]
    readonly_fields = fields
    inlines = [ParticipantConsentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_portal_consent()

    def has_add_permission(self, request) -> bool:
        return False  # in the meeting's form

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # in the meeting's form

    @admin.display(description=_("named on the portal"), boolean=True, ordering="portal_consent")
    def listed(self, participant: Participant) -> bool:
        return participant.portal_consent

    def save_formset(self, request, form, formset, change: bool) -> None:
        """New records and withdrawals go through the consent services (checked, recorded by whom, public
        pages made stale at once); nothing else about a record changes here."""
        if formset.model is not ParticipantConsent:
            return super().save_formset(request, form, formset, change)
        for consent_form in formset.forms:
            if not consent_form.has_changed() or not consent_form.is_valid():
                continue
            consent = consent_form.instance
            if consent.pk is None:
                consent.participant = form.instance
                consent_services.terms_record(actor=request.user, consent=consent)
            elif consent_form.cleaned_data.get("withdraw") and consent.withdrawn_at is None:
                consent_services.terms_withdraw(
                    actor=request.user,
                    model=ParticipantConsent,
                    consent_id=consent.pk,
                    note=consent_form.cleaned_data.get("withdrawal_note", ""),
                )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
