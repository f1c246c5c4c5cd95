"""Reminders of due replies: which is due when (in the member's time zone), each once, to whom, in which
language, and never for replied entries or former members."""

import datetime
import threading
import zoneinfo

import pytest
from django.contrib import admin
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from cooperation import deadlines
from cooperation.models import Communication, CooperationRecord, DeadlineReminder, Mandate, VisitRequest
from members.models import Member
from tests.factories import CoordinatorFactory, MemberFactory, MissionFactory
from tests.services import require

GENEVA = zoneinfo.ZoneInfo("Europe/Zurich")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
DUE = datetime.date(2027, 3, 10)
NOTE = "Concerns Jane Example and her lawyer"


def at(zone, *args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zone)


def mandate() -> Mandate:
    title = "Special Rapporteur on the independence of judges and lawyers"
    return Mandate.objects.filter(holder_title=title).first() or Mandate.objects.create(
        name="independence of judges and lawyers", holder_title=title
    )


def visit(member: Member, *, due_on: datetime.date = DUE, **fields) -> VisitRequest:
    return VisitRequest.objects.create(
        member=member,
        mandate=mandate(),
        requested_on=due_on - datetime.timedelta(days=61),
        reply_due_on=due_on,
        note=NOTE,
        **fields,
    )


def communication(member: Member, *, due_on: datetime.date = DUE, **fields) -> Communication:
    return Communication.objects.create(
        member=member,
        kind=Communication.Kind.URGENT_APPEAL,
        reference=fields.pop("reference", "UA XYZ 1/2027"),
        received_on=due_on - datetime.timedelta(days=30),
        reply_due_on=due_on,
        note=NOTE,
        **fields,
    )


def kinds(**subject) -> list[tuple[str, bool]]:
    """(kind, sent) of the reminders of one subject, most urgent first."""
    order = {kind: index for index, kind in enumerate(deadlines.URGENCY)}
    rows = DeadlineReminder.objects.filter(**subject)
    return sorted(((r.kind, r.sent_at is not None) for r in rows), key=lambda pair: order[pair[0]])


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """`run(now)`: one beat, its queued tasks run (eagerly) once it commits."""

    def run(now: datetime.datetime) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return deadlines.reminders_queue_due(now=now)

    return run


@pytest.fixture
def coordinator_en(mission):
    return CoordinatorFactory(mission=mission, email="cora@example.org", language="en")


# --- when ---------------------------------------------------------------------------------------------------


def test_a_reply_due_today_in_geneva_is_not_overdue_before_midnight_there(
    member, coordinator_en, run, mailoutbox
):
    entry = visit(member)
    assert run(at(GENEVA, 2027, 3, 10, 23, 30)) == 1
    assert kinds(visit=entry) == [("days_3", True), ("days_14", True)]
    assert len(mailoutbox) == 1  # the days_3 reminder only: days_14 is claimed as skipped
    assert "Reply due on 10 March 2027" in mailoutbox[0].subject


def test_a_reply_due_yesterday_in_geneva_is_overdue_from_midnight_there(
    member, coordinator_en, run, mailoutbox, settings
):
    entry = visit(member)
    run(at(GENEVA, 2027, 3, 10, 23, 30))
    mailoutbox.clear()

    assert run(at(GENEVA, 2027, 3, 11, 0, 10)) == 1
    assert kinds(visit=entry)[0] == ("overdue", True)
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == ["cora@example.org", settings.SECRETARIAT_EMAIL]


def test_a_member_without_record_counts_in_geneva_time(member, coordinator_en, run):
    entry = visit(member)
    assert not CooperationRecord.objects.filter(member=member).exists()
    run(at(GENEVA, 2027, 3, 11, 0, 10))
    assert kinds(visit=entry)[0] == ("overdue", True)


