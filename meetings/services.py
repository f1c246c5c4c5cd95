"""Changes to meetings: saving (with calendar sequence), invitations, holding, cancelling, reminders."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.mail import site_link, templated_mail
from core.queueing import enqueue_on_commit
from core.slugs import unique_slug
from meetings.calendar import calendar_bytes
from meetings.models import Meeting, Participant, Reminder
from members.models import User

REMINDER_OFFSETS = {
    Reminder.Kind.WEEK: datetime.timedelta(days=7),
    Reminder.Kind.DAY: datetime.timedelta(days=1),
}


def meeting_save(*, meeting: Meeting) -> Meeting:
    """Save a meeting; an existing one gets a new calendar sequence so calendars replace their copy."""
    if not meeting.slug:
        meeting.slug = unique_slug(
            f"{meeting.title} {meeting.starts_at:%Y}",
            taken=Meeting.objects.exclude(pk=meeting.pk),
            fallback="meeting",
        )
    if meeting.pk:
        meeting.sequence = Meeting.objects.filter(pk=meeting.pk).values_list("sequence", flat=True).get() + 1
    meeting.updated_at = timezone.now()
    meeting.full_clean()
    meeting.save()  # the public cache goes stale by itself (MeetingsConfig.ready)
    return meeting


def overlapping(meeting: Meeting) -> QuerySet:
    """Other meetings at the same place whose times overlap this one's (cancelled ones do not count)."""
    others = Meeting.objects.filter(
        city=meeting.city, starts_at__lt=meeting.ends_at, ends_at__gt=meeting.starts_at
    ).exclude(status=Meeting.Status.CANCELLED)
    if meeting.city == Meeting.City.OTHER:
        others = others.filter(place__iexact=meeting.place)
    return others.exclude(pk=meeting.pk)


# --- invitations ------------------------------------------------------------------------------------------


def meeting_send_invitations(*, meeting: Meeting) -> tuple[list[Participant], list[Participant]]:
    """Queue an invitation for each invited or confirmed participant with an email address.
    Returns (queued, without email)."""
    from meetings.tasks import send_participant_invitation

    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("“%(meeting)s” is cancelled."), code="cancelled", params={"meeting": meeting})
    queued, without_email = [], []
    for participant in meeting.participants.filter(
        invitation_status__in=[Participant.Invitation.INVITED, Participant.Invitation.CONFIRMED]
    ):
        if not participant.email:
            without_email.append(participant)
            continue
        enqueue_on_commit(send_participant_invitation, participant.pk)
        queued.append(participant)
    return queued, without_email


def _mail(
    *, template: str, subject: str, to: list[str], context: dict, meeting: Meeting, method: str = "PUBLISH"
) -> None:
    message = templated_mail(
        template=f"meetings/email/{template}",
        subject=subject,
        to=to,
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


def participant_send_invitation(*, participant_id: int) -> bool:
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("meeting")
            .filter(pk=participant_id)
            .first()
        )
        if participant is None or not participant.email:
            return False
        meeting = participant.meeting
        _mail(
            template="invitation",
            subject=_("Invitation: %(title)s") % {"title": meeting.title},
            to=[participant.email],
            context={"participant": participant},
            meeting=meeting,
        )
        participant.invitation_sent_at = timezone.now()
        participant.save(update_fields=["invitation_sent_at"])
    return True


# --- holding and cancelling ---------------------------------------------------------------------------------


@transaction.atomic
def meeting_mark_held(*, meeting_id: int, outcome_summary: str) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
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
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("A cancelled meeting cannot be marked as held."), code="cancelled")
    meeting.outcome_summary = outcome_summary
    meeting.status = Meeting.Status.HELD
    return meeting_save(meeting=meeting)


@transaction.atomic
def meeting_cancel(*, meeting_id: int, message: str = "") -> Meeting:
    """Cancel a meeting; everyone invited with an address is told, with a calendar update that removes it."""
    from meetings.tasks import send_cancellation

    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.HELD):
        raise ValidationError(
            _("This meeting is %(status)s; it cannot be cancelled."),
            code="cannot_cancel",
            params={"status": meeting.get_status_display().lower()},
        )
    meeting.status = Meeting.Status.CANCELLED
    meeting_save(meeting=meeting)
    for participant in meeting.participants.exclude(email="").exclude(
        invitation_status=Participant.Invitation.DECLINED
    ):
        enqueue_on_commit(send_cancellation, participant.pk, message.strip())
    return meeting


def participant_send_cancellation(*, participant_id: int, message: str = "") -> bool:
    participant = Participant.objects.select_related("meeting").filter(pk=participant_id).first()
    if participant is None or not participant.email:
        return False
    meeting = participant.meeting
    _mail(
        template="cancellation",
        subject=_("Cancelled: %(title)s") % {"title": meeting.title},
        to=[participant.email],
        context={"participant": participant, "message": message},
        meeting=meeting,
        method="CANCEL",  # calendar programs remove the event
    )
    return True


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
    from meetings.tasks import send_reminder

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
        subject=_("Reminder: %(title)s, %(date)s")
        % {"title": meeting.title, "date": meeting.local_start.strftime("%d %B %Y, %H:%M")},
        to=[reminder.email],
        context={"reminder": reminder},
        meeting=meeting,
    )
    return True
