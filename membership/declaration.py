"""Changes to the joint declaration and its endorsements: versions and their texts, which version is current,
and endorsements recorded by the secretariat (with their signed document, checked and stripped).

The rule that holds everything together: a version that a member has endorsed is locked. Its texts, its
number, its date and its original language never change again; a change is a new version
(`declaration_version_start_next` copies the texts into the next number). The admin calls these functions and
shows locked versions read-only; the audit trail (`@records_actor`) names who did what.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import records_actor
from core.pdfs import clean_pdf_upload
from core.public_cache import bump_generation
from core.translations import digest
from meetings.models import Meeting
from members.models import Member, User
from membership.models import DeclarationText, DeclarationVersion, Endorsement

TextData = tuple[str, str, str]  # (language, title, text)
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)

# ---------------------------------------------------------------------------------------------------------
# Who may do what


def can_manage_declaration(*, user: User | None) -> bool:
    """The secretariat keeps the declaration's versions and records endorsements."""
    return bool(
        user is not None
        and user.is_active
        and user.has_perm("membership.add_declarationversion")
        and user.has_perm("membership.add_endorsement")
    )


def _require_manager(actor: User | None) -> None:
    if not can_manage_declaration(user=actor):
        raise PermissionDenied(
            _("Only the secretariat keeps the joint declaration and records endorsements of it.")
        )


def locked_message(version: DeclarationVersion) -> str:
    return str(
        _(
            "Version %(number)s of the joint declaration has been endorsed: its texts can no longer change. "
            "To change them, start a new version from this one."
        )
        % {"number": version.number}
    )


def _refuse_if_locked(version: DeclarationVersion) -> None:
    if version.endorsements.exists():
        raise ValidationError(locked_message(version), code="version_locked")


# ---------------------------------------------------------------------------------------------------------
# Versions and their texts


def _clean_texts(texts: Iterable[TextData], *, original_language: str) -> list[TextData]:
    cleaned: dict[str, TextData] = {}
    for language, title, text in texts:
        if language not in LANGUAGE_CODES:
            raise ValidationError(
                _("“%(language)s” is not one of the site's languages.") % {"language": language},
                code="unknown_language",
            )
        if language in cleaned:
            raise ValidationError(
                _("There are two texts in %(language)s; keep one.")
                % {"language": dict(settings.LANGUAGES)[language]},
                code="duplicate_language",
            )
        title, text = (title or "").strip(), (text or "").strip()
        if not title or not text:
            raise ValidationError(
                _("The text in %(language)s needs a title and a text.")
                % {"language": dict(settings.LANGUAGES)[language]},
                code="text_incomplete",
            )
        cleaned[language] = (language, title, text)
    if original_language not in cleaned:
        raise ValidationError(
            _("Add the text in the original language (%(language)s).")
            % {"language": dict(settings.LANGUAGES).get(original_language, original_language)},
            code="original_missing",
        )
    return list(cleaned.values())


def _write_texts(version: DeclarationVersion, texts: Sequence[TextData]) -> None:
    """The version's texts become these. A translation written or changed now is made from the original as it
    is now; one left as it was keeps its fingerprint, so a changed original flags it "may be out of date"."""
    wanted = {language for language, _title, _text in texts}
    version.texts.exclude(language__in=wanted).delete()
    saved = {text.language: text for text in version.texts.all()}
    original_digest = next(
        (digest((title, text)) for language, title, text in texts if language == version.original_language),
        "",
    )
    for language, title, text in texts:
        row = saved.get(language) or DeclarationText(version=version, language=language)
        if (
            row.pk is not None
            and (row.title, row.text) == (title, text)
            and language != version.original_language
        ):
            continue
        row.title, row.text = title, text
        row.source_digest, row.updated_at = original_digest, timezone.now()
        row.save()


@records_actor
@transaction.atomic
def declaration_texts_confirm(*, actor: User, text_ids: Iterable[int]) -> int:
    """These translations were checked against their original and are still right: no longer out of date.
    Allowed on an endorsed version too: no word changes."""
    _require_manager(actor)
    confirmed = 0
    for text in DeclarationText.objects.select_for_update().filter(pk__in=list(text_ids)):
        text.mark_current()
        text.save(update_fields=["source_digest", "updated_at"])
        confirmed += 1
    bump_generation()  # as every service here does
    return confirmed


