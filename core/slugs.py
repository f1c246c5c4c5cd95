"""Unique slugs for URLs."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
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


def save_with_unique_slug(
    instance: Model,
    text: str,
    *,
    taken: QuerySet,
    fallback: str,
    max_length: int = 200,
    field: str = "slug",
    attempts: int = 5,
) -> None:
    """Give a new row a unique slug of `text` and save it, even when another transaction takes the same slug
    at the same moment: checking and then inserting cannot see a row that is not committed yet, so the
    unique violation is caught in a savepoint and the next free slug is tried."""
    for attempt in range(attempts):
        setattr(
            instance,
            field,
            unique_slug(text, taken=taken, fallback=fallback, max_length=max_length, field=field),
        )
        try:
            with transaction.atomic():
                instance.save()
            return
        except IntegrityError:
            # Another cause (a different constraint) or too many tries: let it through.
            if attempt == attempts - 1 or not taken.filter(**{field: getattr(instance, field)}).exists():
                raise
