"""Admin actions that ask for something first (a comment, a time, an outcome), then call a service once per
selected row and report each refusal next to the row it concerns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse


def action_with_form(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form_class: type[forms.Form],
    title: str,
    button: str,
    call: Callable[[Any, dict], object],
    describe: Callable[[Any], tuple[str, str | None]],
    succeeded: Callable[[list[Model]], Iterable[str]],
) -> TemplateResponse | None:
    """Show `form_class` for the selected rows (each listed by `describe` as a label and an optional link);
    once it is valid, `call(row, cleaned_data)` for each row. A row the service refuses is named with the
    service's sentence; the others are reported by `succeeded(done_rows)`."""
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            done = []
            for row in queryset:
                try:
                    call(row, form.cleaned_data)
                except (ValidationError, PermissionDenied) as error:
                    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                    modeladmin.message_user(request, f"“{row}”: {text}", messages.ERROR)
                else:
                    done.append(row)
            for message in succeeded(done) if done else ():
                modeladmin.message_user(request, message, messages.SUCCESS)
            return None
    else:
        form = form_class()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "items": [describe(row) for row in queryset],
        "pks": [row.pk for row in queryset],
        "form": form,
        "button": button,
        "action": request.POST.get("action"),
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/action_form.html", context)
