"""/declaration/: the joint declaration, its versions and endorsers."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.public_cache import cache_public_page
from members.models import Member
from membership.models import DeclarationText, DeclarationVersion, Endorsement

PUBLIC_MEMBER_STATUSES = (Member.Status.MEMBER, Member.Status.FORMER)


def public_endorsements():
    """Endorsements the public sees: those of members and former members (an applicant's is not announced
    before its approval), oldest first."""
    return (
        Endorsement.objects.filter(member__status__in=PUBLIC_MEMBER_STATUSES)
        .select_related("member", "meeting", "version")
        .order_by("endorsed_on", "pk")
    )


def public_versions() -> list[DeclarationVersion]:
    """The current version and the earlier ones, newest first, with their texts and endorsements (three
    queries, whatever their number). A version after the current one is a draft the secretariat is still
    writing: not public."""
    versions = list(
        DeclarationVersion.objects.prefetch_related(
            "texts", Prefetch("endorsements", queryset=public_endorsements(), to_attr="public_endorsements")
        ).order_by("-number")
    )
    current = next((version for version in versions if version.is_current), None)
    if current is None:
        return []
    return [version for version in versions if version.number <= current.number]


@dataclass
class ShownText:
    text: DeclarationText
    language: str  # its language code
    language_name: str  # in the page's language
    direction: str  # "rtl" or "ltr"
    is_fallback: bool  # not in the visitor's language
    outdated: bool = False  # a translation whose original changed after it was made
    original_language: str = ""
    original_url: str = ""


def shown_text(version: DeclarationVersion, language: str) -> ShownText | None:
    text = version.text_in(language)
    if text is None:
        return None
    info = get_language_info(text.language)
    return ShownText(
        text=text,
        language=text.language,
        language_name=info["name_translated"],
        direction="rtl" if info["bidi"] else "ltr",
        is_fallback=text.language != language,
        outdated=text.outdated,
        original_language=version.original_language,
        original_url=_original_url(version),
    )


def _original_url(version: DeclarationVersion) -> str:
    with translation.override(version.original_language):
        url = reverse("declaration:index")
    return url if version.is_current else f"{url}?version={version.number}"


def _requested_number(raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1:
        raise Http404(
            _("“%(version)s” is not a version number of the joint declaration.") % {"version": raw[:20]}
        )
    return number


@login_not_required
@require_safe
@cache_public_page()
def declaration(request: HttpRequest) -> HttpResponse:
    language = get_language() or settings.LANGUAGE_CODE
    versions = public_versions()
    if not versions:
        if "version" in request.GET:
            raise Http404(_("The joint declaration has no published version yet."))
        return render(request, "membership/declaration.html", {"versions": []})
    current = versions[0]
    shown = current
    if "version" in request.GET:
        number = _requested_number(request.GET["version"])
        shown = next((version for version in versions if version.number == number), None)
        if shown is None:
            raise Http404(
                _("The joint declaration has no version %(number)s; the versions are %(numbers)s.")
                % {"number": number, "numbers": ", ".join(str(v.number) for v in reversed(versions))}
            )
    language_names = {code: get_language_info(code)["name_translated"] for code, _name in settings.LANGUAGES}
    others = [
        {
            "version": version,
            "languages": [
                {"code": text.language, "name": language_names.get(text.language, text.language)}
                for text in version.texts.all()
            ],
        }
        for version in versions
        if version != shown
    ]
    return render(
        request,
        "membership/declaration.html",
        {
            "versions": versions,
            "current": current,
            "shown": shown,
            "text": shown_text(shown, language),
            "visitor_language_name": language_names.get(language, language),
            "endorsements": shown.public_endorsements,
            "others": others,
        },
    )
