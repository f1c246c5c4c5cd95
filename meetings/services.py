"""Changes to meetings: saving (with calendar sequence), confirming, holding and cancelling (each with its
history row), invitations, cancellation notices and reminders.

Views, admin actions and tasks call these functions; nothing else writes a meeting's status. Each change of
status locks the row, checks the actor's right and the model's transition table, writes the change and a
MeetingEvent in one transaction, and queues its mail after commit. Every mail task is safe to run twice: see
"Mail delivery" in docs/architecture.md for which mails are sent at least once and which at most once.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import acting_as
from core.mail import mail_language, site_link, templated_mail
from core.queueing import enqueue_on_commit
from core.slugs import unique_slug
from meetings.calendar import calendar_bytes
from meetings.models import Meeting, MeetingEvent, Participant, Reminder
from meetings.tasks import send_cancellation, send_participant_invitation, send_reminder
from members.models import User

REMINDER_OFFSETS = {
    Reminder.Kind.WEEK: datetime.timedelta(days=7),
    Reminder.Kind.DAY: datetime.timedelta(days=1),
}

# ---------------------------------------------------------------------------------------------------------
# Who may do what


def can_manage(*, user: User | None) -> bool:
    """The secretariat confirms, holds and cancels meetings and sends their invitations."""
    return bool(user is not None and user.is_active and user.has_perm("meetings.manage_meeting"))


def _require_manager(actor: User | None) -> None:
    if not can_manage(user=actor):
        raise PermissionDenied(
            _("Only the secretariat confirms, holds or cancels meetings and invites to them.")
        )


# ---------------------------------------------------------------------------------------------------------
# Saving


def _store(meeting: Meeting) -> Meeting:
    meeting.updated_at = timezone.now()
    meeting.full_clean()
    meeting.save()  # the public cache goes stale by itself (MeetingsConfig.ready)
    return meeting


@transaction.atomic
def meeting_save(*, meeting: Meeting) -> Meeting:
    """Create a meeting, or save its details; an existing one gets a new calendar sequence so calendars
    replace their copy. The status of an existing meeting stays as stored: it changes only through
    meeting_confirm, meeting_mark_held and meeting_cancel, which write its history and tell people."""
    if not meeting.slug:
        meeting.slug = unique_slug(
            f"{meeting.title} {meeting.starts_at:%Y}",
            taken=Meeting.objects.exclude(pk=meeting.pk),
            fallback="meeting",
        )
    if meeting.pk:
        stored = Meeting.objects.select_for_update().only("sequence", "status").get(pk=meeting.pk)
        meeting.status = stored.status
        meeting.sequence = stored.sequence + 1
    return _store(meeting)


def overlapping(meeting: Meeting) -> QuerySet:
    """Other meetings at the same place whose times overlap this one's (cancelled ones do not count)."""
    others = Meeting.objects.filter(
        city=meeting.city, starts_at__lt=meeting.ends_at, ends_at__gt=meeting.starts_at
    ).exclude(status=Meeting.Status.CANCELLED)
    if meeting.city == Meeting.City.OTHER:
        others = others.filter(place__iexact=meeting.place)
    return others.exclude(pk=meeting.pk)


# ---------------------------------------------------------------------------------------------------------
# Confirming, holding, cancelling


