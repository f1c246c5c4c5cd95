"""The secretariat's list of every translation that may be out of date, by language, across the portal's
content (stories, themes, meetings, agenda items, the declaration), with a way to confirm the ones checked."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.translations import translations_confirm
from meetings.models import AgendaItemTranslation, MeetingTranslation
from membership.declaration import declaration_texts_confirm
from membership.models import DeclarationText
from stories.models import StoryTranslation, ThemeTranslation

# (model, the original's foreign key, what to select with it)
TRANSLATION_MODELS: list[tuple[type[Model], str, list[str]]] = [
    (StoryTranslation, "story", ["story", "story__member"]),
    (ThemeTranslation, "theme", ["theme"]),
    (MeetingTranslation, "meeting", ["meeting"]),
    (AgendaItemTranslation, "item", ["item", "item__meeting"]),
    (DeclarationText, "version", ["version"]),
]
# More than this per kind is shown as a count and a link to the filtered list.
SHOWN_PER_KIND = 200


@dataclass
class Row:
    key: str  # "<app_label>.<model>:<pk>", the checkbox's value
    kind: str
    original: str
    original_url: str
    translated_at: object


def _original_url(original: Model) -> str:
    try:
        return reverse(
            f"admin:{original._meta.app_label}_{original._meta.model_name}_change", args=[original.pk]
        )
    except NoReverseMatch:
        return ""


def _rows_by_language(request: HttpRequest) -> tuple[dict[str, list[Row]], int]:
    by_language: dict[str, list[Row]] = {code: [] for code, _name in settings.LANGUAGES}
    total = 0
    for model, original_field, related in TRANSLATION_MODELS:
        if not request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}") and not (
            request.user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")
        ):
            continue
        rows = model.outdated_rows().select_related(*related).order_by("language", "-updated_at")
        for row in rows[:SHOWN_PER_KIND]:
            original = getattr(row, original_field)
            by_language.setdefault(row.language, []).append(
                Row(
                    key=f"{model._meta.label_lower}:{row.pk}",
                    kind=str(model._meta.verbose_name),
                    original=str(original),
                    original_url=_original_url(original),
                    translated_at=row.updated_at,
                )
            )
            total += 1
    return by_language, total


def _confirm(request: HttpRequest) -> int:
    chosen: dict[str, list[int]] = {}
    for value in request.POST.getlist("translation"):
        label, _sep, pk = value.partition(":")
        if pk.isdigit():
            chosen.setdefault(label, []).append(int(pk))
    confirmed = 0
    for model, _original_field, _related in TRANSLATION_MODELS:
        ids = chosen.get(model._meta.label_lower)
        if not ids:
            continue
        if not request.user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}"):
            raise PermissionDenied
        if model is DeclarationText:
            confirmed += declaration_texts_confirm(actor=request.user, text_ids=ids)
        else:
            confirmed += translations_confirm(actor=request.user, model=model, ids=ids)
    return confirmed


def outdated_translations(request: HttpRequest, site: AdminSite) -> HttpResponse:
    if request.method == "POST":
        confirmed = _confirm(request)
        if confirmed:
            messages.success(
                request,
                ngettext(
                    "%(count)d translation confirmed as up to date.",
                    "%(count)d translations confirmed as up to date.",
                    confirmed,
                )
                % {"count": confirmed},
            )
        else:
            messages.warning(request, _("Tick the translations you checked, then confirm them."))
        return HttpResponseRedirect(request.path)
    by_language, total = _rows_by_language(request)
    languages = [
        {"code": code, "name": name, "rows": by_language.get(code, [])} for code, name in settings.LANGUAGES
    ]
    context = {
        **site.each_context(request),
        "title": _("Translations that may be out of date"),
        "languages": [language for language in languages if language["rows"]],
        "total": total,
        "shown_per_kind": SHOWN_PER_KIND,
    }
    return TemplateResponse(request, "coalition/admin/outdated_translations.html", context)
