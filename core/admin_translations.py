"""Translations in the admin, side by side with their original, flagged when the original changed since.

`TranslationInline` lays each translated field beside the original's words (one row per field), shows
whether the translation is up to date, and offers "still correct" to confirm it without changing a word.
Saving a translation whose words changed, or confirming it, records the original it was made from
(core/translations.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.translations import ContentTranslation, direction


class TranslationForm(forms.ModelForm):
    confirm_current = forms.BooleanField(
        label=_("Still correct"),
        required=False,
        help_text=_("Tick after checking this translation against the original as it is now."),
    )

    def save(self, commit: bool = True) -> Any:
        translation = super().save(commit=False)
        original_model = type(translation)._meta.get_field(translation.original_field).related_model
        words_changed = any(field in self.changed_data for field in original_model.translated_fields)
        if translation.pk is None or words_changed or self.cleaned_data.get("confirm_current"):
            translation.mark_current()
        if commit:
            translation.save()
        return translation


def _original_words(field: str, label: str):
    @admin.display(description=label)
    def show(inline: admin.options.InlineModelAdmin, translation: ContentTranslation) -> str:
        original = getattr(translation, translation.original_field, None) if translation.pk else None
        if original is None:
            return "—"
        value = getattr(original, field) or ""
        language = getattr(original, "language", "en")
        return format_html(
            '<div class="translation-original" lang="{}" dir="{}">{}</div>',
            language,
            direction(language),
            value or "—",
        )

    return show


class TranslationInline(admin.StackedInline):
    """Subclass with `model = <a ContentTranslation>`; the rest is derived from the original's fields."""

    form = TranslationForm
    extra = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = getattr(cls, "model", None)
        if model is None:
            return
        original_model = model._meta.get_field(model.original_field).related_model
        pairs = []
        for field in original_model.translated_fields:
            label = format_lazy(_("Original: {field}"), field=model._meta.get_field(field).verbose_name)
            setattr(cls, f"original_{field}", _original_words(field, label))
            pairs.append((field, f"original_{field}"))
        cls.fields = ["language", *pairs, "freshness", "confirm_current"]
        cls.readonly_fields = [f"original_{field}" for field in original_model.translated_fields] + [
            "freshness"
        ]

    @admin.display(description=_("up to date?"))
    def freshness(self, translation: ContentTranslation) -> str:
        if translation.pk is None:
            return "—"
        if translation.outdated:
            return gettext("May be out of date: the original changed after this translation was made.")
        return gettext("Up to date with the original.")


class OutdatedTranslationFilter(admin.SimpleListFilter):
    """For an original's changelist: those with at least one translation that may be out of date."""

    title = _("translations")
    parameter_name = "translations"

    def lookups(self, request, model_admin):
        return [("outdated", _("May be out of date"))]

    def queryset(self, request, queryset):
        if self.value() != "outdated":
            return queryset
        translation_model = queryset.model.translations.field.model
        stale = translation_model.outdated_rows().values(translation_model.original_field)
        return queryset.filter(pk__in=stale)
