"""Reminders of due replies: to a member's coordinators 14 and 3 days before a reply to a visit request or a
communication is due, and to the secretariat (and the coordinators) once it is overdue.

Each reminder is claimed before it is sent: a `DeadlineReminder` row, unique per kind, subject and due date,
so two beats at once, or a beat run twice, queue it once. Sending is claimed too (`sent_at`, under a row
lock), so a task run twice mails once. "Today" is the member's: the due date is kept in its record's time
zone (its mission's), so a reply due on 10 March is overdue from 11 March 00:00 in Geneva, or in New York for
a New York record. A changed due date is reminded of again (the claim is per due date).
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from cooperation.models import Communication, CooperationRecord, DeadlineReminder, VisitRequest
from core.mail import group_by_language, mail_language, site_link, templated_mail
from core.queueing import enqueue_on_commit
from members.models import Member, User

logger = logging.getLogger(__name__)

DEFAULT_TIME_ZONE = "Europe/Zurich"
Kind = DeadlineReminder.Kind
# Most urgent first; the number of days before the due date from which each kind is due.
URGENCY = (Kind.OVERDUE, Kind.DAYS_3, Kind.DAYS_14)
DAYS_BEFORE = {Kind.DAYS_14: 14, Kind.DAYS_3: 3}


# --- which reminder is due ----------------------------------------------------------------------------------


def member_zone(record: CooperationRecord | None) -> zoneinfo.ZoneInfo:
    """The time zone a member's due dates are kept in: its record's, Geneva's without a record (or with a
    zone name this machine does not know)."""
    name = record.time_zone if record is not None and record.time_zone else DEFAULT_TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r in a cooperation record, using %s", name, DEFAULT_TIME_ZONE)
        return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)


def local_today(*, now: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.date:
    return now.astimezone(zone).date()


def due_kind(*, due_on: datetime.date, today: datetime.date) -> str | None:
    """The most urgent reminder due on `today` for a reply due on `due_on`, or None (more than 14 days
    ahead)."""
    days_left = (due_on - today).days
    if days_left < 0:
        return Kind.OVERDUE
    if days_left <= DAYS_BEFORE[Kind.DAYS_3]:
        return Kind.DAYS_3
    if days_left <= DAYS_BEFORE[Kind.DAYS_14]:
        return Kind.DAYS_14
    return None


def _open_entries(model: type[VisitRequest] | type[Communication], *, now: datetime.datetime) -> QuerySet:
    """Entries of current members still waiting for a reply, due within 14 days in some time zone, and not
    yet reminded of as overdue for their present due date (those need nothing more, ever)."""
    field = "visit" if model is VisitRequest else "communication"
    # Every time zone's "today" is within a day of UTC's: a day of margin, and the exact test is per member.
    horizon = now.astimezone(datetime.UTC).date() + datetime.timedelta(days=DAYS_BEFORE[Kind.DAYS_14] + 1)
    overdue_claimed = DeadlineReminder.objects.filter(
        **{field: OuterRef("pk")}, kind=Kind.OVERDUE, due_on=OuterRef("reply_due_on")
    )
    return (
        model.objects.filter(
            replied_on__isnull=True, reply_due_on__lte=horizon, member__status=Member.Status.MEMBER
        )
        .exclude(Exists(overdue_claimed))
        .select_related("member__cooperation")
        .order_by("pk")
    )


def _record(member: Member) -> CooperationRecord | None:
    try:
        return member.cooperation
    except CooperationRecord.DoesNotExist:
        return None


def reminders_queue_due(*, now: datetime.datetime | None = None) -> int:
    """Claim and queue every reminder now due; returns how many were queued. Only the most urgent kind due
    is sent: when several become due at once (an entry recorded late), the less urgent ones are claimed as
    skipped (`sent_at` set, no mail), so they never go out later either."""
    now = now or timezone.now()
    queued = 0
    for model, field in ((VisitRequest, "visit"), (Communication, "communication")):
        for entry in _open_entries(model, now=now):
            today = local_today(now=now, zone=member_zone(_record(entry.member)))
            kind = due_kind(due_on=entry.reply_due_on, today=today)
            if kind is None:
                continue
            if _claim(field=field, entry=entry, kind=kind):
                queued += 1
    return queued


def _claim(*, field: str, entry: VisitRequest | Communication, kind: str) -> bool:
    """Claim `kind` for the entry's present due date and queue it after commit, and claim the less urgent
    kinds as skipped. False when it was claimed before (by this run's predecessor or a concurrent one)."""
    from cooperation.tasks import send_deadline_reminder

    subject = {field: entry, "due_on": entry.reply_due_on}
    claimed_at = timezone.now()  # when it happened, whatever day `now` says it is (the redrive goes by it)
    with transaction.atomic():
        reminder, created = DeadlineReminder.objects.get_or_create(
            **subject, kind=kind, defaults={"claimed_at": claimed_at}
        )
        less_urgent = URGENCY[URGENCY.index(kind) + 1 :]
        if less_urgent:
            # Rows that already exist (sent, or claimed and on their way) are left as they are.
            DeadlineReminder.objects.bulk_create(
                [
                    DeadlineReminder(**subject, kind=other, claimed_at=claimed_at, sent_at=claimed_at)
                    for other in less_urgent
                ],
                ignore_conflicts=True,
            )
        if created:
            # A less urgent reminder claimed earlier and not sent yet (its task lost, say) is overtaken.
            DeadlineReminder.objects.filter(**subject, kind__in=less_urgent, sent_at__isnull=True).update(
                sent_at=claimed_at
            )
            enqueue_on_commit(send_deadline_reminder, reminder.pk)
    return created


def reminders_requeue(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> int:
    """Queue again the reminders claimed more than `older_than` ago and never sent (the broker did not take
    their task, or a worker died). Sending is claimed, so this cannot mail twice."""
    from cooperation.tasks import send_deadline_reminder

    cutoff = timezone.now() - older_than
    count = 0
    unsent = DeadlineReminder.objects.filter(sent_at__isnull=True, claimed_at__lt=cutoff)
    for reminder_id in unsent.values_list("pk", flat=True):
        send_deadline_reminder.delay(reminder_id)
        count += 1
    return count


# --- sending ------------------------------------------------------------------------------------------------


def _still_due(reminder: DeadlineReminder) -> bool:
    """Nothing to remind of when the reply came, the due date moved (its own reminders are claimed anew),
    the member left the coalition since the claim, or a more urgent reminder of it was claimed meanwhile."""
    entry = reminder.visit or reminder.communication
    more_urgent = URGENCY[: URGENCY.index(reminder.kind)]
    return bool(
        entry is not None
        and entry.replied_on is None
        and entry.reply_due_on == reminder.due_on
        and entry.member.status == Member.Status.MEMBER
        and not DeadlineReminder.objects.filter(
            visit_id=reminder.visit_id,
            communication_id=reminder.communication_id,
            due_on=reminder.due_on,
            kind__in=more_urgent,
        ).exists()
    )


def _entry_link(reminder: DeadlineReminder, *, secretariat: bool) -> str:
    """The entry's page for the member's people (in the active language), its admin page for the
    secretariat."""
    if reminder.visit_id:
        name, model, pk = "visit_edit", "visitrequest", reminder.visit_id
    else:
        name, model, pk = "communication_edit", "communication", reminder.communication_id
    if secretariat:
        try:
            return site_link(reverse(f"admin:cooperation_{model}_change", args=[pk]))
        except NoReverseMatch:  # not (yet) in the admin: the secretariat's dashboard
            return site_link(reverse("my_cooperation:dashboard"))
    return site_link(reverse(f"my_cooperation:{name}", kwargs={"pk": pk}))


def _context(reminder: DeadlineReminder, *, zone: zoneinfo.ZoneInfo, secretariat: bool) -> dict:
    entry = reminder.visit or reminder.communication
    return {
        "reminder": reminder,
        "kind": reminder.kind,
        "is_visit": reminder.visit_id is not None,
        # The mandate for a visit request, the reference for a communication: never the note.
        "subject": str(entry.mandate) if reminder.visit_id else entry.reference,
        "member": entry.member,
        "due_on": reminder.due_on,
        "time_zone": zone.key,
        "for_secretariat": secretariat,
        "link": _entry_link(reminder, secretariat=secretariat),
    }


def _mails(reminder: DeadlineReminder) -> list:
    entry = reminder.visit or reminder.communication
    zone = member_zone(_record(entry.member))
    coordinators = User.objects.coordinators().filter(mission__member_id=entry.member_id).order_by("email")
    mails = []
    people = [(user.email, user.language) for user in coordinators]
    for language, addresses in group_by_language(people).items():
        with translation.override(language):
            mails.append(
                templated_mail(
                    template="cooperation/email/deadline_reminder",
                    to=addresses,
                    language=language,
                    context=_context(reminder, zone=zone, secretariat=False),
                )
            )
    if reminder.kind == Kind.OVERDUE:
        language = mail_language("en")
        with translation.override(language):
            mails.append(
                templated_mail(
                    template="cooperation/email/deadline_overdue_secretariat",
                    to=[settings.SECRETARIAT_EMAIL],
                    language=language,
                    context={
                        **_context(reminder, zone=zone, secretariat=True),
                        "coordinators_told": bool(coordinators),
                    },
                )
            )
    elif not mails:
        logger.warning("deadline reminder %s: the member has no active coordinator to remind", reminder.pk)
    return mails


def reminder_send(*, reminder_id: int) -> bool:
    """Send one claimed reminder, once: the row stays locked from the check of `sent_at` to its marking, so
    a task run twice (a redelivery, the redrive) mails once. Returns False when nothing was sent: already
    sent, or no longer due (then marked as handled, so it is not queued again)."""
    with transaction.atomic():
        reminder = (
            DeadlineReminder.objects.select_for_update(of=("self",))
            .select_related(
                "visit__member__cooperation",
                "visit__mandate",
                "communication__member__cooperation",
            )
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.sent_at is not None:
            return False
        mails = _mails(reminder) if _still_due(reminder) else []
        # Every mail is built before the first leaves: one that cannot be built stops them all.
        for message in mails:
            message.send()
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])
    return bool(mails)
