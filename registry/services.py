"""Every change to the reprisals registry, and every read of an identity.

Each service checks that the actor may use the registry (the second factor's recency is the views' concern:
it belongs to a session, not to a person), locks the case, writes the change and a `CaseEvent`, and makes the
public figures stale when what they count changes. Identities are encrypted before they reach a model
(registry/crypto.py); no history row, log line or error message ever carries one.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.models import Mandate
from core.audit import records_actor
from core.public_cache import bump_generation
from members.models import User
from registry import crypto
from registry.access import may_use_registry
from registry.crypto import Identity, RegistryKeyError
from registry.models import Case, CaseEvent, IdentityRead, Referral

CASE_FIELDS = (
    "country",
    "year",
    "month",
    "kind",
    "mechanism",
    "follow_up",
    "consent_aggregate",
    "consent_referral",
    "consent_meeting",
    "consent_given_on",
    "consent_valid_until",
    "consent_obtained_how",
)
CONSENT_FIELDS = tuple(name for name in CASE_FIELDS if name.startswith("consent_"))
# What the public figures count: a change to any of these may change them.
PUBLIC_FIELDS = ("country", "year", "kind", *CONSENT_FIELDS, "consent_withdrawn_at")

Status = Case.Status
TRANSITIONS: dict[str, set[str]] = {
    Status.REPORTED: {Status.VERIFIED, Status.CLOSED},
    Status.VERIFIED: {Status.REFERRED, Status.CLOSED},
    Status.REFERRED: {Status.VERIFIED, Status.CLOSED},
    Status.CLOSED: {Status.REPORTED},
}


def _require_access(actor: User | None) -> None:
    if not may_use_registry(actor):
        raise PermissionDenied(
            _("Only secretariat members given access to the reprisals registry may do this.")
        )


def _locked(case_id: int) -> Case:
    return Case.objects.select_for_update().get(pk=case_id)


def _event(case: Case, actor: User | None, action: str, **fields: Any) -> CaseEvent:
    return CaseEvent.objects.create(case=case, actor=actor, action=action, **fields)


def _encrypt(identity: Identity | None) -> str | None:
    """The token for `identity`, None when there is nothing to store; a ValidationError saying why when the
    keys cannot be used (nothing is stored, in clear or otherwise)."""
    if identity is None or identity.is_empty():
        return None
    try:
        return crypto.encrypt_identity(identity)
    except RegistryKeyError as error:
        raise ValidationError(str(error), code="registry_keys") from None


def _check_consent(values: Mapping[str, Any]) -> None:
    any_use = (
        values.get("consent_aggregate") or values.get("consent_referral") or values.get("consent_meeting")
    )
    if any_use and not values.get("consent_given_on"):
        raise ValidationError(
            {"consent_given_on": _("Say when consent was given for the uses ticked.")}, code="consent_date"
        )
    valid_until, given_on = values.get("consent_valid_until"), values.get("consent_given_on")
    if valid_until and given_on and valid_until < given_on:
        raise ValidationError(
            {"consent_valid_until": _("Consent cannot end before it was given.")}, code="consent_dates"
        )


@records_actor
def case_create(*, actor: User, values: Mapping[str, Any], identity: Identity | None = None) -> Case:
    """Record a case; its identity, if given, is stored encrypted or not at all."""
    _require_access(actor)
    _check_consent(values)
    token = _encrypt(identity)
    with transaction.atomic():
        case = Case(**{name: values[name] for name in CASE_FIELDS if name in values})
        case.identity_token = token or ""
        case.full_clean()
        case.save()
        _event(case, actor, CaseEvent.Action.RECORDED, to_status=case.status)
        if token:
            _event(case, actor, CaseEvent.Action.IDENTITY_SET)
        if case.consent_aggregate:
            bump_generation()
    return case


@records_actor
def case_update(*, actor: User, case_id: int, values: Mapping[str, Any], version: int) -> Case:
    """Change a case's facts, follow-up and consent; refused when someone saved it meanwhile."""
    _require_access(actor)
    with transaction.atomic():
        case = _locked(case_id)
        _check_consent({name: values.get(name, getattr(case, name)) for name in CONSENT_FIELDS})
        if case.version != version:
            raise ValidationError(
                _(
                    "Someone else saved this case meanwhile. Your changes were not saved: look at the case "
                    "as it is now."
                ),
                code="stale",
            )
        changed = [name for name in CASE_FIELDS if name in values and getattr(case, name) != values[name]]
        if not changed:
            return case
        public_before = {name: getattr(case, name) for name in PUBLIC_FIELDS}
        for name in changed:
            setattr(case, name, values[name])
        case.full_clean()
        case.version += 1
        case.updated_at = timezone.now()
        case.save()
        consent_changed = [name for name in changed if name in CONSENT_FIELDS]
        if consent_changed:
            _event(case, actor, CaseEvent.Action.CONSENT)
        if len(consent_changed) < len(changed):
            _event(case, actor, CaseEvent.Action.CHANGED)
        if public_before != {name: getattr(case, name) for name in PUBLIC_FIELDS}:
            bump_generation()
    return case


