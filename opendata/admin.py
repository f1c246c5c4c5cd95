"""The releases in the admin: read-only (their files are never rewritten), and deleted only with their files,
through the service, by someone allowed to (the secretariat): for a release that published something it must
not have. Every deletion is logged in the release events, which nobody edits."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_history import ReadOnlyAdminMixin
from opendata import releases
from opendata.models import Release, ReleaseEvent


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "released_on",
        "status",
        "stories_rows",
        "stories_added",
        "stories_removed",
        "photos_removed",
        "licence_name",
    ]
    list_filter = ["status"]
    search_fields = ["slug"]
    date_hierarchy = "released_on"
    delete_confirmation_template = "opendata/admin/release_delete_confirmation.html"
    delete_selected_confirmation_template = "opendata/admin/release_delete_selected_confirmation.html"
    fields = [
        "slug",
        "released_on",
        "created_at",
        "status",
        "created_by",
        "files_table",
        "licence_name",
        "licence_url",
        "licence_attribution",
        "previous_slug",
        "stories_added",
        "stories_removed",
        "photos_removed",
        "withdrawn_notice",
        "data_digest",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `manage.py data_release` or the daily task make them

    def has_change_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        return False

    @admin.display(description=_("stories"))
    def stories_rows(self, release: Release) -> int | None:
        entry = release.file("stories")
        return entry["rows"] if entry else None

    @admin.display(description=_("files"))
    def files_table(self, release: Release) -> str:
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>',
            (
                (
                    entry["url"],
                    entry["path"],
                    entry["bytes"],
                    "" if entry["rows"] is None else entry["rows"],
                    entry["sha256"],
                )
                for entry in release.downloads
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("file"),
            _("bytes"),
            _("rows"),
            "SHA-256",
            rows,
        )

    def delete_model(self, request: HttpRequest, obj: Release) -> None:
        releases.release_delete(actor=request.user, release_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for release in queryset:
            try:
                releases.release_delete(actor=request.user, release_id=release.pk)
            except PermissionDenied as error:
                self.message_user(request, f"“{release}”: {error}", messages.ERROR)


@admin.register(ReleaseEvent)
class ReleaseEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "slug", "action", "actor"]
    list_filter = ["action"]
    search_fields = ["slug"]
    fields = ["created_at", "slug", "release", "action", "actor", "note"]
    readonly_fields = fields
