"""Country flags served from the project's own static files (flag-icons, vendored in static/flags/).

django-countries' `Country.flag` points at its 16x11 GIFs, whose unhashed URLs can only be cached briefly;
these SVGs go through the staticfiles storage, so in production their URLs are hashed and cached for a year.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django_countries import countries
from django_countries.fields import Country

register = template.Library()

FLAGS_DIRECTORY = "flags/4x3"


@cache
def _codes_with_a_flag() -> frozenset[str]:
    # The manifest storage raises on a file it does not know, so ask for the URL only of flags that exist.
    directory = finders.find(FLAGS_DIRECTORY)
    if not directory:
        return frozenset()
    return frozenset(path.stem for path in Path(directory).glob("*.svg"))


@register.filter
def flag_url(country: Country | str | None) -> str:
    """The URL of the 4:3 SVG flag of a Country or an ISO code (alpha-2, alpha-3 or numeric); "" if none."""
    if not country:
        return ""
    # Only codes django-countries knows (EU included through COUNTRIES_OVERRIDE): flag-icons also has
    # regional and placeholder flags ("xx") that must not stand for an unknown country.
    raw = country.code if isinstance(country, Country) else str(country).strip()
    code = (countries.alpha2(raw) or "").lower()
    if code not in _codes_with_a_flag():
        return ""
    return static(f"{FLAGS_DIRECTORY}/{code}.svg")
