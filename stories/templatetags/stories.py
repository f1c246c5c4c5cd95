from django import template
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from stories.search import highlighted

register = template.Library()


@register.filter
def highlight(snippet: str | None):
    """A search snippet, escaped, with the matched words marked."""
    return highlighted(snippet)


@register.filter
def json_ld(data: dict):
    """A schema.org block; the JSON is escaped the way json_script escapes it, so it cannot end the tag."""
    import json

    from django.utils.html import _json_script_escapes
    from django.utils.safestring import mark_safe

    payload = json.dumps(data, ensure_ascii=False).translate(_json_script_escapes)
    # Escaped above exactly as Django's json_script escapes: the JSON cannot close the tag.
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308  # nosec B308 B703


@register.filter
def text_in(story, language: str):
    """The story's words in this language if translated, else as written."""
    return story.text_in(language)


@register.simple_tag
def story_url_in(story, language: str) -> str:
    """The story's page under another language's prefix."""
    from django.utils import translation

    with translation.override(language):
        return story.get_absolute_url()


@register.filter
def language_dir(code: str | None) -> str:
    """The writing direction of a language ("rtl" or "ltr"); "auto" when the language is not known, so the
    browser takes it from the text itself."""
    if not code:
        return "auto"
    try:
        return "rtl" if translation.get_language_info(code)["bidi"] else "ltr"
    except KeyError:
        return "auto"


@register.filter
def lang_attrs(code: str | None) -> SafeString:
    """` lang="…" dir="…"` for an element holding content written in this language, so that a screen reader
    speaks it with the right voice and its punctuation and bullets sit on its own side whatever the page's
    direction; only ` dir="auto"` when the language is not known (the text is still isolated)."""
    if not code:
        return SafeString(' dir="auto"')  # a constant
    return format_html(' lang="{}" dir="{}"', code, language_dir(code))


@register.filter
def isolated(value, language: str | None = None) -> SafeString:
    """Content (escaped) set apart from the words around it, for a sentence or a list that mixes it with the
    page's own words: in its language when known (a span with `lang` and `dir`), else in a `<bdi>`, whose
    direction comes from the text. A comma after an English name on an Arabic page then stays where it is."""
    if language:
        return format_html("<span{}>{}</span>", lang_attrs(language), value)
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def isolated_reference(item) -> SafeString:
    """A recommendation's (or a citation's) reference, "A/HRC/38/4, para. 116.23", in the page's words and
    direction with its symbol and paragraph each isolated: on an Arabic page it then reads symbol, word,
    number from the right, instead of the whole running left to right from the Latin symbol."""
    symbol, paragraph = getattr(item, "symbol", ""), getattr(item, "paragraph", "")
    if not (symbol and paragraph):
        return format_html("<bdi>{}</bdi>", item.reference)
    # The words of Recommendation.reference and Citation.reference, so their translation.
    words = conditional_escape(gettext("%(symbol)s, para. %(paragraph)s"))
    # The words are escaped above; the parts are built by format_html.
    return mark_safe(  # noqa: S308  # nosec B308 B703
        words
        % {
            "symbol": format_html("<bdi>{}</bdi>", symbol),
            "paragraph": format_html("<bdi>{}</bdi>", paragraph),
        }
    )
