"""Every change to a member's record of cooperation with the Special Procedures, made by its mission.

Mission staff and the coordinators of a member keep its record; the coordinator confirms entries before they
count in the review. The secretariat reads everything but changes records in the admin, not here. Each change
locks the row, checks the actor's right and the version the person started from, writes the change and a
`CooperationEvent` in one transaction, and makes public pages stale when the member's card is published.
"""

from __future__ import annotations

import calendar
import datetime
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperation.models import (
    COMMUNICATION_REPLY_DAYS,
    Communication,
    CooperationEvent,
    CooperationRecord,
    FollowUp,
    Mandate,
    VisitRequest,
)
from core.audit import records_actor
from core.pdfs import clean_pdf_upload
from core.public_cache import bump_generation
from members.models import Member, Mission, User
from recommendations.models import Recommendation
from stories.models import Story

URGENT_APPEAL_REPLY_DAYS = 30
VISIT_REPLY_MONTHS = 2
NEW_YORK_TIME_ZONE = "America/New_York"
GENEVA_TIME_ZONE = "Europe/Zurich"

VISIT_FIELDS = (
    "mandate",
    "requested_on",
    "status",
    "reply_due_on",
    "replied_on",
    "proposed_dates",
    "visit_starts_on",
    "visit_ends_on",
    "report_symbol",
    "note",
)
COMMUNICATION_FIELDS = ("kind", "reference", "received_on", "reply_due_on", "replied_on", "note")


class Action:
    """What a history row says happened (CooperationEvent.action)."""

    VISIT_RECORDED = "visit_recorded"
    VISIT_CHANGED = "visit_changed"
    COMMUNICATION_RECORDED = "communication_recorded"
    COMMUNICATION_CHANGED = "communication_changed"
    FOLLOW_UP = "follow_up"
    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"
    STANDING_INVITATION = "standing_invitation"


# ---------------------------------------------------------------------------------------------------------
# Who may do what


def keeps_record_of(*, user: User | None, member_id: int | None) -> bool:
    """Mission staff and coordinators keep their own member's record, and only that one."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and member_id is not None
        and user.mission_id
        and user.role in (User.Role.STAFF, User.Role.COORDINATOR)
        and user.mission.member_id == member_id
    )


def is_coordinator_of(*, user: User | None, member_id: int | None) -> bool:
    return keeps_record_of(user=user, member_id=member_id) and user.role == User.Role.COORDINATOR


def can_read(*, user: User | None, member_id: int | None) -> bool:
    """The member's own people and the secretariat."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_secretariat or keeps_record_of(user=user, member_id=member_id)


def _require_keeper(actor: User | None, member_id: int) -> None:
    if actor is not None and actor.is_authenticated and actor.is_secretariat:
        raise PermissionDenied(
            _("The secretariat reads the members' records here and changes them in the administration.")
        )
    if not keeps_record_of(user=actor, member_id=member_id):
        raise PermissionDenied(_("You can only keep your own member's record of cooperation."))


# ---------------------------------------------------------------------------------------------------------
# Defaults


def default_time_zone(member: Member) -> str:
    """New York's when the member is present in New York and not in Geneva; Geneva's otherwise."""
    kinds = set(member.missions.values_list("kind", flat=True))
    if Mission.Kind.NEW_YORK in kinds and Mission.Kind.GENEVA not in kinds:
        return NEW_YORK_TIME_ZONE
    return GENEVA_TIME_ZONE


