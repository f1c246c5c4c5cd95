"""Citing and embedding a published story: the citation files (BibTeX, CSL-JSON), the embeddable card (the
one page other sites may frame) and the oEmbed endpoint that hands out its <iframe>.

Everything here speaks the language of its URL prefix, like every other page: `/fr/stories/<slug>/embed/`
is the card with the French interface and the French translation when the story has one.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from core.open_data import error_json, open_data_response
from core.public_cache import cache_public_page
from stories.jsonld import url_in
from stories.models import Story, StoryImage, StoryText


def embed_queryset():
    return Story.objects.select_related("member").prefetch_related(
        "translations",
        Prefetch("images", queryset=StoryImage.objects.shown_publicly().order_by("order", "pk")),
    )


def published_story(slug: str) -> Story:
    """The story if published; withdrawn ones are returned too (callers answer 410); 404 otherwise."""
    story = get_object_or_404(embed_queryset(), slug=slug)
    if story.status not in (Story.Status.PUBLISHED, Story.Status.WITHDRAWN):
        raise Http404(_("There is no published story at this address."))
    return story


# ---------------------------------------------------------------------------------------------------------
# Citations


@dataclass(frozen=True)
class StoryCitation:
    """What a reference to a story holds, in the language a reader reads it in."""

    key: str
    author: str  # the member: a state or the European Union, never a person
    title: str
    summary: str
    language: str
    published: datetime.date
    url: str  # the story's page in the language of `title`
    portal: str
    accessed: datetime.date


def story_citation(story: Story, text: StoryText, request: HttpRequest) -> StoryCitation:
    """A published story (which has its publication time, the database makes sure) as cited."""
    return StoryCitation(
        key=f"goodstories-{story.pk}",
        author=story.member.name,
        title=text.title,
        summary=text.summary,
        language=text.language,
        published=story.published_at.astimezone(datetime.UTC).date(),
        url=request.build_absolute_uri(url_in(story, text.language)),
        portal=_("Good Human Rights Stories Initiative"),
        accessed=timezone.now().astimezone(datetime.UTC).date(),
    )


# LaTeX's special characters, as BibTeX fields must write them.
BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
BIBTEX_SPECIAL = re.compile("|".join(re.escape(char) for char in BIBTEX_ESCAPES))
# biblatex's names of the site's languages (babel/polyglossia), for hyphenation and quotes.
BIBLATEX_LANGUAGES = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "ar": "arabic",
    "zh-hans": "chinese",
    "ru": "russian",
}


def bibtex_escape(value: str) -> str:
    """A value LaTeX prints as written: its special characters escaped, line breaks made spaces."""
    return BIBTEX_SPECIAL.sub(lambda match: BIBTEX_ESCAPES[match.group(0)], " ".join(value.split()))


def bibtex(citation: StoryCitation) -> str:
    """A @misc entry (what classic BibTeX styles and biblatex both know for a web page), UTF-8.

    The author is a body, not a person: double braces keep "Costa Rica" from becoming "Rica, Costa"; the
    title is braced too, so that styles do not lower-case its proper names. The URL is written as it is:
    url fields are read verbatim, and a story's address has no character that needs escaping there."""
    fields = [
        ("author", f"{{{bibtex_escape(citation.author)}}}"),
        ("title", f"{{{bibtex_escape(citation.title)}}}"),
        ("howpublished", bibtex_escape(citation.portal)),
        ("year", str(citation.published.year)),
        ("date", citation.published.isoformat()),
        ("url", re.sub(r"[\s{}]", "", citation.url)),
        ("urldate", citation.accessed.isoformat()),
        ("langid", BIBLATEX_LANGUAGES.get(citation.language, citation.language)),
        ("abstract", bibtex_escape(citation.summary)),
    ]
    lines = [f"@misc{{{citation.key},"]
    lines += [f"  {name} = {{{value}}}," for name, value in fields if value]
    lines.append("}")
    return "\n".join(lines) + "\n"


def date_parts(day: datetime.date) -> dict[str, list[list[int]]]:
    return {"date-parts": [[day.year, day.month, day.day]]}


def csl_json(citation: StoryCitation) -> list[dict[str, Any]]:
    """CSL-JSON (what Zotero, Mendeley and pandoc read): a list of one item of type "webpage"."""
    return [
        {
            "id": citation.key,
            "type": "webpage",
            "title": citation.title,
            "author": [{"literal": citation.author}],
            "container-title": citation.portal,
            "publisher": citation.portal,
            "issued": date_parts(citation.published),
            "accessed": date_parts(citation.accessed),
            "URL": citation.url,
            "language": citation.language,
            "abstract": citation.summary,
        }
    ]


