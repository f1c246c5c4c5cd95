"""The secretariat's view of recommendations: the imported rows (editable, to correct an import), the
imports and the history (read-only), the citations (with matching to imported rows), inspirations and
exchanges (read-only: members decide them on the site). Stories show their citations and inspirations."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_history import HistoryInline, ReadOnlyAdminMixin
from recommendations.models import (
    Citation,
    Exchange,
    ImportRun,
    Inspiration,
    Recommendation,
    RecommendationEvent,
)
from stories.admin import StoryAdmin
from stories.services import can_moderate


class CountryPresentFilter(admin.SimpleListFilter):
    """The states that have recommendations, rather than all 250 countries."""

    title = _("addressed to")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = Recommendation.objects.order_by("country").values_list("country", flat=True).distinct()
        field = Recommendation._meta.get_field("country")
        names = dict(field.choices)
        return [(code, names.get(code, code)) for code in codes]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(country=self.value())
        return queryset


def _recommendation_link(rec: Recommendation | None) -> str:
    if rec is None:
        return ""
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:recommendations_recommendation_change", args=[rec.pk]), rec
    )


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["reference", "country", "mechanism", "body", "response", "published_on", "is_demo"]
    list_filter = ["mechanism", "response", "is_demo", CountryPresentFilter]
    search_fields = ["symbol", "paragraph", "text", "uhri_id"]
    filter_horizontal = ["themes", "sdg_targets"]
    readonly_fields = ["public_link", "created_at", "updated_at"]
    date_hierarchy = "published_on"
    fieldsets = [
        (None, {"fields": ["public_link", "country", "mechanism", "body", "symbol", "paragraph"]}),
        (_("UPR"), {"fields": ["upr_cycle", "session", "recommending_states", "response"]}),
        (_("Text"), {"fields": ["text", "language", "published_on", "family"]}),
        (_("Tags"), {"fields": ["themes", "sdg_targets", "uhri_themes", "affected_groups"]}),
        (_("Source"), {"fields": ["uhri_id", "uhri_url", "is_demo", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("reference"), ordering="symbol")
    def reference(self, rec: Recommendation) -> str:
        return rec.reference

    @admin.display(description=_("public page"))
    def public_link(self, rec: Recommendation) -> str:
        if rec.pk is None:
            return "-"
        return format_html('<a href="{}">{}</a>', rec.get_absolute_url(), _("See the public page"))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # UHRI's links are https
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj: Recommendation, form, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)  # the model's save refreshes its search vector


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["file_name", "started_at", "finished_at", "created", "updated", "unchanged", "skipped"]
    fields = [
        "file_name",
        "states",
        "actor",
        "started_at",
        "finished_at",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "report_table",
    ]
    readonly_fields = fields

    @admin.display(description=_("rows skipped, with the reason"))
    def report_table(self, run: ImportRun) -> str:
        if not run.report:
            return _("No row was skipped.")
        rows = []
        for entry in run.report:
            if isinstance(entry, dict):
                line = entry.get("line", entry.get("row", ""))
                reason = entry.get("reason", entry.get("error", ""))
                if not reason:
                    reason = "; ".join(f"{k}: {v}" for k, v in entry.items() if k not in ("line", "row"))
            elif isinstance(entry, list | tuple) and len(entry) == 2:
                line, reason = entry
            else:
                line, reason = "", entry
            rows.append((line, reason))
        body = format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            '<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("line"),
            _("reason"),
            body,
        )


@admin.register(RecommendationEvent)
class RecommendationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "story", "recommendation", "notified_at"]
    list_filter = ["action"]
    list_select_related = ["actor", "story", "recommendation"]
    date_hierarchy = "created_at"


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    """Citations are written by missions in the story form; here the secretariat sees them and matches
    the ones entered by hand to recommendations imported since."""

    list_display = ["story", "reference", "recommendation_or_manual", "mechanism", "added_at", "matched_at"]
    list_filter = ["mechanism", ("recommendation", admin.EmptyFieldListFilter)]
    search_fields = ["symbol", "paragraph", "note", "story__title"]
    list_select_related = ["story", "recommendation"]
    actions = ["match"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_match_permission(self, request) -> bool:
        # Whoever moderates stories, as the service itself checks.
        return can_moderate(user=request.user)

    @admin.display(description=_("reference"))
    def reference(self, citation: Citation) -> str:
        return citation.reference

    @admin.display(description=_("recommendation"), ordering="recommendation")
    def recommendation_or_manual(self, citation: Citation) -> str:
        if citation.recommendation is None:
            return _("entered by hand")
        return _recommendation_link(citation.recommendation)

    @admin.action(description=_("Match to imported recommendations"), permissions=["match"])
    def match(self, request, queryset: QuerySet) -> None:
        # Written in the services module, which may load after this one.
        from recommendations.services.citations import citations_match

        try:
            matched = citations_match(
                actor=request.user, citation_ids=list(queryset.values_list("pk", flat=True))
            )
        except (PermissionDenied, ValidationError) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, text, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d citation was matched to an imported recommendation.",
                "%(count)d citations were matched to imported recommendations.",
                matched,
            )
            % {"count": matched},
            messages.SUCCESS if matched else messages.WARNING,
        )


@admin.register(Inspiration)
class InspirationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["story", "source", "status", "meeting", "proposed_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["story__title", "source__title"]
    list_select_related = ["story", "source", "meeting"]


@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "from_member",
        "to_member",
        "story",
        "recommendation",
        "status",
        "created_at",
        "answered_at",
    ]
    list_filter = ["status"]
    search_fields = ["story__title", "message", "answer"]
    list_select_related = ["from_member", "to_member", "story", "recommendation"]


# ---------------------------------------------------------------------------------------------------------
# On the story's admin page (stories/admin.py knows nothing of this app: it is added from here).


class CitationInline(HistoryInline):
    model = Citation
    fields = ["recommendation_link", "mechanism", "symbol", "paragraph", "note", "url", "matched_at"]
    verbose_name_plural = _("Recommendations answered")

    @admin.display(description=_("recommendation"))
    def recommendation_link(self, citation: Citation) -> str:
        if citation.recommendation_id is None:
            return _("entered by hand")
        return _recommendation_link(citation.recommendation)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recommendation")


class InspiredByInline(HistoryInline):
    model = Inspiration
    fk_name = "story"
    fields = ["source", "status", "meeting", "note", "proposed_at", "decided_at"]
    verbose_name_plural = _("Inspired by")


class InspiredInline(HistoryInline):
    model = Inspiration
    fk_name = "source"
    fields = ["story", "status", "meeting", "note", "proposed_at", "decided_at"]
    verbose_name_plural = _("Stories it inspired")


StoryAdmin.inlines = [*StoryAdmin.inlines, CitationInline, InspiredByInline, InspiredInline]
