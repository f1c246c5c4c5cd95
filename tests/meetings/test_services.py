"""The meetings services: saving with a calendar sequence, overlaps, the workflow (every allowed and every
forbidden change, who may make it, its history), invitations by rounds and cancellation notices that a second
task run does not send again, the requeue of mails the broker never took, and reminders sent at most once."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from icalendar import Calendar

from meetings import services
from meetings.models import Meeting, MeetingEvent, Participant, Reminder
from meetings.tasks import send_cancellation, send_participant_invitation
from tests import factories
from tests.meetings.factories import MeetingFactory, ParticipantFactory, in_days, local, uid, utc

pytestmark = pytest.mark.django_db

P = Participant.Invitation


def error_codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {item.code for items in error.error_dict.values() for item in items}
    return {item.code for item in error.error_list}


def calendar_of(message) -> Calendar:
    """The .ics attached to a mail, parsed."""
    (attachment,) = [a for a in message.attachments if a[2].startswith("text/calendar")]
    filename, content, _mimetype = attachment
    assert filename.endswith(".ics")
    return Calendar.from_ical(content)


def recipients(mailoutbox) -> list[str]:
    return sorted(address for message in mailoutbox for address in message.to)


# ---------------------------------------------------------------------------------------------------------
# Saving


def test_meeting_save_makes_a_slug_from_the_title_and_year():
    meeting = MeetingFactory(title="Access to Justice for All", starts_at=utc("2027-01-14 09:00"))

    assert meeting.slug == "access-to-justice-for-all-2027"


def test_meeting_save_keeps_slugs_unique():
    first = MeetingFactory(title="Contact group", starts_at=utc("2027-01-14 09:00"))
    second = MeetingFactory(title="Contact group", starts_at=utc("2027-02-14 09:00"))
    third = MeetingFactory(title="Contact group", starts_at=utc("2027-03-14 09:00"))

    assert [first.slug, second.slug, third.slug] == [
        "contact-group-2027",
        "contact-group-2027-2",
        "contact-group-2027-3",
    ]


def test_meeting_save_keeps_a_slug_that_was_given():
    meeting = MeetingFactory(slug="unga-82-launch")

    assert meeting.slug == "unga-82-launch"


def test_meeting_save_raises_the_sequence_on_each_save():
    meeting = MeetingFactory()
    assert meeting.sequence == 0

    meeting.venue = "Palais Wilson"
    services.meeting_save(meeting=meeting)
    services.meeting_save(meeting=meeting)

    meeting.refresh_from_db()
    assert meeting.sequence == 2
    assert meeting.venue == "Palais Wilson"


def test_meeting_save_counts_from_the_stored_sequence_not_a_stale_copy():
    meeting = MeetingFactory()
    stale = Meeting.objects.get(pk=meeting.pk)
    services.meeting_save(meeting=meeting)

    services.meeting_save(meeting=stale)

    assert Meeting.objects.get(pk=meeting.pk).sequence == 2


def test_meeting_save_refuses_invalid_meetings_and_saves_nothing():
    meeting = MeetingFactory.build(starts_at=utc("2027-01-14 11:00"), ends_at=utc("2027-01-14 10:00"))

    with pytest.raises(ValidationError):
        services.meeting_save(meeting=meeting)

    assert not Meeting.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# Overlaps


def test_overlapping_finds_meetings_at_the_same_place_and_time(secretariat_user):
    start = local("Europe/Zurich", "2027-01-14 10:00")
    hour = datetime.timedelta(hours=1)
    meeting = MeetingFactory(title="Ours", starts_at=start, ends_at=start + 2 * hour)
    overlapping = MeetingFactory(title="Overlapping", starts_at=start + hour, ends_at=start + 3 * hour)
    MeetingFactory(title="Right after", starts_at=start + 2 * hour, ends_at=start + 3 * hour)
    MeetingFactory(title="In New York", new_york=True, starts_at=start, ends_at=start + 2 * hour)
    cancelled = MeetingFactory(title="Cancelled", starts_at=start, ends_at=start + 2 * hour)
    services.meeting_cancel(meeting_id=cancelled.pk, actor=secretariat_user)

    assert list(services.overlapping(meeting)) == [overlapping]


def test_overlapping_elsewhere_compares_the_place():
    start = local("Asia/Jakarta", "2027-03-02 10:00")
    end = start + datetime.timedelta(hours=2)
    meeting = MeetingFactory(elsewhere=True, starts_at=start, ends_at=end)
    same_place = MeetingFactory(elsewhere=True, place="JAKARTA", starts_at=start, ends_at=end)
    MeetingFactory(elsewhere=True, place="Bandung", starts_at=start, ends_at=end)

    assert list(services.overlapping(meeting)) == [same_place]


# ---------------------------------------------------------------------------------------------------------
# The workflow: every status against every action

ALLOWED = [
    ("planned", "confirm", "confirmed"),
    ("confirmed", "mark_held", "held"),
    ("planned", "cancel", "cancelled"),
    ("confirmed", "cancel", "cancelled"),
]
FORBIDDEN = [
    (status, action)
    for status in Meeting.Status.values
    for action in Meeting.Action.values
    if (status, action) not in {(start, act) for start, act, _end in ALLOWED}
]


def meeting_in(status: str) -> Meeting:
    """A meeting created in `status` (a new meeting may be entered in any status, e.g. after the fact)."""
    if status == Meeting.Status.HELD:
        return MeetingFactory(held=True, starts_at=in_days(-3))
    return MeetingFactory(status=status)


def act(action: str, meeting: Meeting, actor, text: str = "") -> Meeting:
    """Call the service of `action` with `text` as its comment, outcome or message."""
    if action == Meeting.Action.CONFIRM:
        return services.meeting_confirm(meeting_id=meeting.pk, actor=actor, comment=text)
    if action == Meeting.Action.MARK_HELD:
        return services.meeting_mark_held(meeting_id=meeting.pk, actor=actor, outcome_summary=text)
    return services.meeting_cancel(meeting_id=meeting.pk, actor=actor, message=text)


def test_every_status_and_action_is_covered_below():
    assert len(ALLOWED) + len(FORBIDDEN) == len(Meeting.Status.values) * len(Meeting.Action.values) == 12


@pytest.mark.parametrize(("start", "action", "end"), ALLOWED)
def test_each_allowed_change_sets_the_status_raises_the_sequence_and_writes_its_history(
    start, action, end, secretariat_user, django_capture_on_commit_callbacks
):
    meeting = meeting_in(start)

    with django_capture_on_commit_callbacks(execute=True):
        act(action, meeting, secretariat_user, "  Agreed with both co-chairs.  ")

    meeting.refresh_from_db()
    assert meeting.status == end
    assert meeting.sequence == 1
    (event,) = MeetingEvent.objects.all()
    assert (event.meeting, event.actor, event.action, event.from_status, event.to_status, event.comment) == (
        meeting,
        secretariat_user,
        action,
        start,
        end,
        "Agreed with both co-chairs.",
    )
    assert event.created_at == meeting.updated_at


@pytest.mark.parametrize(("start", "action"), FORBIDDEN)
def test_each_forbidden_change_is_refused_and_changes_writes_and_sends_nothing(
    start, action, secretariat_user, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = meeting_in(start)
    participant = ParticipantFactory(meeting=meeting)

    with pytest.raises(ValidationError) as raised, django_capture_on_commit_callbacks(execute=True):
        act(action, meeting, secretariat_user, "Happened after all.")

    assert error_codes(raised.value) == {"invalid_transition"}
    after = Meeting.objects.get(pk=meeting.pk)
    assert (after.status, after.sequence, after.updated_at) == (start, 0, meeting.updated_at)
    assert not MeetingEvent.objects.exists()
    assert mailoutbox == []
    participant.refresh_from_db()
    assert participant.cancellation_requested_at is None


def test_the_refusal_says_what_the_meeting_is_and_what_cannot_be_done(secretariat_user):
    meeting = meeting_in(Meeting.Status.CANCELLED)

    with pytest.raises(ValidationError) as raised:
        act(Meeting.Action.MARK_HELD, meeting, secretariat_user, "It happened after all.")

    assert raised.value.messages == ["This meeting is cancelled; it cannot be marked as held."]


@pytest.mark.parametrize("action", Meeting.Action.values)
@pytest.mark.parametrize("who", ["staff", "coordinator", "inactive secretariat", "may only edit meetings"])
def test_only_the_secretariat_changes_a_meeting_status(action, who, mission, mailoutbox):
    if who == "staff":
        actor = factories.UserFactory(mission=mission)
    elif who == "coordinator":
        actor = factories.CoordinatorFactory(mission=mission)
    elif who == "inactive secretariat":
        actor = factories.SecretariatFactory(is_active=False)
    else:  # may edit meetings in the admin, but not confirm, hold or cancel them
        actor = factories.SecretariatFactory()
        actor.groups.clear()
        actor.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="meetings", codename__in=["view_meeting", "change_meeting"]
            )
        )
    start = Meeting.Status.CONFIRMED if action == Meeting.Action.MARK_HELD else Meeting.Status.PLANNED
    meeting = meeting_in(start)
    ParticipantFactory(meeting=meeting)

    with pytest.raises(PermissionDenied):
        act(action, meeting, actor, "A note.")

    assert Meeting.objects.get(pk=meeting.pk).status == start
    assert not MeetingEvent.objects.exists()
    assert mailoutbox == []


def test_the_secretariat_group_holds_the_right_to_manage_meetings_and_read_their_history():
    def codenames(group: str) -> set[str]:
        return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))

    assert {"manage_meeting", "view_meetingevent"} <= codenames("Secretariat")
    assert "manage_meeting" not in codenames("Mission staff") | codenames("Coordinator")


def test_meeting_save_keeps_the_stored_status_of_an_existing_meeting():
    meeting = MeetingFactory(status=Meeting.Status.PLANNED)
    meeting.status = Meeting.Status.CANCELLED
    meeting.venue = "Palais Wilson"

    services.meeting_save(meeting=meeting)

    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.status, stored.venue, stored.sequence) == (Meeting.Status.PLANNED, "Palais Wilson", 1)
    assert not MeetingEvent.objects.exists()


def test_the_history_is_newest_first(secretariat_user):
    meeting = meeting_in(Meeting.Status.PLANNED)
    services.meeting_confirm(meeting_id=meeting.pk, actor=secretariat_user)
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user, message="Moved to spring.")

    assert [(e.action, e.to_status) for e in meeting.events.all()] == [
        ("cancel", "cancelled"),
        ("confirm", "confirmed"),
    ]


# ---------------------------------------------------------------------------------------------------------
# Invitations


def test_invitations_go_to_each_participant_with_an_address_with_the_calendar_file(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory(starts_at=local("Europe/Zurich", "2027-01-14 10:00"))
    invited = ParticipantFactory(meeting=meeting, email="ana@example.org", invitation_status=P.INVITED)
    confirmed = ParticipantFactory(meeting=meeting, email="ben@example.org", invitation_status=P.CONFIRMED)
    ParticipantFactory(meeting=meeting, email="dee@example.org", invitation_status=P.DECLINED)
    no_email = ParticipantFactory(meeting=meeting, name="Nobody Noaddress", email="")

    with django_capture_on_commit_callbacks(execute=True):
        queued, without_email = services.meeting_send_invitations(
            meeting_id=meeting.pk, actor=secretariat_user
        )

    assert {p.pk for p in queued} == {invited.pk, confirmed.pk}
    assert without_email == [no_email]
    assert recipients(mailoutbox) == ["ana@example.org", "ben@example.org"]
    for message in mailoutbox:
        assert meeting.title in message.subject
        (event,) = calendar_of(message).events
        assert str(event["UID"]) == uid(meeting)
        assert event.decoded("dtstart") == utc("2027-01-14 09:00")
        assert event["DTSTART"].params["TZID"] == "Europe/Zurich"
    invited.refresh_from_db()
    assert invited.invitation_requested_at is not None
    assert invited.invitation_sent_at >= invited.invitation_requested_at


def test_invitations_are_sent_only_after_commit(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory()
    ParticipantFactory(meeting=meeting)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)

    assert mailoutbox == []
    assert len(callbacks) == 1


@pytest.mark.parametrize("status", ["held", "cancelled"])
def test_a_held_or_cancelled_meeting_sends_no_invitations(
    status, mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = meeting_in(status)
    ParticipantFactory(meeting=meeting)

    with pytest.raises(ValidationError) as raised, django_capture_on_commit_callbacks(execute=True):
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)

    assert error_codes(raised.value) == {"not_open"}
    assert mailoutbox == []


def test_only_the_secretariat_sends_invitations(staff_user, mailoutbox, django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    ParticipantFactory(meeting=meeting)

    with pytest.raises(PermissionDenied), django_capture_on_commit_callbacks(execute=True):
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=staff_user)

    assert mailoutbox == []


def test_the_invitation_mail_gives_the_local_time_of_the_meeting(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory(new_york=True, starts_at=local("America/New_York", "2027-07-14 10:00"))
    ParticipantFactory(meeting=meeting)

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)

    (message,) = mailoutbox
    assert "14 July 2027, 10:00" in message.body
    assert "UTC-0400" in message.body


def test_an_invitation_task_run_twice_sends_one_mail(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory()
    participant = ParticipantFactory(meeting=meeting, email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)

    # The broker hands the same task out again (a worker died before acknowledging it).
    again = send_participant_invitation.delay(participant.pk).get()

    assert again is False
    assert recipients(mailoutbox) == ["ana@example.org"]


def test_sending_invitations_again_is_a_new_round_that_reaches_everyone_once_more(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory()
    participant = ParticipantFactory(meeting=meeting, email="ana@example.org")
    for _round in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)

    assert send_participant_invitation.delay(participant.pk).get() is False
    assert recipients(mailoutbox) == ["ana@example.org", "ana@example.org"]


def test_two_rounds_asked_for_before_the_worker_ran_send_one_mail(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory()
    ParticipantFactory(meeting=meeting, email="ana@example.org")
    with django_capture_on_commit_callbacks() as callbacks:
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)

    for callback in callbacks:
        callback()

    assert len(callbacks) == 2
    assert recipients(mailoutbox) == ["ana@example.org"]


def test_an_invitation_queued_before_the_meeting_was_cancelled_is_not_sent(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory()
    participant = ParticipantFactory(meeting=meeting)
    with django_capture_on_commit_callbacks() as invitations:
        services.meeting_send_invitations(meeting_id=meeting.pk, actor=secretariat_user)
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)  # its notices are not run here

    for callback in invitations:
        callback()

    assert mailoutbox == []
    participant.refresh_from_db()
    assert participant.invitation_sent_at is None


# ---------------------------------------------------------------------------------------------------------
# Holding


def test_mark_held_needs_an_outcome_summary(secretariat_user):
    meeting = MeetingFactory(starts_at=in_days(-3))

    with pytest.raises(ValidationError) as raised:
        services.meeting_mark_held(meeting_id=meeting.pk, actor=secretariat_user, outcome_summary="   ")

    assert error_codes(raised.value) == {"outcome_required"}
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CONFIRMED
    assert not MeetingEvent.objects.exists()


def test_mark_held_stores_the_outcome_and_raises_the_sequence(secretariat_user):
    meeting = MeetingFactory(starts_at=in_days(-3))

    services.meeting_mark_held(
        meeting_id=meeting.pk, actor=secretariat_user, outcome_summary="  Twelve stories were presented.  "
    )

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert meeting.outcome_summary == "Twelve stories were presented."
    assert meeting.sequence == 1
    assert meeting.events.get().comment == "Twelve stories were presented."


def test_mark_held_keeps_an_outcome_written_before(secretariat_user):
    meeting = MeetingFactory(starts_at=in_days(-3), outcome_summary="Written in the change form.")

    services.meeting_mark_held(meeting_id=meeting.pk, actor=secretariat_user, outcome_summary="")

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert meeting.outcome_summary == "Written in the change form."
    assert meeting.events.get().comment == "Written in the change form."


# ---------------------------------------------------------------------------------------------------------
# Cancelling


def test_cancel_sets_the_status_raises_the_sequence_and_tells_participants(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory()
    for status, email in [
        (P.INVITED, "ana@example.org"),
        (P.CONFIRMED, "ben@example.org"),
        (P.DECLINED, "dee@example.org"),
        (P.INVITED, ""),
    ]:
        ParticipantFactory(meeting=meeting, invitation_status=status, email=email)

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(
            meeting_id=meeting.pk, actor=secretariat_user, message="  The session moved to spring.  "
        )

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert meeting.sequence == 1
    assert meeting.events.get().comment == "The session moved to spring."
    assert recipients(mailoutbox) == ["ana@example.org", "ben@example.org"]
    for message in mailoutbox:
        assert message.subject.startswith("Cancelled:")
        assert "The session moved to spring." in message.body
        (event,) = calendar_of(message).events
        assert str(event["STATUS"]) == "CANCELLED"
        assert event["SEQUENCE"] == 1
        assert str(event["UID"]) == uid(meeting)
    told = meeting.participants.filter(cancellation_sent_at__isnull=False)
    assert sorted(told.values_list("email", flat=True)) == ["ana@example.org", "ben@example.org"]


def test_the_cancellation_task_run_twice_sends_one_mail(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    meeting = MeetingFactory()
    participant = ParticipantFactory(meeting=meeting, email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user, message="Moved to spring.")

    # The broker hands the same task out again (a worker died before acknowledging it).
    again = send_cancellation.delay(participant.pk).get()

    assert again is False
    (message,) = mailoutbox
    assert message.to == ["ana@example.org"]


def test_a_cancellation_task_queued_with_its_message_still_sends_it(mailoutbox, secretariat_user):
    # Tasks queued before the message was kept in the history carry it themselves.
    meeting = MeetingFactory()
    participant = ParticipantFactory(meeting=meeting)
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)  # its notices are not run here

    assert send_cancellation.delay(participant.pk, "We meet in spring instead.").get() is True

    (message,) = mailoutbox
    assert "We meet in spring instead." in message.body


def test_no_cancellation_notice_for_a_meeting_that_is_not_cancelled(mailoutbox):
    participant = ParticipantFactory(meeting=MeetingFactory())

    assert send_cancellation.delay(participant.pk).get() is False
    assert mailoutbox == []


# ---------------------------------------------------------------------------------------------------------
# Mails the broker never took


def ago(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_requeue_sends_the_invitations_and_notices_the_broker_never_took(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    invited_to = MeetingFactory()
    ana = ParticipantFactory(meeting=invited_to, email="ana@example.org")
    cancelled = MeetingFactory()
    ben = ParticipantFactory(meeting=cancelled, email="ben@example.org")
    # The broker was down: the tasks of both were lost.
    with django_capture_on_commit_callbacks(execute=False):
        services.meeting_send_invitations(meeting_id=invited_to.pk, actor=secretariat_user)
        services.meeting_cancel(meeting_id=cancelled.pk, actor=secretariat_user, message="Moved to spring.")
    Participant.objects.filter(pk=ana.pk).update(invitation_requested_at=ago(10))
    Participant.objects.filter(pk=ben.pk).update(cancellation_requested_at=ago(10))

    first = services.meeting_mails_requeue(older_than=datetime.timedelta(minutes=2))
    second = services.meeting_mails_requeue(older_than=datetime.timedelta(minutes=2))

    assert (first, second) == (2, 0)
    assert [(m.to, m.subject.split(":")[0]) for m in sorted(mailoutbox, key=lambda m: m.to)] == [
        (["ana@example.org"], "Invitation"),
        (["ben@example.org"], "Cancelled"),
    ]
    assert "Moved to spring." in next(m for m in mailoutbox if m.to == ["ben@example.org"]).body


def test_requeue_leaves_recent_sent_and_outdated_mails_alone(
    mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    recent = ParticipantFactory(meeting=MeetingFactory())
    sent = ParticipantFactory(meeting=MeetingFactory())
    started = ParticipantFactory(meeting=MeetingFactory(starts_at=in_days(-1)))
    over = ParticipantFactory(meeting=MeetingFactory(starts_at=in_days(-1)))
    with django_capture_on_commit_callbacks(execute=False):
        for participant in (recent, started):
            services.meeting_send_invitations(meeting_id=participant.meeting_id, actor=secretariat_user)
        services.meeting_cancel(meeting_id=over.meeting_id, actor=secretariat_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_send_invitations(meeting_id=sent.meeting_id, actor=secretariat_user)
    mailoutbox.clear()
    Participant.objects.exclude(pk=recent.pk).filter(invitation_requested_at__isnull=False).update(
        invitation_requested_at=ago(10)
    )
    Participant.objects.filter(pk=over.pk).update(cancellation_requested_at=ago(10))

    assert services.meeting_mails_requeue(older_than=datetime.timedelta(minutes=2)) == 0
    assert mailoutbox == []


def test_the_redrive_queues_meeting_mails_again():
    from coalition.tasks import REQUEUES

    assert services.meeting_mails_requeue in REQUEUES


# ---------------------------------------------------------------------------------------------------------
# Reminders


def coordinated_member(email: str):
    """A member with a Geneva mission and an active coordinator who has `email`."""
    mission = factories.MissionFactory()
    factories.CoordinatorFactory(mission=mission, email=email)
    return mission.member


@pytest.fixture
def meeting_with_people(coordinator):
    """A meeting co-chaired by coordinator's member and another, with participants in every state."""
    other_chair = coordinated_member("chair.coordinator@example.org")
    # Neither an inactive coordinator nor mission staff of a co-chair is reminded.
    factories.CoordinatorFactory(
        mission=factories.MissionFactory(member=other_chair, kind="new_york"),
        email="former.coordinator@example.org",
        is_active=False,
    )
    factories.UserFactory(mission=coordinator.mission, email="staff@example.org")
    # A coordinator of a member that does not chair is not reminded either.
    coordinated_member("bystander@example.org")
    meeting = MeetingFactory(starts_at=in_days(20), co_chairs=[coordinator.mission.member, other_chair])
    ParticipantFactory(meeting=meeting, invitation_status=P.CONFIRMED, email="ana@example.org")
    ParticipantFactory(meeting=meeting, invitation_status=P.CONFIRMED, email="ben@example.org")
    ParticipantFactory(meeting=meeting, invitation_status=P.CONFIRMED, email="")
    ParticipantFactory(meeting=meeting, invitation_status=P.INVITED, email="ivy@example.org")
    ParticipantFactory(meeting=meeting, invitation_status=P.DECLINED, email="dee@example.org")
    return meeting