def test_a_new_york_record_is_not_overdue_while_it_is_still_the_due_date_in_new_york(
    member, coordinator_en, run, mailoutbox, settings
):
    CooperationRecord.objects.create(member=member, time_zone="America/New_York")
    entry = communication(member)
    # 00:10 in Geneva on the 11th is 18:10 in New York on the 10th.
    assert at(GENEVA, 2027, 3, 11, 0, 10).astimezone(NEW_YORK).date() == DUE
    run(at(GENEVA, 2027, 3, 11, 0, 10))
    assert kinds(communication=entry) == [("days_3", True), ("days_14", True)]
    assert settings.SECRETARIAT_EMAIL not in [address for message in mailoutbox for address in message.to]

    run(at(NEW_YORK, 2027, 3, 10, 23, 59))
    assert not DeadlineReminder.objects.filter(kind="overdue").exists()
    run(at(NEW_YORK, 2027, 3, 11, 0, 0))
    assert kinds(communication=entry)[0] == ("overdue", True)


@pytest.mark.parametrize(
    ("zone", "before", "from_"),
    [
        (GENEVA, (2027, 2, 23, 23, 59), (2027, 2, 24, 0, 0)),
        (NEW_YORK, (2027, 2, 23, 23, 59), (2027, 2, 24, 0, 0)),
    ],
)
def test_the_14_days_reminder_is_due_from_14_days_before_in_the_member_s_time_zone(
    member, coordinator_en, run, zone, before, from_
):
    CooperationRecord.objects.create(member=member, time_zone=zone.key)
    entry = visit(member)  # due 10 March: 14 days before is 24 February
    assert run(at(zone, *before)) == 0
    assert not DeadlineReminder.objects.exists()
    assert run(at(zone, *from_)) == 1
    assert kinds(visit=entry) == [("days_14", True)]


def test_the_3_days_reminder_follows_the_14_days_one(member, coordinator_en, run, mailoutbox):
    entry = communication(member)
    run(at(GENEVA, 2027, 2, 24, 9, 0))
    assert kinds(communication=entry) == [("days_14", True)]
    assert run(at(GENEVA, 2027, 3, 6, 23, 59)) == 0  # 4 days before
    assert run(at(GENEVA, 2027, 3, 7, 0, 0)) == 1  # 3 days before
    assert kinds(communication=entry) == [("days_3", True), ("days_14", True)]
    assert len(mailoutbox) == 2
    assert "14 days or less" in mailoutbox[0].body
    assert "3 days or less" in mailoutbox[1].body


# --- once ---------------------------------------------------------------------------------------------------


def test_each_reminder_goes_out_once_however_often_the_beat_runs(member, coordinator_en, run, mailoutbox):
    visit(member)
    communication(member)
    now = at(GENEVA, 2027, 3, 1, 12, 0)
    assert run(now) == 2
    assert run(now) == 0
    assert run(now + datetime.timedelta(hours=1)) == 0
    assert len(mailoutbox) == 2


def test_an_entry_recorded_late_gets_only_the_most_urgent_reminder_ever(
    member, coordinator_en, run, mailoutbox
):
    entry = visit(member, due_on=datetime.date(2027, 3, 1))  # recorded once already overdue
    run(at(GENEVA, 2027, 3, 5, 9, 0))
    assert kinds(visit=entry) == [("overdue", True), ("days_3", True), ("days_14", True)]
    coordinator_mails = [m for m in mailoutbox if "cora@example.org" in m.to]
    assert len(coordinator_mails) == 1
    assert "overdue" in coordinator_mails[0].subject.lower()
    mailoutbox.clear()
    run(at(GENEVA, 2027, 3, 6, 9, 0))
    assert mailoutbox == []


def test_a_less_urgent_reminder_never_sent_is_overtaken_by_a_more_urgent_one(
    member, coordinator_en, mailoutbox
):
    entry = visit(member)
    deadlines.reminders_queue_due(now=at(GENEVA, 2027, 2, 25, 9, 0))  # its task never ran (no commit hook)
    days_14 = DeadlineReminder.objects.get(visit=entry, kind="days_14", sent_at__isnull=True)
    deadlines.reminders_queue_due(now=at(GENEVA, 2027, 3, 8, 9, 0))
    days_14.refresh_from_db()
    assert days_14.sent_at is not None  # skipped
    assert deadlines.reminder_send(reminder_id=days_14.pk) is False
    days_3 = DeadlineReminder.objects.get(visit=entry, kind="days_3")
    assert deadlines.reminder_send(reminder_id=days_3.pk) is True
    assert deadlines.reminder_send(reminder_id=days_3.pk) is False  # a task run twice
    assert len(mailoutbox) == 1


