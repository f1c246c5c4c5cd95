"""Content written in one language and translated into others, with translations kept fresh.

An original (a story, a meeting, a theme ...) names the fields that are translated (`translated_fields`) and
records its own language. Each translation is a row per language (a `ContentTranslation`) that remembers the
fingerprint of the original's words it was made from (`source_digest`). When the original's words change, the
fingerprints differ and the translation "may be out of date" until someone updates it or confirms it is still
right; both set the fingerprint again.

The fingerprint is an MD5 of the fields joined by a unit separator, computed the same way in Python and in the
database (`digest_expression`), so the lists of out-of-date translations are one query with no stored copy on
the original to keep in step (bulk writes, the admin and a shell all stay right).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import MD5, Concat
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from core.audit import records_actor

SEPARATOR = "\x1f"


def digest(values: Iterable[object]) -> str:
    """The fingerprint of these values (None counts as empty), as `digest_expression` computes it."""
    joined = SEPARATOR.join("" if value is None else str(value) for value in values)
    return hashlib.md5(joined.encode("utf-8"), usedforsecurity=False).hexdigest()


def digest_expression(fields: Iterable[str]) -> MD5:
    """The same fingerprint computed by the database from these (possibly related) fields."""
    parts: list[Any] = []
    for field in fields:
        if parts:
            parts.append(Value(SEPARATOR))
        parts.append(F(field))
    if len(parts) == 1:
        parts.append(Value(""))
    return MD5(Concat(*parts, output_field=models.TextField()))


def direction(language: str) -> str:
    """ "rtl" or "ltr" for a language code Django knows ("ltr" for anything else)."""
    try:
        return "rtl" if get_language_info(language)["bidi"] else "ltr"
    except KeyError:
        return "ltr"


@dataclass(frozen=True)
class ContentText:
    """One piece of content as shown: its words, their language and direction, and whether it comes from a
    translation that may be out of date. Renders as its words."""

    text: str
    language: str
    outdated: bool = False

    @property
    def direction(self) -> str:
        return direction(self.language)

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


class Shown:
    """An original's translated fields as a reader of `language` sees them: each field a `ContentText` from
    the translation when it has that field, else the original's (in the original's language)."""

    def __init__(
        self, original: TranslatedContent, language: str, translations: Iterable[ContentTranslation]
    ):
        own_language = getattr(original, "language", settings.LANGUAGE_CODE)
        translation = None
        if language != own_language:
            translation = next((row for row in translations if row.language == language), None)
        self.translation = translation
        self.original_language = own_language
        self.is_translation = translation is not None
        self.outdated = translation is not None and translation.outdated
        self.language = language if translation is not None else own_language
        for field in original.translated_fields:
            value = getattr(translation, field, "") if translation is not None else ""
            if value:
                setattr(self, field, ContentText(value, language, outdated=self.outdated))
            else:
                setattr(self, field, ContentText(getattr(original, field) or "", own_language))

    @property
    def direction(self) -> str:
        return direction(self.language)


class TranslatedContent:
    """Mixin for an original: the fields its translations carry, and their fingerprint."""

    translated_fields: ClassVar[tuple[str, ...]] = ()

    def translation_digest(self) -> str:
        return digest(getattr(self, field) for field in self.translated_fields)

    def shown_in(self, language: str) -> Shown:
        """What a reader of `language` sees (uses prefetched `translations`)."""
        return Shown(self, language, self.translations.all())  # type: ignore[attr-defined]


class ContentTranslation(models.Model):
    """One language of an original. Subclasses add the foreign key named `original_field` and the
    translated fields (the same names as the original's, a blank one shows the original's)."""

    original_field: ClassVar[str] = ""

    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    source_digest = models.CharField(_("made from"), max_length=32, blank=True, editable=False)
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)

    class Meta:
        abstract = True

    @property
    def original(self) -> TranslatedContent:
        return getattr(self, self.original_field)

    @property
    def outdated(self) -> bool:
        """True when the original's words changed after this translation was made or last confirmed."""
        return self.source_digest != self.original.translation_digest()

    def mark_current(self) -> None:
        """Made from (or checked against) the original as it is now."""
        self.source_digest = self.original.translation_digest()
        self.updated_at = timezone.now()

    @property
    def direction(self) -> str:
        return direction(self.language)

    @classmethod
    def current_digest_expression(cls) -> MD5:
        original_model = cls._meta.get_field(cls.original_field).related_model
        return digest_expression(
            f"{cls.original_field}__{field}" for field in original_model.translated_fields
        )

    @classmethod
    def outdated_rows(cls) -> models.QuerySet:
        """Every translation of this model whose original changed since it was made or confirmed."""
        return cls._default_manager.alias(current_digest=cls.current_digest_expression()).exclude(
            source_digest=F("current_digest")
        )


@records_actor
@transaction.atomic
def translations_confirm(*, actor: Any, model: type[ContentTranslation], ids: Iterable[int]) -> int:
    """These translations were checked against their original as it is now and are still right: no longer
    out of date. No word changes; the audit trail names who confirmed."""
    confirmed = 0
    rows = (
        model._default_manager.select_for_update()
        .select_related(model.original_field)
        .filter(pk__in=list(ids))
    )
    for row in rows:
        row.mark_current()
        row.save(update_fields=["source_digest", "updated_at"])
        confirmed += 1
    # Public pages go stale through the translation models' own signals (stale_when_changed).
    return confirmed
