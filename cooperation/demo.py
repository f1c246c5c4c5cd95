"""Demo data for cooperation with the Special Procedures: the thematic mandates (real ones, by their holders'
titles), and for a few demo members a record with a standing invitation, visit requests in every kind of state
(answered in time, answered late, one waiting for a reply due soon) and communications (no names in the notes:
there never are), some of them confirmed by the coordinator; one member publishes its card.

Idempotent: mandates are found by name or title, and a member that already has a record is left as it is.
The entries are illustrative, not the states' real records; their dates are relative to today, so that the
reminders and the dashboard have something to show whenever the demo is loaded.
"""

from __future__ import annotations

import calendar
import datetime

from django.db import transaction
from django.utils import timezone

from cooperation.models import Communication, CooperationRecord, Mandate, VisitRequest
from core.public_cache import bump_generation
from members.models import Member, User

# (name, holder's title): thematic mandates of the Human Rights Council, named as cooperation's data migration
# 0002 names them (it makes these and more; the demo makes them only where the migration has not run).
THEMATIC_MANDATES = [
    (
        "independence of judges and lawyers",
        "Special Rapporteur on the independence of judges and lawyers",
    ),
    (
        "the rights to freedom of peaceful assembly and of association",
        "Special Rapporteur on the rights to freedom of peaceful assembly and of association",
    ),
    (
        "the promotion and protection of the right to freedom of opinion and expression",
        "Special Rapporteur on the promotion and protection of the right to freedom of opinion and "
        "expression",
    ),
    (
        "the situation of human rights defenders",
        "Special Rapporteur on the situation of human rights defenders",
    ),
    (
        "torture and other cruel, inhuman or degrading treatment or punishment",
        "Special Rapporteur on torture and other cruel, inhuman or degrading treatment or punishment",
    ),
    (
        "violence against women and girls, its causes and consequences",
        "Special Rapporteur on violence against women and girls, its causes and consequences",
    ),
    ("the right to education", "Special Rapporteur on the right to education"),
    ("extreme poverty and human rights", "Special Rapporteur on extreme poverty and human rights"),
    (
        "adequate housing as a component of the right to an adequate standard of living",
        "Special Rapporteur on adequate housing as a component of the right to an adequate standard of "
        "living, and on the right to non-discrimination in this context",
    ),
    ("the rights of Indigenous Peoples", "Special Rapporteur on the rights of Indigenous Peoples"),
    ("arbitrary detention", "Working Group on Arbitrary Detention"),
    ("enforced or involuntary disappearances", "Working Group on Enforced or Involuntary Disappearances"),
    (
        "protection against violence and discrimination based on sexual orientation and gender identity",
        "Independent Expert on protection against violence and discrimination based on sexual orientation "
        "and gender identity",
    ),
    ("the human rights of migrants", "Special Rapporteur on the human rights of migrants"),
    ("the right to privacy", "Special Rapporteur on the right to privacy"),
    (
        "the promotion of truth, justice, reparation and guarantees of non-recurrence",
        "Special Rapporteur on the promotion of truth, justice, reparation and guarantees of non-recurrence",
    ),
]

# The demo members with a record: (ISO code, time zone of due dates, publishes its card).
DEMO_RECORDS = [
    ("CL", "America/New_York", True),
    ("NO", "Europe/Zurich", False),
    ("KR", "Europe/Zurich", False),
    ("TN", "Europe/Zurich", False),
]

# Visit requests: (mandate index, requested days ago, status, replied after days or None, visit days ago
# (start, end) or None, report symbol). Each member gets a share of them, turned by its place in the list.
VISITS = [
    (0, 900, VisitRequest.Status.COMPLETED, 35, (600, 590), "A/HRC/56/49/Add.1"),
    (10, 700, VisitRequest.Status.SCHEDULED, 50, (-40, -50), ""),
    (6, 400, VisitRequest.Status.ACCEPTED, 58, None, ""),
    (3, 300, VisitRequest.Status.DATES_PROPOSED, 95, None, ""),  # answered late
    (8, 250, VisitRequest.Status.POSTPONED, 40, None, ""),
    (1, 48, VisitRequest.Status.REQUESTED, None, None, ""),  # due in about 13 days
]

# Communications: (kind, received days ago, days to reply, replied after days or None, note).
COMMUNICATIONS = [
    (Communication.Kind.ALLEGATION, 500, 60, 45, "Substantive reply sent; annexes with statistics."),
    (Communication.Kind.URGENT_APPEAL, 420, 30, 20, "Reply sent through the mission in Geneva."),
    (Communication.Kind.JOINT, 330, 60, 90, "Replied late: the ministries involved needed more time."),
    (Communication.Kind.OTHER_LETTER, 200, 60, 30, "Information on the draft law provided."),
    (Communication.Kind.ALLEGATION, 120, 60, 55, "Interim reply; a full reply is in preparation."),
    (Communication.Kind.URGENT_APPEAL, 55, 60, None, "Reply being drafted with the ministry of justice."),
    (Communication.Kind.JOINT, 20, 60, None, ""),
]
KIND_PREFIX = {
    Communication.Kind.URGENT_APPEAL: "UA",
    Communication.Kind.ALLEGATION: "AL",
    Communication.Kind.OTHER_LETTER: "OL",
    Communication.Kind.JOINT: "JAL",
}
# Entries older than this are confirmed by the member's coordinator; newer ones wait for it.
CONFIRMED_AFTER_DAYS = 90