def _transition(
    *, meeting_id: int, actor: User, action: str, comment: str = "", outcome_summary: str | None = None
) -> tuple[Meeting, MeetingEvent]:
    """Lock the meeting, check the transition table, write the new status (with a new calendar sequence)
    and its history row. The caller is inside a transaction and has checked the actor's right."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    sources, target = Meeting.TRANSITIONS[action]
    if meeting.status not in sources:
        raise ValidationError(
            _("This meeting is %(status)s; it cannot be %(action)s."),
            code="invalid_transition",
            params={
                "status": meeting.get_status_display().lower(),
                "action": Meeting.Action(action).label,
            },
        )
    if outcome_summary is not None:
        outcome_summary = (outcome_summary or meeting.outcome_summary).strip()
        if not outcome_summary:
            raise ValidationError(
                {
                    "outcome_summary": ValidationError(
                        _("Write the outcome summary before marking the meeting as held."),
                        code="outcome_required",
                    )
                }
            )
        meeting.outcome_summary = outcome_summary
        comment = comment or outcome_summary  # the history keeps the outcome as it was when marked held
    from_status = meeting.status
    meeting.status = target
    meeting.sequence += 1  # calendars that imported the meeting replace their copy
    with acting_as(actor):  # the audit trail names the actor, whatever called the service
        _store(meeting)
    event = MeetingEvent.objects.create(
        meeting=meeting,
        actor=actor,
        created_at=meeting.updated_at,
        action=action,
        from_status=from_status,
        to_status=target,
        comment=comment,
    )
    return meeting, event


@transaction.atomic
def meeting_confirm(*, meeting_id: int, actor: User, comment: str = "") -> Meeting:
    """A planned meeting is confirmed: calendars show it as confirmed instead of tentative."""
    _require_manager(actor)
    meeting, _event = _transition(
        meeting_id=meeting_id, actor=actor, action=Meeting.Action.CONFIRM, comment=(comment or "").strip()
    )
    return meeting


@transaction.atomic
def meeting_mark_held(*, meeting_id: int, actor: User, outcome_summary: str) -> Meeting:
    """A confirmed meeting took place; its outcome summary (given now, or written before in the change form)
    is published on its page and kept in its history."""
    _require_manager(actor)
    meeting, _event = _transition(
        meeting_id=meeting_id,
        actor=actor,
        action=Meeting.Action.MARK_HELD,
        outcome_summary=outcome_summary or "",
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting_id: int, actor: User, message: str = "") -> Meeting:
    """Cancel a planned or confirmed meeting; everyone invited with an address (who has not declined) is
    told once, with a calendar update that removes it. The message is kept in the history, where the
    cancellation notices read it."""
    _require_manager(actor)
    meeting, _event = _transition(
        meeting_id=meeting_id, actor=actor, action=Meeting.Action.CANCEL, comment=(message or "").strip()
    )
    told = meeting.participants.exclude(email="").exclude(invitation_status=Participant.Invitation.DECLINED)
    participant_ids = list(told.values_list("pk", flat=True))
    # Who is owed a notice: one the broker never took is queued again by meeting_mails_requeue.
    Participant.objects.filter(pk__in=participant_ids).update(cancellation_requested_at=meeting.updated_at)
    for participant_id in participant_ids:
        enqueue_on_commit(send_cancellation, participant_id)
    return meeting


# ---------------------------------------------------------------------------------------------------------
# Mail


def _mail(
    *, template: str, to: str, language: str, context: dict, meeting: Meeting, method: str = "PUBLISH"
) -> None:
    """One mail about the meeting to one address, in `language`: subject, text, the link (with the
    language's URL prefix) and the calendar file (its place and link; title and description stay the
    meeting's own)."""
    language = mail_language(language)
    with translation.override(language):
        message = templated_mail(
            template=f"meetings/email/{template}",
            to=[to],
            language=language,
            context={**context, "meeting": meeting, "link": site_link(meeting.get_absolute_url())},
            attachments=[
                (
                    f"{meeting.slug}.ics",
                    calendar_bytes([meeting], method=method),
                    f"text/calendar; charset=utf-8; method={method}",
                )
            ],
        )
    message.send()


@transaction.atomic
def meeting_send_invitations(*, meeting_id: int, actor: User) -> tuple[list[Participant], list[Participant]]:
    """Start an invitation round: queue an invitation for each invited or confirmed participant with an email
    address, whether or not an earlier round reached them (the secretariat sends again on purpose, after a
    change). Within a round each person gets one mail, however often its task runs.
    Returns (queued, without email)."""
    _require_manager(actor)
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    if not meeting.is_open:
        raise ValidationError(
            _("“%(meeting)s” is %(status)s: no invitations are sent for it."),
            code="not_open",
            params={"meeting": meeting, "status": meeting.get_status_display().lower()},
        )
    queued, without_email = [], []
    for participant in meeting.participants.filter(
        invitation_status__in=[Participant.Invitation.INVITED, Participant.Invitation.CONFIRMED]
    ):
        (without_email if not participant.email else queued).append(participant)
    now = timezone.now()
    # The new round: owed again, even to those an earlier round reached. A task already queued for an
    # earlier round that has not run yet sends this round's mail; the next one finds it sent.
    Participant.objects.filter(pk__in=[p.pk for p in queued]).update(
        invitation_requested_at=now, invitation_sent_at=None
    )
    for participant in queued:
        enqueue_on_commit(send_participant_invitation, participant.pk)
    return queued, without_email


def _mail_participant_once(*, participant_id: int, sent_field: str, send) -> bool:
    """Send one participant a mail at least once and, short of a crash between the mail server's answer
    and the commit, once: the row stays locked from the check of `sent_field` to its marking.
    `send(participant)` mails and returns True, or returns False when the mail is no longer due."""
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("meeting")
            .filter(pk=participant_id)
            .first()
        )
        if participant is None or not participant.email or getattr(participant, sent_field) is not None:
            return False
        if not send(participant):
            return False
        setattr(participant, sent_field, timezone.now())
        participant.save(update_fields=[sent_field])
    return True


def participant_send_invitation(*, participant_id: int) -> bool:
    """Send the participant the invitation of the current round (see `_mail_participant_once`)."""

    def send(participant: Participant) -> bool:
        meeting = participant.meeting
        if not meeting.is_open:
            return False  # cancelled (or over) since the round was started
        _mail(
            template="invitation",
            to=participant.email,
            language=participant.language,
            context={"participant": participant},
            meeting=meeting,
        )
        return True

    return _mail_participant_once(participant_id=participant_id, sent_field="invitation_sent_at", send=send)


