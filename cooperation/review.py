"""The annual review ("the degree of cooperation"): the figures of one member for a year, and of the whole
coalition (per member, per UN regional group, and in total), and the secretariat's dashboard of due replies.

Everything is counted in the database with grouped, conditional aggregates, so the number of queries does not
grow with members or entries. Only entries the member's coordinator confirmed count in the review. Medians of
days to reply use PostgreSQL's `percentile_cont`; SQLite (the embedded mode) has none, so there the day
differences are read in one query and the medians taken in Python.

What counts in year Y:
- visit requests received: requested in Y; answered in time: replied on or before the due date; median days
  from request to reply (replied ones);
- visits accepted: status accepted, dates proposed, scheduled or completed, and replied in Y (requested in Y
  when no reply date was recorded); visits held: completed, starting in Y;
- communications received in Y: replied in time, late, or unanswered (no reply recorded yet);
- follow-up of visit recommendations: each recommendation followed up from visits requested up to the end of
  Y, by its current status;
- standing invitation: extended on or before the end of Y.
"""

from __future__ import annotations

import dataclasses
import datetime
import statistics
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Min, Q
from django.utils import timezone

from cooperation.models import Communication, CooperationRecord, FollowUp, VisitRequest
from members.models import Member

FIRST_YEAR = 2000
DEFAULT_TIME_ZONE = "Europe/Zurich"
ACCEPTED = [
    VisitRequest.Status.ACCEPTED,
    VisitRequest.Status.DATES_PROPOSED,
    VisitRequest.Status.SCHEDULED,
    VisitRequest.Status.COMPLETED,
]
NO_GROUP = "none"  # the key of members in no UN regional group (the EU)


def year_is_reviewable(year: int) -> bool:
    return FIRST_YEAR <= year <= timezone.localdate().year + 1


# --- Database helpers -----------------------------------------------------------------------------------


class DaysBetween(Func):
    """Whole days from `start` to `end` (two dates)."""

    output_field = IntegerField()

    def __init__(self, end: str, start: str, **extra) -> None:
        super().__init__(F(end), F(start), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        # PostgreSQL: date - date is an integer number of days.
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
        )


