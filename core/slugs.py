"""Unique slugs for URLs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.text import slugify


def unique_slug(
    text: str, *, taken: QuerySet, fallback: str, max_length: int = 200, field: str = "slug"
) -> str:
    """A slug of `text` not used by any row of `taken` (exclude the row being saved from it): the plain slug,
    or the first free one of `slug-2`, `slug-3`, ..."""
    base = slugify(text)[:max_length] or fallback
    slug, counter = base, 2
    while taken.filter(**{field: slug}).exists():
        suffix = f"-{counter}"
        slug, counter = f"{base[: max_length - len(suffix)]}{suffix}", counter + 1
    return slug
