"""History rows shown inside the admin page of what they describe: written by services, read by people."""

from __future__ import annotations

from django.contrib import admin


class HistoryInline(admin.TabularInline):
    """A read-only table of history rows (events written by a service): nobody adds, changes or deletes
    one in the admin. Subclasses set `model` and `fields`; every field is read-only."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return list(self.fields or [])

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdminMixin:
    """For a ModelAdmin of records nobody may add, change or delete in the admin (trails, logs)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