@records_actor
def case_withdraw_consent(*, actor: User, case_id: int) -> Case:
    """The person withdrew every consent: the case leaves the public figures at once."""
    _require_access(actor)
    with transaction.atomic():
        case = _locked(case_id)
        if case.consent_withdrawn_at is not None:
            return case
        case.consent_withdrawn_at = timezone.now()
        case.version += 1
        case.save(update_fields=["consent_withdrawn_at", "version"])
        _event(case, actor, CaseEvent.Action.CONSENT, note="withdrawn")
        bump_generation()
    return case


@records_actor
def case_set_identity(*, actor: User, case_id: int, identity: Identity) -> Case:
    """Record or replace the identity of a case (encrypted)."""
    _require_access(actor)
    token = _encrypt(identity)
    if token is None:
        raise ValidationError(_("Give at least a name, a contact or a place."), code="empty_identity")
    with transaction.atomic():
        case = _locked(case_id)
        case.identity_token = token
        case.version += 1
        case.save(update_fields=["identity_token", "version"])
        _event(case, actor, CaseEvent.Action.IDENTITY_SET)
    return case


@records_actor
def case_set_status(*, actor: User, case_id: int, status: str, note: str = "") -> Case:
    _require_access(actor)
    with transaction.atomic():
        case = _locked(case_id)
        if status == case.status:
            return case
        if status not in TRANSITIONS.get(case.status, set()):
            raise ValidationError(
                _("A case that is %(current)s cannot become %(new)s.")
                % {"current": case.get_status_display(), "new": Status(status).label},
                code="transition",
            )
        if status == Status.REFERRED and not case.referrals.exists():
            raise ValidationError(
                _("Record the referral: the case then becomes referred."), code="no_referral"
            )
        before = case.status
        case.status = status
        case.version += 1
        case.save(update_fields=["status", "version"])
        _event(case, actor, CaseEvent.Action.STATUS, from_status=before, to_status=status, note=note[:500])
    return case


@records_actor
def case_refer(
    *,
    actor: User,
    case_id: int,
    recipient: str,
    referred_on: datetime.date,
    mandate: Mandate | None = None,
    recipient_detail: str = "",
) -> Referral:
    """Record a referral to the UN; only with the person's consent to referral. A reported or verified case
    becomes referred."""
    _require_access(actor)
    if recipient == Referral.Recipient.MANDATE_HOLDER and mandate is None:
        raise ValidationError({"mandate": _("Choose the mandate the case was referred to.")}, code="mandate")
    if recipient == Referral.Recipient.OTHER and not recipient_detail.strip():
        raise ValidationError({"recipient_detail": _("Say to whom the case was referred.")}, code="detail")
    if referred_on > timezone.localdate():
        raise ValidationError({"referred_on": _("A referral cannot be in the future.")}, code="future")
    with transaction.atomic():
        case = _locked(case_id)
        if not case.consent_covers("referral", referred_on):
            raise ValidationError(
                _(
                    "The person's consent does not cover a referral to the UN on that day: record their "
                    "consent first."
                ),
                code="no_consent",
            )
        referral = Referral.objects.create(
            case=case,
            recipient=recipient,
            mandate=mandate if recipient == Referral.Recipient.MANDATE_HOLDER else None,
            recipient_detail=recipient_detail.strip(),
            referred_on=referred_on,
            recorded_by=actor,
        )
        before = case.status
        if case.status in (Status.REPORTED, Status.VERIFIED):
            case.status = Status.REFERRED
        case.version += 1
        case.save(update_fields=["status", "version"])
        _event(case, actor, CaseEvent.Action.REFERRED, from_status=before, to_status=case.status)
    return referral


def identity_read(*, actor: User, case_id: int, reason: str) -> Identity:
    """Open a case's identity for `actor`, for the reason given. The read is logged first, in its own
    transaction, so an attempt that then fails (a wrong key) stays in the log too."""
    _require_access(actor)
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError(
            {"reason": _("Say why you need to see this identity (at least 10 characters).")}
        )
    case = Case.objects.get(pk=case_id)
    if not case.has_identity:
        raise ValidationError(_("No identity is recorded for this case."), code="no_identity")
    with transaction.atomic():
        IdentityRead.objects.create(case=case, reader=actor, reader_email=actor.email, reason=reason)
    try:
        return crypto.decrypt_identity(case.identity_token, case_code=case.code)
    except RegistryKeyError as error:
        raise ValidationError(str(error), code="registry_keys") from None


def identities_rotate() -> tuple[int, int]:
    """Re-encrypt every identity with the first key: (re-encrypted, failed). Case by case, each under its
    lock, so a failure leaves the others done and nothing in clear."""
    rotated = failed = 0
    for case_id in Case.objects.exclude(identity_token="").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            case = _locked(case_id)
            try:
                token = crypto.rotate_token(case.identity_token, case_code=case.code)
            except RegistryKeyError:
                failed += 1
                continue
            if token != case.identity_token:
                case.identity_token = token
                case.save(update_fields=["identity_token"])
                CaseEvent.objects.create(case=case, actor=None, action=CaseEvent.Action.IDENTITY_ROTATED)
            rotated += 1
    return rotated, failed