def _make_current(version: DeclarationVersion) -> None:
    # One current version at a time (a partial unique constraint): the other one is unset first.
    DeclarationVersion.objects.filter(is_current=True).exclude(pk=version.pk).update(is_current=False)
    if not version.is_current:
        version.is_current = True
        version.save(update_fields=["is_current"])


@records_actor
@transaction.atomic
def declaration_version_create(
    *,
    actor: User,
    number: int,
    adopted_on: datetime.date,
    original_language: str,
    texts: Sequence[TextData],
    based_on: DeclarationVersion | None = None,
    is_current: bool = False,
) -> DeclarationVersion:
    """A new version with its texts; with `based_on`, the texts of that version fill every language not
    given in `texts`. Made current (and the previous current one unset) when `is_current`."""
    _require_manager(actor)
    if DeclarationVersion.objects.filter(number=number).exists():
        raise ValidationError(
            {"number": ValidationError(_("There is already a version %(number)s.") % {"number": number})}
        )
    given = list(texts)
    if based_on is not None:
        languages = {language for language, _title, _text in given}
        given += [(t.language, t.title, t.text) for t in based_on.texts.all() if t.language not in languages]
    cleaned = _clean_texts(given, original_language=original_language)
    version = DeclarationVersion(number=number, adopted_on=adopted_on, original_language=original_language)
    version.full_clean()
    version.save()
    _write_texts(version, cleaned)
    if is_current:
        _make_current(version)
    bump_generation()
    return version


@records_actor
@transaction.atomic
def declaration_version_update(
    *,
    actor: User,
    version_id: int,
    adopted_on: datetime.date,
    original_language: str,
    is_current: bool,
    texts: Sequence[TextData] | None = None,
) -> DeclarationVersion:
    """Change a version not endorsed yet (its date, original language and texts); whether a version is the
    current one may change at any time. `texts=None` leaves the texts as they are."""
    _require_manager(actor)
    version = DeclarationVersion.objects.select_for_update().get(pk=version_id)
    changes_content = (
        texts is not None
        or adopted_on != version.adopted_on
        or original_language != version.original_language
    )
    if changes_content:
        _refuse_if_locked(version)
        if texts is None:
            texts = [(t.language, t.title, t.text) for t in version.texts.all()]
        cleaned = _clean_texts(texts, original_language=original_language)
        version.adopted_on, version.original_language = adopted_on, original_language
        version.full_clean()
        version.save(update_fields=["adopted_on", "original_language"])
        _write_texts(version, cleaned)
    if is_current:
        _make_current(version)
    elif version.is_current:
        version.is_current = False
        version.save(update_fields=["is_current"])
    bump_generation()
    return version


@records_actor
@transaction.atomic
def declaration_version_make_current(*, actor: User, version_id: int) -> DeclarationVersion:
    _require_manager(actor)
    version = DeclarationVersion.objects.select_for_update().get(pk=version_id)
    _make_current(version)
    bump_generation()
    return version


@records_actor
@transaction.atomic
def declaration_version_delete(*, actor: User, version_id: int) -> None:
    """Only a version nobody endorsed (and nobody applied with) may go."""
    _require_manager(actor)
    version = DeclarationVersion.objects.select_for_update().get(pk=version_id)
    _refuse_if_locked(version)
    if version.applications.exists():
        raise ValidationError(
            _("Applications to join name version %(number)s: it cannot be deleted.")
            % {"number": version.number},
            code="version_in_use",
        )
    version.delete()
    bump_generation()


@records_actor
@transaction.atomic
def declaration_version_start_next(*, actor: User, version_id: int) -> DeclarationVersion:
    """A new version after the last one, with a copy of this version's texts, not current: the secretariat
    edits it, then makes it current."""
    _require_manager(actor)
    source = DeclarationVersion.objects.select_for_update().get(pk=version_id)
    # Two people starting a new version at once: the unique number lets one through, the other gets an error.
    last = DeclarationVersion.objects.aggregate(last=Max("number"))["last"] or 0
    return declaration_version_create(
        actor=actor,
        number=max(last, source.number) + 1,
        adopted_on=source.adopted_on,
        original_language=source.original_language,
        texts=[],
        based_on=source,
        is_current=False,
    )