def test_a_changed_due_date_is_reminded_of_again(member, coordinator_en, run, mailoutbox):
    entry = visit(member)
    run(at(GENEVA, 2027, 3, 8, 9, 0))
    VisitRequest.objects.filter(pk=entry.pk).update(reply_due_on=datetime.date(2027, 3, 20))
    run(at(GENEVA, 2027, 3, 8, 10, 0))
    assert DeadlineReminder.objects.filter(
        visit=entry, due_on=datetime.date(2027, 3, 20), kind="days_14"
    ).exists()
    assert len(mailoutbox) == 2


def test_the_redrive_queues_again_what_was_claimed_and_not_sent(member, coordinator_en, mailoutbox):
    entry = communication(member)
    deadlines.reminders_queue_due(now=at(GENEVA, 2027, 3, 8, 9, 0))  # the broker never got the task
    assert mailoutbox == []
    assert deadlines.reminders_requeue(older_than=datetime.timedelta(minutes=5)) == 0  # too young: on its way
    DeadlineReminder.objects.update(claimed_at=timezone.now() - datetime.timedelta(minutes=10))
    assert deadlines.reminders_requeue(older_than=datetime.timedelta(minutes=5)) == 1
    assert len(mailoutbox) == 1
    assert kinds(communication=entry) == [("days_3", True), ("days_14", True)]
    assert deadlines.reminders_requeue(older_than=datetime.timedelta(minutes=5)) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_beats_at_once_send_one_mail(mailoutbox):
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://...)")
    member = MemberFactory()
    CoordinatorFactory(mission=MissionFactory(member=member), email="cora@example.org")
    visit(member)
    now = at(GENEVA, 2027, 3, 8, 9, 0)
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            start.wait(timeout=10)
            results.append(deadlines.reminders_queue_due(now=now))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [0, 1]
    assert DeadlineReminder.objects.filter(kind="days_3").count() == 1
    assert len(mailoutbox) == 1


# --- to whom, what ------------------------------------------------------------------------------------------


def test_coordinators_get_the_reminder_in_their_own_language(member, mission, run, mailoutbox):
    CoordinatorFactory(mission=mission, email="cora@example.org", language="en")
    CoordinatorFactory(
        mission=MissionFactory(member=member, kind="new_york", name="NY"),
        email="cloe@example.org",
        language="fr",
    )
    entry = visit(member)
    run(at(GENEVA, 2027, 3, 1, 9, 0))
    by_address = {message.to[0]: message for message in mailoutbox}
    assert sorted(by_address) == ["cloe@example.org", "cora@example.org"]
    french, english = by_address["cloe@example.org"], by_address["cora@example.org"]
    assert "10 mars 2027" in french.body
    assert f"/fr/my/cooperation/visits/{entry.pk}/" in french.body
    assert "10 March 2027" in english.body
    assert f"/en/my/cooperation/visits/{entry.pk}/" in english.body
    assert "Special Rapporteur on the independence of judges and lawyers" in english.body
    assert "Europe/Zurich" in english.body
    html = english.alternatives[0][0]
    assert f"/en/my/cooperation/visits/{entry.pk}/" in html and 'lang="en"' in html