def expected_recipients(coordinator) -> list[str]:
    return sorted(["ana@example.org", "ben@example.org", "chair.coordinator@example.org", coordinator.email])


def queue(now, django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return services.reminders_queue_due(now=now)


def test_reminders_seven_days_before_go_once_to_confirmed_participants_and_co_chair_coordinators(
    meeting_with_people, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    now = meeting_with_people.starts_at - datetime.timedelta(days=7)

    queued = queue(now, django_capture_on_commit_callbacks)

    assert queued == 4
    assert recipients(mailoutbox) == expected_recipients(coordinator)
    assert all(message.subject.startswith("Reminder:") for message in mailoutbox)
    assert set(Reminder.objects.values_list("kind", flat=True)) == {Reminder.Kind.WEEK}
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_a_second_run_sends_no_reminder_again(
    meeting_with_people, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    now = meeting_with_people.starts_at - datetime.timedelta(days=7)
    queue(now, django_capture_on_commit_callbacks)

    queued_again = queue(now, django_capture_on_commit_callbacks)
    queued_later = queue(now + datetime.timedelta(hours=6), django_capture_on_commit_callbacks)

    assert queued_again == queued_later == 0
    assert recipients(mailoutbox) == expected_recipients(coordinator)
    assert Reminder.objects.count() == 4


def test_the_day_before_each_gets_one_more_reminder_once(
    meeting_with_people, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    start = meeting_with_people.starts_at
    queue(start - datetime.timedelta(days=7), django_capture_on_commit_callbacks)
    week_mails = len(mailoutbox)

    queue(start - datetime.timedelta(days=1), django_capture_on_commit_callbacks)
    queue(start - datetime.timedelta(days=1), django_capture_on_commit_callbacks)
    queue(start - datetime.timedelta(hours=2), django_capture_on_commit_callbacks)

    day_mails = mailoutbox[week_mails:]
    assert sorted(address for message in day_mails for address in message.to) == expected_recipients(
        coordinator
    )
    assert all("tomorrow" in message.body for message in day_mails)
    for email in expected_recipients(coordinator):
        assert sorted(Reminder.objects.filter(email=email).values_list("kind", flat=True)) == ["day", "week"]


def test_no_reminder_before_the_week_or_after_the_start(
    meeting_with_people, mailoutbox, django_capture_on_commit_callbacks
):
    start = meeting_with_people.starts_at

    queue(start - datetime.timedelta(days=8), django_capture_on_commit_callbacks)
    queue(start + datetime.timedelta(minutes=5), django_capture_on_commit_callbacks)

    assert mailoutbox == []
    assert not Reminder.objects.exists()


def test_the_periodic_task_sends_nothing_twice(
    meeting_with_people, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    from meetings.tasks import send_reminder

    now = meeting_with_people.starts_at - datetime.timedelta(days=7)
    queue(now, django_capture_on_commit_callbacks)

    # A worker that runs a reminder again (redelivery) sends nothing.
    for reminder in Reminder.objects.all():
        assert send_reminder.delay(reminder.pk).get() is False

    assert recipients(mailoutbox) == expected_recipients(coordinator)


def test_reminder_send_twice_sends_once(mailoutbox):
    meeting = MeetingFactory(starts_at=in_days(5))
    reminder = Reminder.objects.create(meeting=meeting, email="ana@example.org", kind=Reminder.Kind.WEEK)

    first = services.reminder_send(reminder_id=reminder.pk)
    second = services.reminder_send(reminder_id=reminder.pk)

    assert (first, second) == (True, False)
    (message,) = mailoutbox
    assert message.to == ["ana@example.org"]
    reminder.refresh_from_db()
    assert reminder.sent_at is not None


def test_the_reminder_table_allows_one_row_per_meeting_address_and_kind():
    from django.db import IntegrityError, transaction

    meeting = MeetingFactory()
    Reminder.objects.create(meeting=meeting, email="ana@example.org", kind=Reminder.Kind.WEEK)

    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(meeting=meeting, email="ana@example.org", kind=Reminder.Kind.WEEK)


def test_cancelled_meetings_get_no_reminders(
    meeting_with_people, mailoutbox, django_capture_on_commit_callbacks, secretariat_user
):
    services.meeting_cancel(
        meeting_id=meeting_with_people.pk, actor=secretariat_user
    )  # no mail: its callbacks are not run
    start = meeting_with_people.starts_at

    queue(start - datetime.timedelta(days=7), django_capture_on_commit_callbacks)
    queue(start - datetime.timedelta(days=1), django_capture_on_commit_callbacks)

    assert mailoutbox == []
    assert not Reminder.objects.exists()


def test_a_reminder_claimed_before_the_meeting_was_cancelled_is_not_sent(mailoutbox, secretariat_user):
    meeting = MeetingFactory(starts_at=in_days(5))
    reminder = Reminder.objects.create(meeting=meeting, email="ana@example.org", kind=Reminder.Kind.WEEK)
    services.meeting_cancel(meeting_id=meeting.pk, actor=secretariat_user)

    assert services.reminder_send(reminder_id=reminder.pk) is False
    assert mailoutbox == []


def test_invited_participants_who_have_not_confirmed_get_no_reminder(
    mailoutbox, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(starts_at=in_days(20))
    for status in [P.INVITED, P.DECLINED, P.ATTENDED]:
        ParticipantFactory(meeting=meeting, invitation_status=status)

    queue(meeting.starts_at - datetime.timedelta(days=7), django_capture_on_commit_callbacks)
    queue(meeting.starts_at - datetime.timedelta(days=1), django_capture_on_commit_callbacks)

    assert mailoutbox == []


def test_an_address_given_twice_is_reminded_once(mailoutbox, django_capture_on_commit_callbacks):
    mission = factories.MissionFactory()
    factories.CoordinatorFactory(mission=mission, email="cora@example.org")
    meeting = MeetingFactory(starts_at=in_days(20), co_chairs=[mission.member])
    ParticipantFactory(meeting=meeting, invitation_status=P.CONFIRMED, email="Cora@Example.org")

    queue(meeting.starts_at - datetime.timedelta(days=7), django_capture_on_commit_callbacks)

    assert recipients(mailoutbox) == ["cora@example.org"]


def test_the_beat_task_run_twice_reminds_each_person_once(
    coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    from meetings.tasks import queue_due_reminders

    meeting = MeetingFactory(
        starts_at=timezone.now() + datetime.timedelta(hours=20), co_chairs=[coordinator.mission.member]
    )
    ParticipantFactory(meeting=meeting, invitation_status=P.CONFIRMED, email="ana@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        first = queue_due_reminders.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = queue_due_reminders.delay().get()

    assert (first, second) == (2, 0)
    assert recipients(mailoutbox) == sorted(["ana@example.org", coordinator.email])
    assert set(Reminder.objects.values_list("kind", flat=True)) == {Reminder.Kind.DAY}
