from django import template

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