def texts_change_refused(version: DeclarationVersion) -> bool:
    """For the admin: True when this version's texts are locked."""
    return version.pk is not None and version.endorsements.exists()


# ---------------------------------------------------------------------------------------------------------
# Endorsements


def _clean_document(document) -> ContentFile:
    """The uploaded PDF checked and written again without metadata; refusals name the field."""
    try:
        data = clean_pdf_upload(document)
    except ValidationError as error:
        raise ValidationError({"document": error.error_list}) from error
    return ContentFile(data, name="endorsement.pdf")


def _endorsement_fields(
    *,
    endorsement: Endorsement,
    endorsed_on: datetime.date,
    signatory_name: str,
    signatory_title: str,
    level: str,
    means: str,
    meeting_id: int | None,
) -> None:
    if means == Endorsement.Means.EVENT and meeting_id is None:
        raise ValidationError(
            {
                "meeting": ValidationError(
                    _("Name the meeting where the declaration was signed."), code="required"
                )
            }
        )
    if meeting_id is not None and not Meeting.objects.filter(pk=meeting_id).exists():
        raise ValidationError({"meeting": ValidationError(_("This meeting does not exist."), code="invalid")})
    endorsement.endorsed_on = endorsed_on
    endorsement.signatory_name = (signatory_name or "").strip()
    endorsement.signatory_title = (signatory_title or "").strip()
    endorsement.level = level
    endorsement.means = means
    endorsement.meeting_id = meeting_id


def _store(endorsement: Endorsement, document: ContentFile | None) -> Endorsement:
    endorsement.full_clean(exclude=["document", "member", "version"])
    old_name = endorsement.document.name if endorsement.pk else ""
    if document is not None:
        endorsement.document.save(document.name, document, save=False)
    saved_name = endorsement.document.name
    storage = endorsement.document.storage
    try:
        endorsement.save()
    except IntegrityError:
        if document is not None:
            storage.delete(saved_name)  # the row was not written: neither is its file kept
        raise
    if document is not None and old_name and old_name != saved_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    return endorsement


@records_actor
@transaction.atomic
def endorsement_record(
    *,
    actor: User,
    member_id: int,
    version_id: int,
    endorsed_on: datetime.date,
    signatory_name: str,
    signatory_title: str,
    level: str,
    means: str,
    meeting_id: int | None = None,
    document=None,
) -> Endorsement:
    """Record that a member endorsed a version (once per member and version). The signed document, when
    given, is checked and kept without its metadata in the private storage."""
    _require_manager(actor)
    member = Member.objects.select_for_update().get(pk=member_id)
    version = DeclarationVersion.objects.select_for_update().get(pk=version_id)
    if Endorsement.objects.filter(member=member, version=version).exists():
        raise ValidationError(
            _("%(member)s has already endorsed version %(number)s.")
            % {"member": member.name, "number": version.number},
            code="already_endorsed",
        )
    endorsement = Endorsement(member=member, version=version)
    _endorsement_fields(
        endorsement=endorsement,
        endorsed_on=endorsed_on,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        level=level,
        means=means,
        meeting_id=meeting_id,
    )
    cleaned = _clean_document(document) if document else None
    _store(endorsement, cleaned)
    bump_generation()
    return endorsement


@records_actor
@transaction.atomic
def endorsement_change(
    *,
    actor: User,
    endorsement_id: int,
    endorsed_on: datetime.date,
    signatory_name: str,
    signatory_title: str,
    level: str,
    means: str,
    meeting_id: int | None = None,
    document=None,
) -> Endorsement:
    """Correct what was recorded of an endorsement (who endorsed which version stays); a new document
    replaces the old one, checked and stripped as on recording."""
    _require_manager(actor)
    endorsement = Endorsement.objects.select_for_update().get(pk=endorsement_id)
    _endorsement_fields(
        endorsement=endorsement,
        endorsed_on=endorsed_on,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        level=level,
        means=means,
        meeting_id=meeting_id,
    )
    cleaned = _clean_document(document) if document else None
    _store(endorsement, cleaned)
    bump_generation()
    return endorsement