def cite_download(
    request: HttpRequest,
    slug: str,
    render_file: Callable[[StoryCitation], str],
    content_type: str,
    extension: str,
) -> HttpResponse:
    story = published_story(slug)
    if story.status == Story.Status.WITHDRAWN:
        # Like the story page: gone on purpose, said so, never a silent 404.
        return HttpResponse(
            _("This story has been withdrawn"), status=410, content_type="text/plain; charset=utf-8"
        )
    citation = story_citation(story, story.text_in(translation.get_language()), request)
    response = HttpResponse(render_file(citation), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{story.slug}.{extension}"'
    return response


@login_not_required
@require_safe
@cache_public_page()
def story_cite_bib(request: HttpRequest, slug: str) -> HttpResponse:
    return cite_download(request, slug, bibtex, "text/x-bibtex; charset=utf-8", "bib")


@login_not_required
@require_safe
@cache_public_page()
def story_cite_json(request: HttpRequest, slug: str) -> HttpResponse:
    def render_json(citation: StoryCitation) -> str:
        return json.dumps(csl_json(citation), ensure_ascii=False, indent=2)

    return cite_download(request, slug, render_json, "application/vnd.citationstyles.csl+json", "json")


# ---------------------------------------------------------------------------------------------------------
# The embeddable card

EMBED_WIDTH = 480
# Room for the card as static/css/embed.css lays it out at EMBED_WIDTH: photo (16:9), member, two lines of
# title, three of summary, the link. Narrower frames get the same height: the text wraps into the room the
# smaller photo leaves.
EMBED_HEIGHT_WITH_PHOTO = 500
EMBED_HEIGHT = 240


def card_photo(story: Story) -> StoryImage | None:
    """The first photo the public may see, once its renditions are made (never a placeholder in a frame)."""
    return next((image for image in story.images.all() if image.renditions), None)


# Other sites may frame this page and nothing else. The frame headers are set outside the page cache: a page
# served from the cache by `cache_public_page` passes through them again, and one served by
# PublicCacheMiddleware carries the headers it was stored with (these).
@login_not_required
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@require_safe
@cache_public_page()
def story_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """A small card of a published story for other sites' pages; 410 with a notice once withdrawn."""
    try:
        story = published_story(slug)
    except Http404:
        return render(request, "stories/story_embed.html", {"missing": True}, status=404)
    if story.status == Story.Status.WITHDRAWN:
        return render(request, "stories/story_embed.html", {"story": story, "withdrawn": True}, status=410)
    context = {
        "story": story,
        "text": story.text_in(translation.get_language()),
        "photo": card_photo(story),
        "story_url": request.build_absolute_uri(story.get_absolute_url()),
    }
    return render(request, "stories/story_embed.html", context)


# ---------------------------------------------------------------------------------------------------------
# oEmbed (https://oembed.com/)


def story_from_url(url: str, request: HttpRequest) -> tuple[Story, str] | None:
    """The published story a URL of this portal points at (its page or its card), and the language of that
    URL; None for anything else. Either host works: the one asked, and SITE_URL's."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # an unclosed IPv6 bracket, say
        return None
    hosts = {request.get_host().lower(), urlsplit(settings.SITE_URL).netloc.lower()}
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in hosts:
        return None
    language = translation.get_language_from_path(parts.path)
    if language is None:
        return None
    with translation.override(language):
        try:
            match = resolve(parts.path)
        except Resolver404:
            return None
    if match.view_name not in ("stories:story_detail", "stories:story_embed"):
        return None
    story = embed_queryset().filter(slug=match.kwargs["slug"], status=Story.Status.PUBLISHED).first()
    return (story, language) if story is not None else None


def bounded(raw: str | None, default: int) -> int:
    """`maxwidth`/`maxheight` as the consumer asked, never above our default; the default for a missing or
    unusable value."""
    try:
        value = int(raw or "")
    except ValueError:
        return default
    return min(default, value) if value > 0 else default


def embed_size(story: Story, params: Mapping[str, str] | None = None) -> tuple[int, int]:
    """The card's frame: our size, or smaller when an oEmbed consumer asks (`maxwidth`, `maxheight`)."""
    params = params or {}
    height = EMBED_HEIGHT_WITH_PHOTO if card_photo(story) else EMBED_HEIGHT
    return bounded(params.get("maxwidth"), EMBED_WIDTH), bounded(params.get("maxheight"), height)


def embed_iframe(story: Story, title: str, request: HttpRequest, size: tuple[int, int]) -> str:
    """The <iframe> that shows a story's card on another site (the oEmbed `html`, and the cite box's code).

    Sandboxed: the card runs no script; its links may open a tab of their own, outside the sandbox."""
    return format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy" '
        'sandbox="allow-popups allow-popups-to-escape-sandbox" style="border: 0; max-width: 100%;"></iframe>',
        request.build_absolute_uri(reverse("stories:story_embed", args=[story.slug])),
        *size,
        title,
    )


def oembed_record(story: Story, request: HttpRequest) -> dict[str, Any]:
    """The oEmbed "rich" answer for a story, in the active language."""
    text = story.text_in(translation.get_language())
    photo = card_photo(story)
    width, height = embed_size(story, request.GET)
    html = embed_iframe(story, text.title, request, (width, height))
    record: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": text.title,
        "author_name": story.member.name,
        "author_url": request.build_absolute_uri(story.member.get_absolute_url()),
        "provider_name": _("Good Human Rights Stories Initiative"),
        "provider_url": request.build_absolute_uri(reverse("home")),
        "cache_age": 3600,
        "html": str(html),
        "width": width,
        "height": height,
    }
    if photo is not None:
        smallest = min(photo.renditions, key=int)
        record.update(
            thumbnail_url=request.build_absolute_uri(photo.rendition_url(int(smallest))),
            thumbnail_width=int(smallest),
            thumbnail_height=int(photo.renditions[smallest]["height"]),
        )
    return record


@open_data_response
@require_safe
@cache_public_page()
def oembed(request: HttpRequest) -> HttpResponse:
    """`?url=<a story's page>&maxwidth=&maxheight=&format=json`: the card's <iframe> for that story."""
    if request.GET.get("format", "json") != "json":
        return error_json("Only JSON is offered here: ask with format=json or without format.", status=501)
    url = request.GET.get("url", "")
    if not url:
        return error_json("Give the address of a story's page in the url parameter.", status=400)
    found = story_from_url(url, request)
    if found is None:
        return error_json(
            "There is no published story at this address on this portal: give the address of a story's page.",
            status=404,
        )
    story, language = found
    # In the language of the address given, whatever the prefix this endpoint was asked under.
    with translation.override(language):
        record = oembed_record(story, request)
    return JsonResponse(record, json_dumps_params={"ensure_ascii": False})
