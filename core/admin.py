"""The open-data licence in the admin: one row, which the secretariat edits (or deletes to go back to the
default, CC BY 4.0)."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from core.models import OpenDataLicence
from core.open_data import DEFAULT_LICENCE


@admin.register(OpenDataLicence)
class OpenDataLicenceAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "updated_at"]
    fields = ["name", "url", "attribution"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One licence for all the open data: once it exists, it is changed, never added to.
        return super().has_add_permission(request) and not OpenDataLicence.objects.exists()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str]:
        # The first row starts from the licence already stated everywhere.
        return {
            "name": DEFAULT_LICENCE.name,
            "url": DEFAULT_LICENCE.url,
            "attribution": DEFAULT_LICENCE.attribution,
        }
