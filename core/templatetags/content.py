"""Content in the reader's language: `{% with shown=meeting|shown %}` gives each translated field of an
original (core/translations.py) as the reader of the active language sees it, with its own language."""

from django import template
from django.utils import translation

from core.translations import Shown, TranslatedContent

register = template.Library()


@register.filter
def shown(original: TranslatedContent | None) -> Shown | None:
    """Uses prefetched `translations` (else one query)."""
    if original is None:
        return None
    return original.shown_in(translation.get_language() or "en")
