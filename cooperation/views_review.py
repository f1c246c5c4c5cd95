"""Annual reviews (a member's, the coalition's) and the secretariat's dashboard, under /my/cooperation/.

A member's review is for its own mission staff and coordinators, and for the secretariat (who chooses the
member with `?member=<iso>`); the dashboard and the coalition's review are the secretariat's alone."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from cooperation import review as reviews
from cooperation.models import VisitRequest
from core.csv_safety import neutralise
from members.models import Member

# --- Access ----------------------------------------------------------------------------------------------


def _check_year(year: int) -> None:
    if not reviews.year_is_reviewable(year):
        raise Http404(
            gettext_lazy("There is no review for this year: reviews cover %(first)s to next year.")
            % {"first": reviews.FIRST_YEAR}
        )


def _require_secretariat(request: HttpRequest) -> None:
    if not getattr(request.user, "is_secretariat", False):
        raise PermissionDenied(gettext_lazy("Only the secretariat sees this page."))


def _reviewed_member(request: HttpRequest) -> Member | None:
    """The member whose review is asked for: the user's own, or for the secretariat the one in `?member=`
    (None until it chooses)."""
    user = request.user
    if getattr(user, "is_secretariat", False):
        iso = request.GET.get("member", "").strip().upper()
        if not iso:
            return None
        member = Member.objects.filter(country=iso).select_related("cooperation").first()
        if member is None:
            raise Http404(gettext_lazy("There is no member with this code."))
        return member
    if not user.mission_id:
        raise PermissionDenied(gettext_lazy("Only a member's mission and the secretariat see its review."))
    return Member.objects.select_related("cooperation").get(pk=user.mission.member_id)


# --- Figures as labelled rows (the page and the CSV say the same) -----------------------------------------


@dataclasses.dataclass
class FigureRow:
    label: str
    value: object  # for the CSV: a number, a date or empty
    display: str  # for the page


def _days(value: float | None) -> str:
    if value is None:
        return _("not applicable")
    return formats.number_format(value, decimal_pos=0 if float(value).is_integer() else 1)


def _percent(value: float | None) -> str:
    if value is None:
        return _("not applicable")
    return f"{formats.number_format(value * 100, decimal_pos=0)} %"


def figure_sections(figures: reviews.Figures) -> list[tuple[str, list[FigureRow]]]:
    visits, communications, follow_ups = figures.visits, figures.communications, figures.follow_ups

    def row(label: str, value, display: str | None = None) -> FigureRow:
        return FigureRow(label=label, value=value, display=display if display is not None else str(value))

    return [
        (
            _("Visit requests"),
            [
                row(_("Visit requests received"), visits.received),
                row(_("Answered within two months (by the due date)"), visits.answered_in_time),
                row(
                    _("Share answered within two months"),
                    _csv_number(visits.share_in_time),
                    _percent(visits.share_in_time),
                ),
                row(_("Answered late"), visits.answered_late),
                row(_("Not answered yet"), visits.unanswered),
                row(
                    _("Median days from request to answer"),
                    _csv_number(visits.median_days_to_reply),
                    _days(visits.median_days_to_reply),
                ),
                row(_("Visits accepted"), visits.accepted),
                row(_("Visits held"), visits.held),
            ],
        ),
        (
            _("Communications"),
            [
                row(_("Communications received"), communications.received),
                row(_("Replied to in time"), communications.replied_in_time),
                row(
                    _("Share replied to in time"),
                    _csv_number(communications.share_in_time),
                    _percent(communications.share_in_time),
                ),
                row(_("Replied to late"), communications.replied_late),
                row(_("Not replied to yet"), communications.unanswered),
            ],
        ),
        (
            _("Follow-up of recommendations from visits"),
            [
                row(_("Recommendations followed up"), follow_ups.total),
                row(_("Not started"), follow_ups.not_started),
                row(_("In progress"), follow_ups.in_progress),
                row(_("Implemented"), follow_ups.implemented),
            ],
        ),
    ]


def _invitation_text(review: reviews.MemberReview) -> str:
    if review.standing_invitation_on is None:
        return _("No")
    return _("Yes, since %(date)s") % {
        "date": formats.date_format(review.standing_invitation_on, "DATE_FORMAT")
    }


def _visits_of_year(member: Member, year: int) -> list[VisitRequest]:
    conditions = reviews._visit_conditions(year)
    return list(
        VisitRequest.objects.filter(member=member, confirmed_at__isnull=False)
        .filter(conditions["received"] | conditions["accepted"] | conditions["held"])
        .select_related("mandate")
        .order_by("requested_on", "pk")
    )


def _in_time(visit: VisitRequest) -> bool | None:
    return None if visit.replied_on is None else visit.replied_on <= visit.reply_due_on


# --- A member's review ----------------------------------------------------------------------------------


@require_safe
def member_review(request: HttpRequest, year: int) -> HttpResponse:
    _check_year(year)
    member = _reviewed_member(request)
    if member is None:
        return render(
            request,
            "cooperation/review/member_choose.html",
            {"year": year, "members": Member.objects.current().sorted_by_name()},
        )
    review = reviews.member_review(member=member, year=year)
    visits = _visits_of_year(member, year)
    member_query = f"?member={member.iso}" if request.user.is_secretariat else ""
    return render(
        request,
        "cooperation/review/member_review.html",
        {
            "member": member,
            "year": year,
            "review": review,
            "invitation": _invitation_text(review),
            "sections": figure_sections(review.figures),
            "visits": [(visit, _in_time(visit)) for visit in visits],
            "years": reviews.review_years(member),
            "member_query": member_query,
            "csv_url": reverse("my_cooperation:member_review_csv", kwargs={"year": year}) + member_query,
        },
    )


def _csv_response(rows: Iterable[Iterable[object]], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return response


@require_safe
def member_review_csv(request: HttpRequest, year: int) -> HttpResponse:
    _check_year(year)
    member = _reviewed_member(request)
    if member is None:
        raise Http404(gettext_lazy("Choose a member first."))
    review = reviews.member_review(member=member, year=year)
    rows: list[list[object]] = [
        [_("member"), _("year"), _("section"), _("figure"), _("value")],
        [
            member.iso,
            year,
            _("Standing invitation"),
            _("Extended on"),
            review.standing_invitation_on.isoformat() if review.standing_invitation_on else "",
        ],
    ]
    for section, figures in figure_sections(review.figures):
        rows += [[member.iso, year, section, figure.label, figure.value] for figure in figures]
    rows.append([])
    rows.append(
        [
            _("mandate"),
            _("requested on"),
            _("status"),
            _("reply due on"),
            _("replied on"),
            _("answered in time"),
        ]
    )
    for visit in _visits_of_year(member, year):
        in_time = _in_time(visit)
        rows.append(
            [
                str(visit.mandate),
                visit.requested_on.isoformat(),
                visit.get_status_display(),
                visit.reply_due_on.isoformat(),
                visit.replied_on.isoformat() if visit.replied_on else "",
                "" if in_time is None else (_("yes") if in_time else _("no")),
            ]
        )
    return _csv_response(rows, f"cooperation-review-{member.iso.lower()}-{year}.csv")


# --- The coalition's review ------------------------------------------------------------------------------

COALITION_COLUMNS: list[tuple[str, Callable]] = [
    (gettext_lazy("Visit requests received"), lambda f: f.visits.received),
    (gettext_lazy("Answered within two months"), lambda f: f.visits.answered_in_time),
    (gettext_lazy("Share answered within two months"), lambda f: f.visits.share_in_time),
    (gettext_lazy("Median days to answer"), lambda f: f.visits.median_days_to_reply),
    (gettext_lazy("Visits accepted"), lambda f: f.visits.accepted),
    (gettext_lazy("Visits held"), lambda f: f.visits.held),
    (gettext_lazy("Communications received"), lambda f: f.communications.received),
    (gettext_lazy("Replied to in time"), lambda f: f.communications.replied_in_time),
    (gettext_lazy("Share replied to in time"), lambda f: f.communications.share_in_time),
    (gettext_lazy("Replied to late"), lambda f: f.communications.replied_late),
    (gettext_lazy("Not replied to yet"), lambda f: f.communications.unanswered),
    (gettext_lazy("Recommendations followed up"), lambda f: f.follow_ups.total),
    (gettext_lazy("Implemented"), lambda f: f.follow_ups.implemented),
]
SHARE_COLUMNS = {2, 8}
DAYS_COLUMNS = {3}


def _display_cells(figures: reviews.Figures) -> list[str]:
    cells = []
    for index, (_label, value_of) in enumerate(COALITION_COLUMNS):
        value = value_of(figures)
        if index in SHARE_COLUMNS:
            cells.append(_percent(value))
        elif index in DAYS_COLUMNS:
            cells.append(_days(value))
        else:
            cells.append(str(value))  # counts: no decimals, and no thousands separator by default
    return cells


def _csv_number(value: float | int | None) -> object:
    """For the CSV: empty for none, whole numbers without a decimal point, others to four places."""
    if value is None:
        return ""
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 4)
    return value


def _raw_cells(figures: reviews.Figures) -> list[object]:
    cells = []
    for _label, value_of in COALITION_COLUMNS:
        value = value_of(figures)
        cells.append(_csv_number(value))
    return cells


def _region_label(key: str) -> str:
    return str(dict(Member.RegionalGroup.choices).get(key) or _("No UN regional group"))


@require_safe
def coalition_review(request: HttpRequest, year: int) -> HttpResponse:
    _require_secretariat(request)
    _check_year(year)
    review = reviews.coalition_review(year=year)
    review_url = reverse("my_cooperation:member_review", kwargs={"year": year})
    has_entries = any(
        row.figures.visits.received
        or row.figures.visits.accepted
        or row.figures.visits.held
        or row.figures.communications.received
        or row.figures.follow_ups.total
        for row in review.members
    )
    return render(
        request,
        "cooperation/review/coalition_review.html",
        {
            "year": year,
            "review": review,
            "has_entries": has_entries,
            "columns": [label for label, _value in COALITION_COLUMNS],
            "member_rows": [
                (
                    str(row.member.country.name),
                    f"{review_url}?member={row.member.iso}",
                    _invitation_text(row),
                    _display_cells(row.figures),
                )
                for row in review.members
            ],
            "region_rows": [
                (
                    _region_label(group.key),
                    group.members,
                    group.standing_invitations,
                    _display_cells(group.figures),
                )
                for group in review.regions
            ],
            "total_rows": list(
                zip(
                    [label for label, _value in COALITION_COLUMNS],
                    _display_cells(review.total.figures),
                    strict=True,
                )
            ),
            "years": reviews.review_years(),
        },
    )


@require_safe
def coalition_review_csv(request: HttpRequest, year: int) -> HttpResponse:
    _require_secretariat(request)
    _check_year(year)
    review = reviews.coalition_review(year=year)
    header = [
        _("level"),
        _("code"),
        _("name"),
        _("UN regional group"),
        _("members"),
        _("standing invitation"),
    ]
    rows: list[list[object]] = [header + [str(label) for label, _value in COALITION_COLUMNS]]
    for row in review.members:
        member = row.member
        region = _region_label(member.regional_group or reviews.NO_GROUP)
        invitation = row.standing_invitation_on.isoformat() if row.standing_invitation_on else ""
        rows.append([_("member"), member.iso, member.name, region, 1, invitation, *_raw_cells(row.figures)])
    for group in review.regions:
        label = _region_label(group.key)
        rows.append(
            [_("region"), group.key, label, label, group.members, group.standing_invitations,
             *_raw_cells(group.figures)]
        )  # fmt: skip
    total = review.total
    rows.append(
        [
            _("total"),
            "",
            _("All members"),
            "",
            total.members,
            total.standing_invitations,
            *_raw_cells(total.figures),
        ]
    )
    return _csv_response(rows, f"cooperation-review-coalition-{year}.csv")


# --- The secretariat's dashboard -------------------------------------------------------------------------

MEMBER_SORTS: dict[str, Callable] = {
    "member": lambda row: str(row.member.country.name),
    "region": lambda row: (
        _region_label(row.member.regional_group or reviews.NO_GROUP),
        str(row.member.name),
    ),
    "overdue": lambda row: row.overdue,
    "days": lambda row: row.days_overdue if row.days_overdue is not None else -1,
    "unanswered": lambda row: row.visits_without_answer,
    "visits": lambda row: row.visits_this_year,
}
REGION_SORTS: dict[str, Callable] = {
    "member": lambda row: row.label,
    "region": lambda row: row.label,
    "members": lambda row: row.members,
    "overdue": lambda row: row.overdue,
    "unanswered": lambda row: row.visits_without_answer,
    "visits": lambda row: row.visits_this_year,
}
DEFAULT_SORT = "-overdue"


def _sorted(rows: list, sorts: dict[str, Callable], sort: str) -> list:
    key = sort.removeprefix("-")
    if key not in sorts:
        key, sort = "overdue", DEFAULT_SORT
    # Ties keep a stable, readable order: by name.
    rows = sorted(rows, key=sorts["member"])
    return sorted(rows, key=sorts[key], reverse=sort.startswith("-"))


def _admin_url(name: str, pk: int) -> str | None:
    try:
        return reverse(f"admin:{name}_change", args=[pk])
    except NoReverseMatch:  # not registered in the admin
        return None


def _sort_links(sort: str, keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """For each column: the link that sorts by it (descending first for figures, flips when sorted by it)
    and its aria-sort value."""
    links = {}
    for key in keys:
        if sort.removeprefix("-") == key:
            descending = sort.startswith("-")
            links[key] = {
                "href": f"?sort={key if descending else '-' + key}",
                "aria": "descending" if descending else "ascending",
            }
        else:
            first = key if key in {"member", "region"} else f"-{key}"
            links[key] = {"href": f"?sort={first}", "aria": ""}
    return links


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_secretariat(request)
    board = reviews.dashboard()
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.removeprefix("-") not in MEMBER_SORTS:
        sort = DEFAULT_SORT
    items = [
        {
            "item": item,
            "name": str(item.member.country.name),
            "admin_url": _admin_url(
                "cooperation_visitrequest" if item.kind == "visit" else "cooperation_communication",
                item.entry.pk,
            ),
        }
        for item in board.overdue_items
    ]
    # Names, labels and links are worked out here once per row: a template tag per cell of 200 rows shows.
    review_url = reverse("my_cooperation:member_review", kwargs={"year": board.year})
    labels = {key: _region_label(key) for key in [*Member.RegionalGroup.values, reviews.NO_GROUP]}
    members = [
        {
            "row": row,
            "name": str(row.member.country.name),
            "region": labels[row.member.regional_group or reviews.NO_GROUP],
            "review_url": f"{review_url}?member={row.member.iso}",
            "admin_url": _admin_url("members_member", row.member.pk),
        }
        for row in _sorted(board.members, MEMBER_SORTS, sort)
    ]
    regions = _sorted(board.regions, REGION_SORTS, sort)
    return render(
        request,
        "cooperation/dashboard.html",
        {
            "board": board,
            "items": items,
            "members": members,
            "regions": [(row, _region_label(row.key)) for row in regions],
            "sort": sort,
            "links": _sort_links(sort, [*MEMBER_SORTS, "members"]),
            "has_more_items": board.overdue_total > len(board.overdue_items),
        },
    )


__all__ = ["coalition_review", "coalition_review_csv", "dashboard", "member_review", "member_review_csv"]