def record_for(member: Member) -> CooperationRecord:
    """The member's record, created (empty) the first time it is needed."""
    record, _created = CooperationRecord.objects.get_or_create(
        member=member, defaults={"time_zone": lambda: default_time_zone(member)}
    )
    return record


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later; the month's last day when that day does not exist
    (31 December + 2 months = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_visit_reply_due(requested_on: datetime.date) -> datetime.date:
    """An answer to a visit request is expected within two months."""
    return add_months(requested_on, VISIT_REPLY_MONTHS)


def default_communication_reply_due(received_on: datetime.date, kind: str) -> datetime.date:
    """60 days after receipt; sooner for an urgent appeal. Each communication may set its own."""
    days = URGENT_APPEAL_REPLY_DAYS if kind == Communication.Kind.URGENT_APPEAL else COMMUNICATION_REPLY_DAYS
    return received_on + datetime.timedelta(days=days)


def today_for(record: CooperationRecord) -> datetime.date:
    """Today where the member's due dates are kept."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(record.time_zone))


# ---------------------------------------------------------------------------------------------------------
# Helpers


class EntryConflict(ValidationError):
    """Somebody else saved the entry after this person opened it."""

    def __init__(self, entry: VisitRequest | Communication, name: str):
        self.current = entry
        super().__init__(
            _(
                "%(name)s changed this entry at %(time)s, after you opened it. Nothing was saved: your "
                "values are still in the form. Check them against the saved entry, and save again to "
                "replace it."
            ),
            code="edit_conflict",
            params={
                "name": name,
                "time": timezone.localtime(entry.updated_at).strftime("%Y-%m-%d %H:%M %Z"),
            },
        )


def _last_editor_name(entry: VisitRequest | Communication) -> str:
    events = CooperationEvent.objects.select_related("actor")
    if isinstance(entry, VisitRequest):
        event = events.filter(visit=entry).first()
    else:
        event = events.filter(communication=entry).first()
    if event is not None and event.actor is not None:
        return event.actor.full_name
    return _("Someone")


def _record_event(
    *,
    actor: User | None,
    member_id: int,
    action: str,
    visit: VisitRequest | None = None,
    communication: Communication | None = None,
    comment: str = "",
) -> CooperationEvent:
    return CooperationEvent.objects.create(
        actor=actor,
        member_id=member_id,
        action=action,
        visit=visit,
        communication=communication,
        comment=comment,
    )


def _public_changed(member_id: int) -> None:
    """Only a published card is public: nothing else of the record changes what the public sees."""
    if CooperationRecord.objects.filter(member_id=member_id, card_published_at__isnull=False).exists():
        bump_generation()


def _attach_pdf(entry: VisitRequest | Communication, upload: Any) -> None:
    """Checked by content and kept without its metadata, in private storage; the file it replaces is
    removed once the change is committed."""
    try:
        cleaned = clean_pdf_upload(upload)
    except ValidationError as error:
        raise ValidationError({"reply_document": error.messages}) from error
    old_name = entry.reply_document.name if entry.reply_document else ""
    entry.reply_document.save("reply.pdf", ContentFile(cleaned), save=False)
    if old_name:
        storage = entry.reply_document.storage
        transaction.on_commit(lambda: storage.delete(old_name))


def _not_after_today(
    errors: dict[str, str], data: Mapping[str, Any], field: str, today: datetime.date
) -> None:
    value = data.get(field)
    if value and value > today:
        errors.setdefault(field, _("This date is in the future."))


def _confirmation_after_edit(entry: VisitRequest | Communication, actor: User) -> str:
    """An entry changed after its confirmation must be confirmed again, unless the coordinator changed it."""
    if not entry.is_confirmed:
        return ""
    if is_coordinator_of(user=actor, member_id=entry.member_id):
        entry.confirmed_at, entry.confirmed_by = timezone.now(), actor
        return ""
    entry.confirmed_at, entry.confirmed_by = None, None
    return Action.UNCONFIRMED


def _changed_fields(entry: Any, data: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    changed = []
    for field in fields:
        if field not in data:
            continue
        if field == "mandate":
            if entry.mandate_id != _pk(data["mandate"]):
                changed.append(field)
        elif getattr(entry, field) != data[field]:
            changed.append(field)
    return changed


def _pk(value: Any) -> int | None:
    return value.pk if hasattr(value, "pk") else value


# ---------------------------------------------------------------------------------------------------------
# Visit requests


def _validate_visit(data: Mapping[str, Any], today: datetime.date) -> None:
    errors: dict[str, str] = {}
    requested, replied = data.get("requested_on"), data.get("replied_on")
    starts, ends, due = data.get("visit_starts_on"), data.get("visit_ends_on"), data.get("reply_due_on")
    if requested and replied and replied < requested:
        errors["replied_on"] = _("The reply cannot come before the request.")
    if requested and due and due < requested:
        errors["reply_due_on"] = _("The reply cannot be due before the request.")
    if starts and ends and ends < starts:
        errors["visit_ends_on"] = _("The visit cannot end before it starts.")
    _not_after_today(errors, data, "requested_on", today)
    _not_after_today(errors, data, "replied_on", today)
    if errors:
        raise ValidationError(errors)


@records_actor
@transaction.atomic
def visit_save(
    *,
    actor: User,
    member_id: int,
    data: Mapping[str, Any],
    visit_id: int | None = None,
    expected_version: int | None = None,
) -> VisitRequest:
    """Record a visit request (no `visit_id`) or change one. `data` holds the form's fields
    (VISIT_FIELDS, `mandate` as a Mandate or its id, and optionally `reply_document`, an uploaded PDF). An
    empty reply due date becomes two months after the request. A change made by someone else since
    `expected_version` is refused (EntryConflict) and nothing is written."""
    _require_keeper(actor, member_id)
    record = CooperationRecord.objects.select_for_update().get(pk=record_for(Member(pk=member_id)).pk)
    data = dict(data)
    if not data.get("reply_due_on") and data.get("requested_on"):
        data["reply_due_on"] = default_visit_reply_due(data["requested_on"])
    _validate_visit(data, today_for(record))
    if "mandate" in data and data["mandate"] is not None:
        mandate_id = _pk(data["mandate"])
        mandates = Mandate.objects.filter(pk=mandate_id)
        if visit_id is None or not VisitRequest.objects.filter(pk=visit_id, mandate_id=mandate_id).exists():
            mandates = mandates.filter(is_active=True)
        if not mandates.exists():
            raise ValidationError({"mandate": _("Choose one of the current mandates.")})
        data["mandate"] = mandate_id
    upload = data.get("reply_document")
    now = timezone.now()
    if visit_id is None:
        visit = VisitRequest(member_id=member_id, created_by=actor, created_at=now, updated_at=now)
        for field in VISIT_FIELDS:
            if field in data:
                setattr(visit, "mandate_id" if field == "mandate" else field, data[field])
        visit.full_clean(exclude=["reply_document", "member", "mandate"])
        if upload:
            _attach_pdf(visit, upload)
        visit.save()
        _record_event(actor=actor, member_id=member_id, action=Action.VISIT_RECORDED, visit=visit)
    else:
        visit = VisitRequest.objects.select_for_update().filter(pk=visit_id, member_id=member_id).first()
        if visit is None:
            raise PermissionDenied(_("This visit request is not in your member's record."))
        if expected_version is not None and expected_version != visit.version:
            raise EntryConflict(visit, _last_editor_name(visit))
        changed = _changed_fields(visit, data, VISIT_FIELDS)
        if not changed and not upload:
            return visit
        for field in VISIT_FIELDS:
            if field in data:
                setattr(visit, "mandate_id" if field == "mandate" else field, data[field])
        if upload:
            _attach_pdf(visit, upload)
            changed.append("reply_document")
        unconfirmed = _confirmation_after_edit(visit, actor)
        visit.version += 1
        visit.updated_at = now
        visit.full_clean(exclude=["reply_document", "member", "mandate"])
        visit.save()
        _record_event(
            actor=actor,
            member_id=member_id,
            action=Action.VISIT_CHANGED,
            visit=visit,
            comment=", ".join(changed),
        )
        if unconfirmed:
            _record_event(actor=actor, member_id=member_id, action=unconfirmed, visit=visit)
    _public_changed(member_id)
    return visit


# ---------------------------------------------------------------------------------------------------------
# Communications


def _validate_communication(data: Mapping[str, Any], today: datetime.date) -> None:
    errors: dict[str, str] = {}
    received, replied, due = data.get("received_on"), data.get("replied_on"), data.get("reply_due_on")
    if received and replied and replied < received:
        errors["replied_on"] = _("The reply cannot come before the communication was received.")
    if received and due and due < received:
        errors["reply_due_on"] = _("The reply cannot be due before the communication was received.")
    _not_after_today(errors, data, "received_on", today)
    _not_after_today(errors, data, "replied_on", today)
    if errors:
        raise ValidationError(errors)


@records_actor
@transaction.atomic
def communication_save(
    *,
    actor: User,
    member_id: int,
    data: Mapping[str, Any],
    communication_id: int | None = None,
    expected_version: int | None = None,
) -> Communication:
    """Record a communication (no `communication_id`) or change one. `data` holds COMMUNICATION_FIELDS,
    `mandates` (Mandates or ids) and optionally `reply_document` (an uploaded PDF). An empty reply due date
    becomes the default for its type. A change made by someone else since `expected_version` is refused."""
    _require_keeper(actor, member_id)
    record = CooperationRecord.objects.select_for_update().get(pk=record_for(Member(pk=member_id)).pk)
    data = dict(data)
    if data.get("reference"):
        data["reference"] = data["reference"].strip()
    if not data.get("reply_due_on") and data.get("received_on") and data.get("kind"):
        data["reply_due_on"] = default_communication_reply_due(data["received_on"], data["kind"])
    _validate_communication(data, today_for(record))
    if (
        data.get("reference")
        and Communication.objects.filter(member_id=member_id, reference__iexact=data["reference"])
        .exclude(pk=communication_id)
        .exists()
    ):
        raise ValidationError(
            {"reference": _("Your member's record already has a communication with this reference.")}
        )
    mandate_ids = None
    if "mandates" in data:
        mandate_ids = {_pk(m) for m in data["mandates"] or ()}
    upload = data.get("reply_document")
    now = timezone.now()
    if communication_id is None:
        communication = Communication(member_id=member_id, created_by=actor, created_at=now, updated_at=now)
        for field in COMMUNICATION_FIELDS:
            if field in data:
                setattr(communication, field, data[field])
        communication.full_clean(exclude=["reply_document", "member"], validate_unique=False)
        if upload:
            _attach_pdf(communication, upload)
        communication.save()
        if mandate_ids:
            communication.mandates.set(mandate_ids)
        _record_event(
            actor=actor,
            member_id=member_id,
            action=Action.COMMUNICATION_RECORDED,
            communication=communication,
        )
    else:
        communication = (
            Communication.objects.select_for_update().filter(pk=communication_id, member_id=member_id).first()
        )
        if communication is None:
            raise PermissionDenied(_("This communication is not in your member's record."))
        if expected_version is not None and expected_version != communication.version:
            raise EntryConflict(communication, _last_editor_name(communication))
        changed = _changed_fields(communication, data, COMMUNICATION_FIELDS)
        if mandate_ids is not None and mandate_ids != set(
            communication.mandates.values_list("pk", flat=True)
        ):
            changed.append("mandates")
        if not changed and not upload:
            return communication
        for field in COMMUNICATION_FIELDS:
            if field in data:
                setattr(communication, field, data[field])
        if upload:
            _attach_pdf(communication, upload)
            changed.append("reply_document")
        unconfirmed = _confirmation_after_edit(communication, actor)
        communication.version += 1
        communication.updated_at = now
        communication.full_clean(exclude=["reply_document", "member"], validate_unique=False)
        communication.save()
        if mandate_ids is not None:
            communication.mandates.set(mandate_ids)
        _record_event(
            actor=actor,
            member_id=member_id,
            action=Action.COMMUNICATION_CHANGED,
            communication=communication,
            comment=", ".join(changed),
        )
        if unconfirmed:
            _record_event(actor=actor, member_id=member_id, action=unconfirmed, communication=communication)
    _public_changed(member_id)
    return communication


# ---------------------------------------------------------------------------------------------------------
# Follow-up of a visit report's recommendations


@records_actor
@transaction.atomic
def follow_up_save(
    *,
    actor: User,
    visit_id: int,
    recommendation_id: int,
    status: str,
    note: str,
    noted_on: datetime.date,
    story_id: int | None = None,
) -> FollowUp:
    """The member's follow-up of one recommendation made to it, after a visit: created or updated."""
    visit = VisitRequest.objects.select_for_update().select_related("member").filter(pk=visit_id).first()
    if visit is None:
        raise PermissionDenied(_("This visit request is not in your member's record."))
    _require_keeper(actor, visit.member_id)
    recommendation = Recommendation.objects.filter(pk=recommendation_id, country=visit.member.country).first()
    if recommendation is None:
        raise ValidationError(
            {"recommendation": _("Choose a recommendation made to your member.")}, code="not_addressed"
        )
    if status not in FollowUp.Status.values:
        raise ValidationError({"status": _("Choose a status.")}, code="invalid")
    if story_id is not None and not Story.objects.filter(pk=story_id, member_id=visit.member_id).exists():
        raise ValidationError({"story": _("Choose one of your member's own stories.")}, code="not_own_story")
    record = record_for(visit.member)
    if noted_on > today_for(record):
        raise ValidationError({"noted_on": _("This date is in the future.")})
    follow_up = (
        FollowUp.objects.select_for_update().filter(visit=visit, recommendation=recommendation).first()
    )
    if follow_up is None:
        follow_up = FollowUp(visit=visit, recommendation=recommendation)
    follow_up.status, follow_up.note, follow_up.noted_on = status, note, noted_on
    follow_up.story_id, follow_up.updated_by = story_id, actor
    follow_up.save()
    _record_event(
        actor=actor,
        member_id=visit.member_id,
        action=Action.FOLLOW_UP,
        visit=visit,
        comment=f"{recommendation}: {follow_up.status}",
    )
    _public_changed(visit.member_id)
    return follow_up


# ---------------------------------------------------------------------------------------------------------
# Confirmation and standing invitation


@records_actor
@transaction.atomic
def entries_confirm(
    *, actor: User, visit_ids: Iterable[int], communication_ids: Iterable[int]
) -> tuple[list[VisitRequest], list[Communication]]:
    """The coordinator confirms entries of their own member's record, so that they count in the review.
    Entries already confirmed stay as they were."""
    member_id = actor.mission.member_id if getattr(actor, "mission_id", None) else None
    if not is_coordinator_of(user=actor, member_id=member_id):
        raise PermissionDenied(_("Only your member's coordinator confirms entries of its record."))
    visit_ids, communication_ids = set(visit_ids), set(communication_ids)
    visits = list(VisitRequest.objects.select_for_update().filter(pk__in=visit_ids, member_id=member_id))
    communications = list(
        Communication.objects.select_for_update().filter(pk__in=communication_ids, member_id=member_id)
    )
    if len(visits) != len(visit_ids) or len(communications) != len(communication_ids):
        raise PermissionDenied(_("You can only confirm entries of your own member's record."))
    now = timezone.now()
    confirmed_visits = [v for v in visits if not v.is_confirmed]
    confirmed_communications = [c for c in communications if not c.is_confirmed]
    for entry in [*confirmed_visits, *confirmed_communications]:
        entry.confirmed_at, entry.confirmed_by = now, actor
        entry.save(update_fields=["confirmed_at", "confirmed_by"])
    CooperationEvent.objects.bulk_create(
        [
            CooperationEvent(
                actor=actor, member_id=member_id, action=Action.CONFIRMED, visit=v, created_at=now
            )
            for v in confirmed_visits
        ]
        + [
            CooperationEvent(
                actor=actor, member_id=member_id, action=Action.CONFIRMED, communication=c, created_at=now
            )
            for c in confirmed_communications
        ]
    )
    if confirmed_visits or confirmed_communications:
        _public_changed(member_id)
    return confirmed_visits, confirmed_communications


@records_actor
@transaction.atomic
def standing_invitation_save(
    *, actor: User, member_id: int, extended_on: datetime.date | None
) -> CooperationRecord:
    """The date the member extended a standing invitation to all mandate holders, or None when it has not."""
    _require_keeper(actor, member_id)
    record = CooperationRecord.objects.select_for_update().get(pk=record_for(Member(pk=member_id)).pk)
    if extended_on is not None and extended_on > today_for(record):
        raise ValidationError({"extended_on": _("This date is in the future.")})
    if record.standing_invitation_on == extended_on:
        return record
    record.standing_invitation_on = extended_on
    record.save(update_fields=["standing_invitation_on"])
    _record_event(
        actor=actor,
        member_id=member_id,
        action=Action.STANDING_INVITATION,
        comment=extended_on.isoformat() if extended_on else "",
    )
    _public_changed(member_id)
    return record