def participant_send_cancellation(*, participant_id: int, message: str | None = None) -> bool:
    """Tell one participant that the meeting is cancelled (see `_mail_participant_once`). The message is the
    one written when the meeting was cancelled; `message` is only given by tasks queued before it was kept
    in the history."""

    def send(participant: Participant) -> bool:
        meeting = participant.meeting
        if meeting.status != Meeting.Status.CANCELLED:
            return False
        text = message
        if text is None:
            cancelled = meeting.events.filter(action=Meeting.Action.CANCEL).order_by("-created_at").first()
            text = cancelled.comment if cancelled else ""
        _mail(
            template="cancellation",
            to=participant.email,
            language=participant.language,
            context={"participant": participant, "message": text},
            meeting=meeting,
            method="CANCEL",  # calendar programs remove the event
        )
        return True

    return _mail_participant_once(participant_id=participant_id, sent_field="cancellation_sent_at", send=send)


def meeting_mails_requeue(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> int:
    """Queue again the invitations and cancellation notices the broker never took (still owed, asked for
    more than `older_than` ago), while they still matter: invitations to open meetings not yet started,
    notices of cancelled meetings not yet over. Both tasks are safe to run twice."""
    now = timezone.now()
    cutoff = now - older_than
    invitations = Participant.objects.filter(
        invitation_requested_at__lt=cutoff,
        invitation_sent_at__isnull=True,
        meeting__status__in=Meeting.OPEN_STATUSES,
        meeting__starts_at__gt=now,
    ).exclude(email="")
    cancellations = Participant.objects.filter(
        cancellation_requested_at__lt=cutoff,
        cancellation_sent_at__isnull=True,
        meeting__status=Meeting.Status.CANCELLED,
        meeting__ends_at__gt=now,
    ).exclude(email="")
    count = 0
    for participant_id in invitations.values_list("pk", flat=True):
        send_participant_invitation.delay(participant_id)
        count += 1
    for participant_id in cancellations.values_list("pk", flat=True):
        send_cancellation.delay(participant_id)
        count += 1
    return count


# --- reminders ----------------------------------------------------------------------------------------------


def reminder_recipients(meeting: Meeting) -> list[str]:
    """Confirmed participants with an address, and the active coordinators of the co-chairs' missions."""
    emails = set(
        meeting.participants.filter(invitation_status=Participant.Invitation.CONFIRMED)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    emails |= set(
        User.objects.coordinators()
        .filter(mission__member__in=meeting.co_chairs.all())
        .values_list("email", flat=True)
    )
    return sorted(email.lower() for email in emails)


def reminders_queue_due(*, now: datetime.datetime | None = None) -> int:
    """Claim and queue every reminder that is due. Each (meeting, address, kind) is claimed once, by a
    unique row, so a second run, or two beats at once, queue nothing new."""
    now = now or timezone.now()
    queued = 0
    horizon = now + REMINDER_OFFSETS[Reminder.Kind.WEEK]
    meetings = Meeting.objects.filter(starts_at__gt=now, starts_at__lte=horizon).exclude(
        status=Meeting.Status.CANCELLED
    )
    for meeting in meetings.prefetch_related("co_chairs"):
        kind = (
            Reminder.Kind.DAY
            if meeting.starts_at - now <= REMINDER_OFFSETS[Reminder.Kind.DAY]
            else Reminder.Kind.WEEK
        )
        for email in reminder_recipients(meeting):
            try:
                with transaction.atomic():
                    reminder = Reminder.objects.create(meeting=meeting, email=email, kind=kind)
                    enqueue_on_commit(send_reminder, reminder.pk)
            except IntegrityError:
                continue  # claimed by an earlier run
            queued += 1
    # Claimed but never sent (a worker died between the claim and the queueing): queue them again; sending
    # is itself claimed, so this cannot send twice.
    for reminder_id in Reminder.objects.filter(
        sent_at__isnull=True, created_at__lt=now - datetime.timedelta(minutes=10), meeting__starts_at__gt=now
    ).values_list("pk", flat=True):
        send_reminder.delay(reminder_id)
    return queued


def reminder_language(reminder: Reminder) -> str:
    """The language of the person behind a reminder's address, found when it is sent: the participant of
    that meeting with that address, else the account with it (a co-chair's coordinator), else the site's
    default."""
    language = (
        reminder.meeting.participants.filter(email__iexact=reminder.email)
        .order_by("pk")
        .values_list("language", flat=True)
        .first()
    ) or User.objects.filter(email__iexact=reminder.email).values_list("language", flat=True).first()
    return mail_language(language)


def reminder_send(*, reminder_id: int) -> bool:
    """Send one reminder at most once: the row is marked sent before the mail leaves (a crash in between
    loses one reminder rather than sending it twice)."""
    claimed = Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(sent_at=timezone.now())
    if not claimed:
        return False
    reminder = Reminder.objects.select_related("meeting").get(pk=reminder_id)
    meeting = reminder.meeting
    if meeting.status == Meeting.Status.CANCELLED:
        return False
    _mail(
        template="reminder",
        to=reminder.email,
        language=reminder_language(reminder),
        context={"reminder": reminder},
        meeting=meeting,
    )
    return True
