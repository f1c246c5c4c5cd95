import datetime

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import timezone
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


@register.filter
def html_datetime(value: datetime.datetime | datetime.date | None) -> str:
    """A `<time datetime>` value HTML accepts: a moment in UTC to the second (`2026-12-01T15:04:05Z`), or a
    day (`2026-12-01`). `|date:'c'` would add microseconds, which HTML's datetime syntax does not allow."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(datetime.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""
