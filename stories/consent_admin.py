"""The secretariat's view of photo consent records: a list with filters, and a withdraw action that calls
the consent service (taking the photo down when it relied on that consent). Records are written by the
story's mission on the site; here they are read and withdrawn, never edited.

Registered when imported: stories/admin.py imports this module (photos are an inline of the story there)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_actions import action_with_form
from stories import consent as consent_services
from stories.models import ConsentUse, ImageConsent


class ConsentStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("in_force", _("In force")),
            ("expiring", _("Ending within 30 days")),
            ("expired", _("Expired")),
            ("withdrawn", _("Withdrawn")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "in_force":
            return queryset.filter(
                Q(valid_until__isnull=True) | Q(valid_until__gte=today), withdrawn_at__isnull=True
            )
        if self.value() == "expiring":
            return queryset.filter(
                withdrawn_at__isnull=True,
                valid_until__gte=today,
                valid_until__lte=today + consent_services.WARN_BEFORE,
            )
        if self.value() == "expired":
            return queryset.filter(withdrawn_at__isnull=True, valid_until__lt=today)
        if self.value() == "withdrawn":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


class PhotoTakenDownFilter(admin.SimpleListFilter):
    title = _("photo taken down")
    parameter_name = "taken_down"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(image__taken_down_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(image__taken_down_at__isnull=True)
        return queryset


class WithdrawConsentForm(forms.Form):
    comment = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept with the record. A photo that relied on this consent alone is taken down everywhere "
            "at once."
        ),
    )


@admin.register(ImageConsent)
class ImageConsentAdmin(admin.ModelAdmin):
    list_display = [
        "who",
        "photo",
        "story",
        "uses_display",
        "given_on",
        "valid_until",
        "state",
        "recorded_at",
    ]
    list_filter = [
        ConsentStateFilter,
        PhotoTakenDownFilter,
        "given_on",
        "valid_until",
        "image__story__member",
    ]
    search_fields = ["who", "image__story__title", "image__alt_text"]
    list_select_related = ["image__story__member"]
    date_hierarchy = "recorded_at"
    actions = ["withdraw"]
    fields = [
        "story",
        "photo",
        "who",
        "uses_display",
        "given_on",
        "valid_until",
        "obtained_how",
        "recorded_by",
        "recorded_at",
        "withdrawn_at",
        "withdrawal_note",
        "expiry_warned_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # recorded by the story's mission, on the site

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a record is not rewritten; it is withdrawn

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_withdraw_permission(self, request) -> bool:
        from stories.services import can_moderate

        return can_moderate(user=request.user)

    @admin.display(description=_("story"), ordering="image__story__title")
    def story(self, consent: ImageConsent) -> str:
        story = consent.image.story
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:stories_story_change", args=[story.pk]), story.title
        )

    @admin.display(description=_("photo"))
    def photo(self, consent: ImageConsent) -> str:
        image = consent.image
        return format_html(
            '<a href="{}">{}</a>{}',
            reverse("my_stories:image_consents", args=[image.story_id, image.pk]),
            image.alt_text,
            _(" (taken down)") if image.taken_down_at else "",
        )

    @admin.display(description=_("for which uses"))
    def uses_display(self, consent: ImageConsent) -> str:
        labels = dict(ConsentUse.choices)
        return ", ".join(str(labels.get(use, use)) for use in consent.uses)

    @admin.display(description=_("state"))
    def state(self, consent: ImageConsent) -> str:
        today: datetime.date = timezone.localdate()
        if consent.withdrawn_at:
            return _("Withdrawn")
        if consent.valid_until and consent.valid_until < today:
            return _("Expired")
        return _("In force")

    @admin.action(
        description=_("Withdraw (the photo is taken down if it relied on it)"), permissions=["withdraw"]
    )
    def withdraw(self, request, queryset):
        return action_with_form(
            self,
            request,
            queryset,
            form_class=WithdrawConsentForm,
            title=_("Withdraw consent"),
            button=_("Withdraw"),
            call=lambda consent, data: consent_services.consent_withdraw(
                actor=request.user, consent_id=consent.pk, note=data["comment"]
            ),
            describe=lambda consent: (f"{consent.who} — {consent.image.alt_text}", None),
            succeeded=lambda done: [
                ngettext("%(count)d consent withdrawn.", "%(count)d consents withdrawn.", len(done))
                % {"count": len(done)}
            ],
        )