class Median(Aggregate):
    """PostgreSQL's continuous median (`percentile_cont(0.5) WITHIN GROUP (ORDER BY ...)`)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _has_median() -> bool:
    return connection.vendor == "postgresql"


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# --- Figures ----------------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclasses.dataclass
class VisitFigures:
    received: int = 0
    answered_in_time: int = 0
    answered_late: int = 0
    unanswered: int = 0
    median_days_to_reply: float | None = None
    accepted: int = 0
    held: int = 0

    @property
    def share_in_time(self) -> float | None:
        return _share(self.answered_in_time, self.received)

    def add(self, other: VisitFigures) -> None:
        for name in ("received", "answered_in_time", "answered_late", "unanswered", "accepted", "held"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclasses.dataclass
class CommunicationFigures:
    received: int = 0
    replied_in_time: int = 0
    replied_late: int = 0
    unanswered: int = 0

    @property
    def share_in_time(self) -> float | None:
        return _share(self.replied_in_time, self.received)

    def add(self, other: CommunicationFigures) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@dataclasses.dataclass
class FollowUpFigures:
    not_started: int = 0
    in_progress: int = 0
    implemented: int = 0

    @property
    def total(self) -> int:
        return self.not_started + self.in_progress + self.implemented

    def add(self, other: FollowUpFigures) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@dataclasses.dataclass
class Figures:
    visits: VisitFigures = dataclasses.field(default_factory=VisitFigures)
    communications: CommunicationFigures = dataclasses.field(default_factory=CommunicationFigures)
    follow_ups: FollowUpFigures = dataclasses.field(default_factory=FollowUpFigures)

    def add(self, other: Figures) -> None:
        self.visits.add(other.visits)
        self.communications.add(other.communications)
        self.follow_ups.add(other.follow_ups)


@dataclasses.dataclass
class MemberReview:
    member: Member
    year: int
    standing_invitation_on: datetime.date | None
    figures: Figures

    @property
    def has_standing_invitation(self) -> bool:
        return self.standing_invitation_on is not None


@dataclasses.dataclass
class GroupReview:
    """Members of one UN regional group (key: the group's value, or NO_GROUP), or the whole coalition."""

    key: str
    label: str
    members: int = 0
    standing_invitations: int = 0
    figures: Figures = dataclasses.field(default_factory=Figures)


@dataclasses.dataclass
class CoalitionReview:
    year: int
    members: list[MemberReview]
    regions: list[GroupReview]
    total: GroupReview


def _visit_conditions(year: int) -> dict[str, Q]:
    first, last = _year_range(year)
    received = Q(requested_on__gte=first, requested_on__lte=last)
    replied_in_year = Q(replied_on__gte=first, replied_on__lte=last)
    accepted = Q(status__in=ACCEPTED) & (
        replied_in_year | Q(replied_on__isnull=True, requested_on__gte=first, requested_on__lte=last)
    )
    held = Q(status=VisitRequest.Status.COMPLETED, visit_starts_on__gte=first, visit_starts_on__lte=last)
    return {"received": received, "accepted": accepted, "held": held}


def _visit_figures(year: int, member_ids: list[int] | None) -> dict[int, VisitFigures]:
    """Visit figures per member id, in one grouped query (two on SQLite, for the medians)."""
    conditions = _visit_conditions(year)
    received = conditions["received"]
    replied = received & Q(replied_on__isnull=False)
    visits = VisitRequest.objects.filter(confirmed_at__isnull=False)
    if member_ids is not None:
        visits = visits.filter(member_id__in=member_ids)
    annotations = {
        "received": Count("pk", filter=received),
        "in_time": Count("pk", filter=replied & Q(replied_on__lte=F("reply_due_on"))),
        "late": Count("pk", filter=replied & Q(replied_on__gt=F("reply_due_on"))),
        "unanswered": Count("pk", filter=received & Q(replied_on__isnull=True)),
        "accepted": Count("pk", filter=conditions["accepted"]),
        "held": Count("pk", filter=conditions["held"]),
    }
    if _has_median():
        annotations["median"] = Median(DaysBetween("replied_on", "requested_on"), filter=replied)
    rows = (
        visits.filter(received | conditions["accepted"] | conditions["held"])
        .order_by()
        .values("member_id")
        .annotate(**annotations)
    )
    result = {
        row["member_id"]: VisitFigures(
            received=row["received"],
            answered_in_time=row["in_time"],
            answered_late=row["late"],
            unanswered=row["unanswered"],
            median_days_to_reply=row.get("median"),
            accepted=row["accepted"],
            held=row["held"],
        )
        for row in rows
    }
    if not _has_median():
        for member_id, days in _reply_days(year, member_ids).items():
            result[member_id].median_days_to_reply = statistics.median(days)
    return result


def _reply_days(year: int, member_ids: list[int] | None) -> dict[int, list[int]]:
    """Days from request to reply of the replied requests received in `year`, per member (one query)."""
    first, last = _year_range(year)
    visits = VisitRequest.objects.filter(
        confirmed_at__isnull=False, requested_on__gte=first, requested_on__lte=last, replied_on__isnull=False
    )
    if member_ids is not None:
        visits = visits.filter(member_id__in=member_ids)
    days: dict[int, list[int]] = defaultdict(list)
    for member_id, value in (
        visits.order_by()
        .annotate(days=DaysBetween("replied_on", "requested_on"))
        .values_list("member_id", "days")
    ):
        days[member_id].append(value)
    return days


def _median_by_group(year: int, member_ids: list[int], group_of: dict[int, str]) -> tuple[dict, float | None]:
    """Medians of days to reply per regional group and over all `member_ids`: two queries on PostgreSQL, the
    values of `_reply_days` on SQLite."""
    if not _has_median():
        per_group: dict[str, list[int]] = defaultdict(list)
        everything: list[int] = []
        for member_id, days in _reply_days(year, member_ids).items():
            per_group[group_of.get(member_id, NO_GROUP)] += days
            everything += days
        medians = {key: statistics.median(values) for key, values in per_group.items()}
        return medians, (statistics.median(everything) if everything else None)
    first, last = _year_range(year)
    replied = VisitRequest.objects.filter(
        confirmed_at__isnull=False,
        member_id__in=member_ids,
        requested_on__gte=first,
        requested_on__lte=last,
        replied_on__isnull=False,
    ).order_by()
    median = Median(DaysBetween("replied_on", "requested_on"))
    medians = {
        row["member__regional_group"] or NO_GROUP: row["median"]
        for row in replied.values("member__regional_group").annotate(median=median)
    }
    return medians, replied.aggregate(median=median)["median"]


def _communication_figures(year: int, member_ids: list[int] | None) -> dict[int, CommunicationFigures]:
    first, last = _year_range(year)
    communications = Communication.objects.filter(
        confirmed_at__isnull=False, received_on__gte=first, received_on__lte=last
    )
    if member_ids is not None:
        communications = communications.filter(member_id__in=member_ids)
    rows = (
        communications.order_by()
        .values("member_id")
        .annotate(
            received=Count("pk"),
            in_time=Count("pk", filter=Q(replied_on__lte=F("reply_due_on"))),
            late=Count("pk", filter=Q(replied_on__gt=F("reply_due_on"))),
            unanswered=Count("pk", filter=Q(replied_on__isnull=True)),
        )
    )
    return {
        row["member_id"]: CommunicationFigures(
            received=row["received"],
            replied_in_time=row["in_time"],
            replied_late=row["late"],
            unanswered=row["unanswered"],
        )
        for row in rows
    }


def _follow_up_figures(year: int, member_ids: list[int] | None) -> dict[int, FollowUpFigures]:
    follow_ups = FollowUp.objects.filter(
        visit__confirmed_at__isnull=False, visit__requested_on__lte=datetime.date(year, 12, 31)
    )
    if member_ids is not None:
        follow_ups = follow_ups.filter(visit__member_id__in=member_ids)
    result: dict[int, FollowUpFigures] = defaultdict(FollowUpFigures)
    for row in follow_ups.order_by().values("visit__member_id", "status").annotate(count=Count("pk")):
        if row["status"] in {choice.value for choice in FollowUp.Status}:
            setattr(result[row["visit__member_id"]], row["status"], row["count"])
    return result


def _figures(year: int, member_ids: list[int] | None) -> dict[int, Figures]:
    visits = _visit_figures(year, member_ids)
    communications = _communication_figures(year, member_ids)
    follow_ups = _follow_up_figures(year, member_ids)
    ids = set(visits) | set(communications) | set(follow_ups)
    return {
        member_id: Figures(
            visits=visits.get(member_id, VisitFigures()),
            communications=communications.get(member_id, CommunicationFigures()),
            follow_ups=follow_ups.get(member_id, FollowUpFigures()),
        )
        for member_id in ids
    }


def _standing_invitation(member: Member, year: int) -> datetime.date | None:
    record = getattr(member, "cooperation", None)
    on = record.standing_invitation_on if record is not None else None
    return on if on is not None and on <= datetime.date(year, 12, 31) else None


def member_review(*, member: Member, year: int) -> MemberReview:
    """One member's figures for `year` (a handful of queries, whatever the number of entries)."""
    figures = _figures(year, [member.pk]).get(member.pk, Figures())
    return MemberReview(
        member=member, year=year, standing_invitation_on=_standing_invitation(member, year), figures=figures
    )


def coalition_review(*, year: int, members: Iterable[Member] | None = None) -> CoalitionReview:
    """Every current member's figures for `year`, per UN regional group and in total, in a fixed number of
    grouped queries."""
    if members is None:
        members = Member.objects.current().select_related("cooperation")
    members = sorted(members, key=lambda member: str(member.country.name))
    member_ids = [member.pk for member in members]
    figures = _figures(year, member_ids)
    group_of = {member.pk: member.regional_group or NO_GROUP for member in members}
    labels = dict(Member.RegionalGroup.choices)
    groups: dict[str, GroupReview] = {
        key: GroupReview(key=key, label=str(label)) for key, label in Member.RegionalGroup.choices
    }
    total = GroupReview(key="total", label="")
    reviews = []
    for member in members:
        review = MemberReview(
            member=member,
            year=year,
            standing_invitation_on=_standing_invitation(member, year),
            figures=figures.get(member.pk, Figures()),
        )
        reviews.append(review)
        key = group_of[member.pk]
        if key not in groups:
            groups[key] = GroupReview(key=key, label=str(labels.get(key, "")))
        for group in (groups[key], total):
            group.members += 1
            group.standing_invitations += review.has_standing_invitation
            group.figures.add(review.figures)
    medians, total_median = _median_by_group(year, member_ids, group_of)
    for key, group in groups.items():
        group.figures.visits.median_days_to_reply = medians.get(key)
    total.figures.visits.median_days_to_reply = total_median
    regions = [group for group in groups.values() if group.members]
    return CoalitionReview(year=year, members=reviews, regions=regions, total=total)


def review_years(member: Member | None = None) -> list[int]:
    """The years with confirmed entries (of `member`, or anyone's), and the current one: newest first."""
    visits = VisitRequest.objects.filter(confirmed_at__isnull=False)
    communications = Communication.objects.filter(confirmed_at__isnull=False)
    if member is not None:
        visits, communications = visits.filter(member=member), communications.filter(member=member)
    this_year = timezone.localdate().year
    firsts = [
        visits.aggregate(first=Min("requested_on"))["first"],
        communications.aggregate(first=Min("received_on"))["first"],
    ]
    first = min([day.year for day in firsts if day is not None] + [this_year])
    return list(range(this_year, max(first, FIRST_YEAR) - 1, -1))


# --- The secretariat's dashboard --------------------------------------------------------------------------


def local_today(time_zone: str | None) -> datetime.date:
    try:
        zone = zoneinfo.ZoneInfo(time_zone or DEFAULT_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)
    return timezone.localdate(timezone=zone)


def overdue_condition() -> tuple[Q, dict[str, datetime.date]]:
    """Unanswered entries whose due date has passed in their member's time zone (a record's, or Geneva's when
    the member has none): one condition per time zone in use, so one query answers for every member."""
    zones = set(CooperationRecord.objects.order_by().values_list("time_zone", flat=True).distinct())
    today_in = {zone: local_today(zone) for zone in zones | {DEFAULT_TIME_ZONE}}
    condition = Q(member__cooperation__isnull=True, reply_due_on__lt=today_in[DEFAULT_TIME_ZONE])
    for zone in zones:
        condition |= Q(member__cooperation__time_zone=zone, reply_due_on__lt=today_in[zone])
    return Q(replied_on__isnull=True) & condition, today_in


@dataclasses.dataclass
class MemberDue:
    member: Member
    overdue_visits: int = 0
    overdue_communications: int = 0
    visits_without_answer: int = 0
    visits_this_year: int = 0
    oldest_due_on: datetime.date | None = None
    days_overdue: int | None = None

    @property
    def overdue(self) -> int:
        return self.overdue_visits + self.overdue_communications


@dataclasses.dataclass
class RegionDue:
    key: str
    label: str
    members: int = 0
    overdue_visits: int = 0
    overdue_communications: int = 0
    visits_without_answer: int = 0
    visits_this_year: int = 0

    @property
    def overdue(self) -> int:
        return self.overdue_visits + self.overdue_communications


@dataclasses.dataclass
class OverdueItem:
    kind: str  # "visit" or "communication"
    entry: VisitRequest | Communication
    member: Member
    days_overdue: int


@dataclasses.dataclass
class Dashboard:
    year: int
    members: list[MemberDue]
    regions: list[RegionDue]
    overdue_items: list[OverdueItem]
    overdue_total: int


def dashboard(*, item_limit: int = 50) -> Dashboard:
    """Due replies of every current member: grouped counts per member and region, and the most overdue
    entries (at most `item_limit` of each kind), each overdue counted in its member's time zone. Includes
    entries not yet confirmed: a reply is due whether or not the coordinator has confirmed the entry."""
    overdue, today_in = overdue_condition()
    year = timezone.localdate().year
    first, last = _year_range(year)
    members = Member.objects.current().select_related("cooperation")
    visits = VisitRequest.objects.filter(member__status=Member.Status.MEMBER).order_by()
    communications = Communication.objects.filter(member__status=Member.Status.MEMBER).order_by()
    this_year = Q(visit_starts_on__gte=first, visit_starts_on__lte=last) & Q(
        status__in=[VisitRequest.Status.SCHEDULED, VisitRequest.Status.COMPLETED]
    )
    visit_rows = {
        row["member_id"]: row
        for row in visits.filter(overdue | Q(replied_on__isnull=True) | this_year)
        .values("member_id")
        .annotate(
            overdue=Count("pk", filter=overdue),
            without_answer=Count("pk", filter=Q(replied_on__isnull=True)),
            this_year=Count("pk", filter=this_year),
            oldest=Min("reply_due_on", filter=overdue),
        )
    }
    communication_rows = {
        row["member_id"]: row
        for row in communications.filter(overdue)
        .values("member_id")
        .annotate(overdue=Count("pk"), oldest=Min("reply_due_on"))
    }
    labels = dict(Member.RegionalGroup.choices)
    regions: dict[str, RegionDue] = {}
    rows = []
    for member in members:
        visit_row = visit_rows.get(member.pk, {})
        communication_row = communication_rows.get(member.pk, {})
        oldest = [day for day in (visit_row.get("oldest"), communication_row.get("oldest")) if day]
        record = getattr(member, "cooperation", None)
        today = today_in.get(record.time_zone if record else DEFAULT_TIME_ZONE) or local_today(None)
        row = MemberDue(
            member=member,
            overdue_visits=visit_row.get("overdue", 0),
            overdue_communications=communication_row.get("overdue", 0),
            visits_without_answer=visit_row.get("without_answer", 0),
            visits_this_year=visit_row.get("this_year", 0),
            oldest_due_on=min(oldest) if oldest else None,
            days_overdue=(today - min(oldest)).days if oldest else None,
        )
        rows.append(row)
        key = member.regional_group or NO_GROUP
        region = regions.setdefault(key, RegionDue(key=key, label=str(labels.get(key, ""))))
        region.members += 1
        for name in ("overdue_visits", "overdue_communications", "visits_without_answer", "visits_this_year"):
            setattr(region, name, getattr(region, name) + getattr(row, name))
    items = [
        *_overdue_items("visit", visits.filter(overdue).select_related("member__cooperation", "mandate"),
                        today_in, item_limit),
        *_overdue_items("communication", communications.filter(overdue).select_related("member__cooperation"),
                        today_in, item_limit),
    ]  # fmt: skip
    items.sort(key=lambda item: (-item.days_overdue, str(item.member.country.name)))
    return Dashboard(
        year=year,
        members=rows,
        regions=list(regions.values()),
        overdue_items=items[:item_limit],
        overdue_total=sum(row.overdue for row in rows),
    )


def _overdue_items(kind: str, queryset, today_in: dict[str, datetime.date], limit: int) -> list[OverdueItem]:
    items = []
    for entry in queryset.order_by("reply_due_on", "pk")[:limit]:
        record = getattr(entry.member, "cooperation", None)
        today = today_in.get(record.time_zone if record else DEFAULT_TIME_ZONE) or local_today(None)
        items.append(
            OverdueItem(
                kind=kind, entry=entry, member=entry.member, days_overdue=(today - entry.reply_due_on).days
            )
        )
    return items


__all__ = [
    "CoalitionReview",
    "Dashboard",
    "Figures",
    "MemberReview",
    "coalition_review",
    "dashboard",
    "member_review",
    "review_years",
    "year_is_reviewable",
]