def two_months_after(day: datetime.date) -> datetime.date:
    """The same day two months later (the last day of that month when it has no such day)."""
    month = day.month + 2
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def mandates() -> list[Mandate]:
    """The thematic mandates, created where missing (a data migration may have made some: found by name or
    by title)."""
    found = []
    for name, title in THEMATIC_MANDATES:
        mandate = Mandate.objects.filter(holder_title=title).first()
        if mandate is None:
            mandate, _created = Mandate.objects.get_or_create(
                name=name, defaults={"holder_title": title, "kind": Mandate.Kind.THEMATIC}
            )
        found.append(mandate)
    return found


def _confirmation(*, recorded: datetime.date, today: datetime.date, coordinator: User | None) -> dict:
    if coordinator is None or (today - recorded).days < CONFIRMED_AFTER_DAYS:
        return {}
    at = timezone.make_aware(
        datetime.datetime.combine(recorded + datetime.timedelta(days=7), datetime.time(10))
    )
    return {"confirmed_at": at, "confirmed_by": coordinator}


def _recorded_at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def _add_record(
    *, member: Member, place: int, time_zone: str, publishes: bool, all_mandates: list[Mandate]
) -> int:
    today = timezone.localdate()
    coordinator = User.objects.coordinators().filter(mission__member=member).order_by("pk").first()
    staff = User.objects.filter(mission__member=member, role=User.Role.STAFF).order_by("pk").first()
    author = staff or coordinator
    CooperationRecord.objects.create(
        member=member,
        standing_invitation_on=datetime.date(2004 + 3 * place, 3, 1 + place),
        time_zone=time_zone,
        card_published_at=timezone.now() if publishes else None,
        card_published_by=coordinator if publishes else None,
        card_year=today.year - 1 if publishes else None,
    )
    created = 0
    # 3 to 6 visit requests, the pending one always among them.
    visits = VISITS[place % 3 :]
    for index, days_ago, status, replied_after, visit_days, symbol in visits:
        requested_on = today - datetime.timedelta(days=days_ago + place)
        VisitRequest.objects.create(
            member=member,
            mandate=all_mandates[(index + place) % len(all_mandates)],
            requested_on=requested_on,
            status=status,
            reply_due_on=two_months_after(requested_on),
            replied_on=requested_on + datetime.timedelta(days=replied_after)
            if replied_after is not None
            else None,
            visit_starts_on=today - datetime.timedelta(days=visit_days[0]) if visit_days else None,
            visit_ends_on=today - datetime.timedelta(days=visit_days[1]) if visit_days else None,
            report_symbol=symbol,
            created_by=author,
            created_at=_recorded_at(requested_on + datetime.timedelta(days=2)),
            **_confirmation(recorded=requested_on, today=today, coordinator=coordinator),
        )
        created += 1
    # 4 to 7 communications, the two pending ones always among them.
    for number, (kind, days_ago, reply_days, replied_after, note) in enumerate(
        COMMUNICATIONS[place % 4 :], 1
    ):
        received_on = today - datetime.timedelta(days=days_ago + place)
        communication = Communication.objects.create(
            member=member,
            kind=kind,
            reference=f"{KIND_PREFIX[kind]} {member.country.alpha3} {number}/{received_on.year}",
            received_on=received_on,
            reply_due_on=received_on + datetime.timedelta(days=reply_days),
            replied_on=received_on + datetime.timedelta(days=replied_after)
            if replied_after is not None
            else None,
            note=note,
            created_by=author,
            created_at=_recorded_at(received_on + datetime.timedelta(days=1)),
            **_confirmation(recorded=received_on, today=today, coordinator=coordinator),
        )
        communication.mandates.set(
            [
                all_mandates[(number + place) % len(all_mandates)],
                all_mandates[(number + place + 5) % len(all_mandates)],
            ]
            if kind == Communication.Kind.JOINT
            else [all_mandates[(number + place) % len(all_mandates)]]
        )
        created += 1
    return created


@transaction.atomic
def load_cooperation_demo() -> int:
    """Create what is missing; returns how many visit requests and communications were created."""
    all_mandates = mandates()
    created = 0
    for place, (iso, time_zone, publishes) in enumerate(DEMO_RECORDS):
        member = Member.objects.filter(country=iso, status=Member.Status.MEMBER).first()
        if member is None or CooperationRecord.objects.filter(member=member).exists():
            continue
        created += _add_record(
            member=member, place=place, time_zone=time_zone, publishes=publishes, all_mandates=all_mandates
        )
    if created:
        bump_generation()  # a published card is now public
    return created