def test_the_overdue_reminder_goes_to_the_secretariat_in_english_and_says_the_coordinators_know(
    member, mission, run, mailoutbox, settings
):
    CoordinatorFactory(mission=mission, email="cloe@example.org", language="fr")
    entry = communication(member, reference="AL ABC 2/2027")
    run(at(GENEVA, 2027, 3, 12, 9, 0))
    secretariat = next(m for m in mailoutbox if m.to == [settings.SECRETARIAT_EMAIL])
    assert (
        secretariat.subject
        == f"Reply overdue: {member.name}, communication AL ABC 2/2027 (due 10 March 2027)"
    )
    assert "The member's coordinators have been reminded too." in secretariat.body
    assert "/fr/" not in secretariat.body
    if admin.site.is_registered(Communication):
        assert f"/admin/cooperation/communication/{entry.pk}/change/" in secretariat.body
    else:  # until the admin has it: the secretariat's dashboard
        assert "/en/my/cooperation/dashboard/" in secretariat.body
    coordinator = next(m for m in mailoutbox if m.to == ["cloe@example.org"])
    with translation.override("fr"):
        assert (
            gettext(
                "The reply is overdue: it has not been recorded as sent. The secretariat has been told too."
            )
            in coordinator.body
        )
    assert f"/fr/my/cooperation/communications/{entry.pk}/" in coordinator.body


def test_the_secretariat_is_told_when_nobody_at_the_mission_could_be(member, run, mailoutbox, settings):
    visit(member)
    run(at(GENEVA, 2027, 3, 12, 9, 0))
    assert [m.to for m in mailoutbox] == [[settings.SECRETARIAT_EMAIL]]
    assert "nobody at its missions has been reminded" in mailoutbox[0].body


def test_no_mail_ever_holds_the_note(member, coordinator_en, run, mailoutbox):
    visit(member)
    communication(member)
    run(at(GENEVA, 2027, 3, 8, 9, 0))
    run(at(GENEVA, 2027, 3, 12, 9, 0))
    assert len(mailoutbox) == 6
    for message in mailoutbox:
        assert "Jane" not in message.subject + message.body + message.alternatives[0][0]


# --- never --------------------------------------------------------------------------------------------------


def test_no_reminder_for_replied_entries(member, coordinator_en, run, mailoutbox):
    visit(member, replied_on=datetime.date(2027, 3, 1))
    communication(member, replied_on=datetime.date(2027, 3, 12))
    assert run(at(GENEVA, 2027, 3, 12, 9, 0)) == 0
    assert not DeadlineReminder.objects.exists()
    assert mailoutbox == []


def test_no_reminder_for_a_reply_recorded_after_the_claim(member, coordinator_en, mailoutbox):
    entry = visit(member)
    deadlines.reminders_queue_due(now=at(GENEVA, 2027, 3, 8, 9, 0))
    VisitRequest.objects.filter(pk=entry.pk).update(replied_on=datetime.date(2027, 3, 8))
    reminder = DeadlineReminder.objects.get(visit=entry, kind="days_3")
    assert deadlines.reminder_send(reminder_id=reminder.pk) is False
    reminder.refresh_from_db()
    assert reminder.sent_at is not None  # handled: the redrive leaves it alone
    assert mailoutbox == []


@pytest.mark.parametrize("status", [Member.Status.FORMER, Member.Status.APPLICANT])
def test_no_reminder_for_a_member_that_is_not_current(member, coordinator_en, run, mailoutbox, status):
    Member.objects.filter(pk=member.pk).update(status=status)
    visit(member)
    communication(member)
    assert run(at(GENEVA, 2027, 3, 12, 9, 0)) == 0
    assert mailoutbox == []


def test_reminders_are_sent_whether_or_not_the_entry_is_confirmed(member, coordinator_en, run):
    visit(member, confirmed_at=timezone.now())
    communication(member)
    assert run(at(GENEVA, 2027, 3, 8, 9, 0)) == 2


def test_an_unknown_time_zone_falls_back_to_geneva(member, coordinator_en, run):
    CooperationRecord.objects.create(member=member, time_zone="Mars/Olympus_Mons")
    entry = visit(member)
    run(at(GENEVA, 2027, 3, 11, 0, 10))
    assert kinds(visit=entry)[0] == ("overdue", True)


def test_the_tasks_call_the_services(member, coordinator_en, mailoutbox, django_capture_on_commit_callbacks):
    from cooperation.tasks import queue_due_reminders, send_deadline_reminder

    visit(member, due_on=timezone.localdate() + datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_due_reminders.delay().get() == 1
    reminder = DeadlineReminder.objects.get(kind="days_3")
    assert send_deadline_reminder.delay(reminder.pk).get() is False  # already sent
    assert len(mailoutbox) == 1
