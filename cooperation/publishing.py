"""Publishing a member's cooperation card, and withdrawing it: the member's coordinator's choice alone.

Until a member publishes its card, nothing of its record is public; the card shows the review figures of the
year it chose and its visits, never the content of communications (only their counts).
"""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.models import CooperationEvent, CooperationRecord
from core.audit import records_actor
from core.public_cache import bump_generation
from members.models import Member, Mission, User

FIRST_YEAR = 2000


def can_publish(*, user: User | None, member_id: int) -> bool:
    """Only the member's own active contact-group coordinator publishes or withdraws its card."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role == User.Role.COORDINATOR
        and user.mission_id
        and user.mission.member_id == member_id
    )


def publishable_years(record: CooperationRecord | None) -> list[int]:
    """The years whose figures may be published, newest first: the current one (in the record's time zone)
    and the past ones."""
    zone = zoneinfo.ZoneInfo(record.time_zone if record is not None else "Europe/Zurich")
    this_year = timezone.localdate(timezone=zone).year
    return list(range(this_year, FIRST_YEAR - 1, -1))


def _locked_record(member_id: int) -> CooperationRecord:
    member = Member.objects.filter(pk=member_id).prefetch_related("missions").first()
    if member is None:
        raise ValidationError(_("This member does not exist."), code="no_member")
    kinds = {mission.kind for mission in member.missions.all()}
    # Kept in the New York mission's time zone only when the member has no mission in Geneva.
    zone = "America/New_York" if kinds == {Mission.Kind.NEW_YORK} else "Europe/Zurich"
    CooperationRecord.objects.get_or_create(member_id=member_id, defaults={"time_zone": zone})
    return CooperationRecord.objects.select_for_update().get(member_id=member_id)


@records_actor
@transaction.atomic
def card_publish(*, actor: User, member_id: int, year: int) -> CooperationRecord:
    """Publish the member's card with the figures of `year` (or change the year of a published card)."""
    if not can_publish(user=actor, member_id=member_id):
        raise PermissionDenied(
            _("Only the member's contact-group coordinator publishes its cooperation card.")
        )
    record = _locked_record(member_id)
    if year not in publishable_years(record):
        raise ValidationError(
            _("Choose the current year or a past year, from %(first)s."),
            code="year",
            params={"first": FIRST_YEAR},
        )
    republishing = record.is_published
    record.card_published_at = timezone.now()
    record.card_published_by = actor
    record.card_year = year
    record.save(update_fields=["card_published_at", "card_published_by", "card_year"])
    CooperationEvent.objects.create(
        member_id=member_id,
        actor=actor,
        action="card_republished" if republishing else "card_published",
        comment=str(year),
    )
    bump_generation()
    return record


@records_actor
@transaction.atomic
def card_withdraw(*, actor: User, member_id: int) -> CooperationRecord:
    """Take the member's card down: its page, its line in the list and in the open data disappear."""
    if not can_publish(user=actor, member_id=member_id):
        raise PermissionDenied(
            _("Only the member's contact-group coordinator withdraws its cooperation card.")
        )
    record = _locked_record(member_id)
    if not record.is_published:
        raise ValidationError(_("This member's cooperation card is not published."), code="not_published")
    year = record.card_year
    record.card_published_at = None
    record.card_published_by = None
    record.card_year = None
    record.save(update_fields=["card_published_at", "card_published_by", "card_year"])
    CooperationEvent.objects.create(
        member_id=member_id, actor=actor, action="card_withdrawn", comment=str(year or "")
    )
    bump_generation()
    return record


def published_records():
    """The cards the public sees: published by a member the public sees (never an applicant's)."""
    return CooperationRecord.objects.filter(
        card_published_at__isnull=False, card_year__isnull=False, member__in=Member.objects.public()
    )
