"""`{% embed_code story title %}`: the <iframe> of a story's card, as text to copy into another site."""

from django import template
from django.utils.html import escape

from stories.embed import embed_iframe, embed_size

register = template.Library()


@register.simple_tag(takes_context=True)
def embed_code(context, story, title: str) -> str:
    """The same <iframe> /api/oembed.json gives for the story (its card under the page's language prefix),
    escaped to be shown, not run."""
    return escape(embed_iframe(story, title, context["request"], embed_size(story)))
