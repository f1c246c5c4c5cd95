"""History rows shown inside the admin page of what they describe: written by services, read by people.

People read names, not the codes the database keeps: a status is "Submitted for review" (in the reader's
language), never "submitted". Fields with choices show their labels by themselves; this module covers the
rest: the caption Django writes above each inline row (the row's str(), see
templates/admin/edit_inline/history_tabular.html), codes kept in fields without choices (`value_labels`),
and django-auditlog's rendering of the audit trail (`LabelledChangesMixin`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from auditlog.models import LogEntry
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

# What a read-only column of a code shown by its name is called: "<field>_label".
LABEL_SUFFIX = "_label"
# Values the audit trail never shows, whatever the field's choices.
HIDDEN_FIELDS = frozenset({"password"})


def labelled_value(value: Any, labels: Mapping[str, Any]) -> str:
    """The name of a code, in the active language; the code itself when it has none (an old code, say)."""
    if value in (None, ""):
        return ""
    return str(labels.get(str(value), value))


def _label_column(field: models.Field, labels: Mapping[str, Any]) -> Callable[[models.Model], str]:
    @admin.display(description=capfirst(field.verbose_name))
    def column(obj: models.Model) -> str:
        return labelled_value(getattr(obj, field.attname), labels)

    return column


class HistoryInline(admin.TabularInline):
    """A read-only table of history rows (events written by a service): nobody adds, changes or deletes
    one in the admin. Subclasses set `model` and `fields`; every field is read-only.

    `value_labels` names the codes of fields that have no choices of their own, for example
    `{"action": Action.choices}`: the column then shows "Application sent", not "submit".
    """

    extra = 0
    can_delete = False
    template = "admin/edit_inline/history_tabular.html"
    value_labels: Mapping[str, Iterable[tuple[Any, Any]]] = {}

    def __init__(self, parent_model, admin_site) -> None:
        super().__init__(parent_model, admin_site)
        # The admin finds a read-only column that is not a model field by its name on the admin object:
        # one "<field>_label" column per labelled field.
        for name, choices in self.value_labels.items():
            labels = {str(code): label for code, label in choices}
            setattr(self, name + LABEL_SUFFIX, _label_column(self.model._meta.get_field(name), labels))

    def get_fields(self, request, obj=None) -> list[Any]:
        return [
            name + LABEL_SUFFIX if isinstance(name, str) and name in self.value_labels else name
            for name in super().get_fields(request, obj)
        ]

    def get_readonly_fields(self, request, obj=None) -> list[Any]:
        return self.get_fields(request, obj)

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


# ---------------------------------------------------------------------------------------------------------
# The audit trail (django-auditlog's log entries)


def _model_field(entry, name: str) -> models.Field | None:
    model = entry.content_type.model_class()
    if model is None:  # the model has gone since the entry was written
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_name(field: models.Field | None, name: str) -> str:
    return str(capfirst(field.verbose_name)) if field is not None and hasattr(field, "verbose_name") else name


def _shown(field: models.Field | None, name: str, value: Any) -> str:
    if name in HIDDEN_FIELDS:
        return "***"
    if value is None or (value == "None" and getattr(field, "null", False)):
        return ""  # auditlog keeps an empty value as the text "None"
    choices = getattr(field, "flatchoices", None)
    if choices:
        return labelled_value(value, {str(code): label for code, label in choices})
    # auditlog keeps dates as ISO text, times in UTC without their zone: shown as the admin shows dates.
    if isinstance(field, models.DateTimeField) and (moment := parse_datetime(str(value))):
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return formats.localize(timezone.localtime(moment))
    if isinstance(field, models.DateField) and (day := parse_date(str(value))):
        return formats.localize(day)
    return str(value)


class LabelledChangesMixin:
    """Put before auditlog's `LogEntryAdminMixin`: the changes of a log entry with each field by its verbose
    name and each value of a field with choices by its label, in the reader's language. auditlog shows the
    stored codes ("status: draft → submitted") and an English summary ("1 change: status")."""

    @admin.display(description=_("Changes"))
    def msg_short(self, entry) -> str:
        changes = entry.changes_dict
        # As auditlog's: a deletion lists every field, an access none; neither has a summary.
        if entry.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS) or not isinstance(changes, dict):
            return ""
        names = ", ".join(_field_name(_model_field(entry, name), name) for name in changes)
        return ngettext("%(count)d change: %(fields)s", "%(count)d changes: %(fields)s", len(changes)) % {
            "count": len(changes),
            "fields": names,
        }

    @admin.display(description=_("Changes"))
    def msg(self, entry) -> SafeString | str:
        changes = entry.changes_dict
        if not changes or not isinstance(changes, dict):
            return ""
        rows = []
        for name, change in sorted(changes.items()):
            field = _model_field(entry, name)
            if isinstance(change, dict):  # a many-to-many change: the objects as auditlog recorded them
                before, after = change.get("operation", ""), ", ".join(map(str, change.get("objects", [])))
            else:
                before, after = (_shown(field, name, value) for value in change)
            rows.append((_field_name(field, name), before, after))
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            # With a context: "From" alone is already translated for another meaning (who inspired a story).
            pgettext("a change in the audit trail", "Field"),
            pgettext("a change in the audit trail", "From"),
            pgettext("a change in the audit trail", "To"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )
