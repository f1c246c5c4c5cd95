from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """The current page in each interface language (plain links: they work without JavaScript or cookies)."""
    request = context.get("request")
    path = request.get_full_path() if request else "/"
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        links.append(
            {"code": code, "name": info["name_local"], "url": translate_url(path, code), "bidi": info["bidi"]}
        )
    return links
