"""Open data of published cooperation cards: one record per card, as JSON and as CSV. Fields are documented
in docs/api.md.

Only the cards members chose to publish, and on them only what the public card shows: the standing
invitation, the figures of the year the member chose, its confirmed visit requests. Never anything of
communications but their counts.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from cooperation.models import CooperationRecord, FollowUp, Mandate, VisitRequest
from cooperation.publishing import published_records
from core.open_data import listed_json, open_data_response, whole_csv
from core.public_cache import cache_public_page

CSV_FIELDS = [
    "member_iso",
    "member_name",
    "regional_group",
    "url",
    "year",
    "published_at",
    "standing_invitation_on",
    "visits",
    "visit_report_symbols",
]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures_record(figures: Any) -> dict[str, dict[str, Any]]:
    """A review's figures (cooperation.review.Figures): counts, shares and the median only."""
    visits, communications, follow_ups = figures.visits, figures.communications, figures.follow_ups
    return {
        "visit_requests": {
            "received": visits.received,
            "answered_in_time": visits.answered_in_time,
            "answered_late": visits.answered_late,
            "unanswered": visits.unanswered,
            "share_answered_in_time": _share(visits.share_in_time),
            # A float on every database (PostgreSQL's percentile_cont; Python's median on SQLite).
            "median_days_to_reply": _float(visits.median_days_to_reply),
            "accepted": visits.accepted,
            "held": visits.held,
        },
        "communications": {
            "received": communications.received,
            "replied_in_time": communications.replied_in_time,
            "replied_late": communications.replied_late,
            "unanswered": communications.unanswered,
            "share_replied_in_time": _share(communications.share_in_time),
        },
        "follow_up": {
            "not_started": follow_ups.not_started,
            "in_progress": follow_ups.in_progress,
            "implemented": follow_ups.implemented,
            "total": follow_ups.total,
        },
    }


FIGURE_FIELDS = [
    (group, name)
    for group, names in {
        "visit_requests": [
            "received",
            "answered_in_time",
            "answered_late",
            "unanswered",
            "share_answered_in_time",
            "median_days_to_reply",
            "accepted",
            "held",
        ],
        "communications": [
            "received",
            "replied_in_time",
            "replied_late",
            "unanswered",
            "share_replied_in_time",
        ],
        "follow_up": ["not_started", "in_progress", "implemented", "total"],
    }.items()
    for name in names
]


_COUNT = {"type": "integer", "minimum": 0}
_SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
_FIGURE_TYPES = {"share_answered_in_time": _SHARE, "share_replied_in_time": _SHARE}
_FIGURE_TYPES["median_days_to_reply"] = {"type": ["number", "null"], "minimum": 0}
_ISO_DATE = {"type": "string", "format": "date"}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_FOLLOW_UP_COUNTS = {
    "type": "object",
    "properties": {name: _COUNT for name in ("not_started", "in_progress", "implemented")},
    "required": ["not_started", "in_progress", "implemented"],
}


def _figures_schema() -> dict[str, Any]:
    groups: dict[str, list[str]] = defaultdict(list)
    for group, name in FIGURE_FIELDS:
        groups[group].append(name)
    return {
        "type": "object",
        "properties": {
            group: {
                "type": "object",
                "properties": {name: _FIGURE_TYPES.get(name, _COUNT) for name in names},
                "required": names,
            }
            for group, names in groups.items()
        },
        "required": list(groups),
    }


# One card of the JSON, as JSON Schema (OpenAPI 3.1), its figures from FIGURE_FIELDS. A test holds it to
# what card_records gives.
CARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "member": {
            "type": "object",
            "properties": {
                "iso": {"type": "string"},
                "name": {"type": "string"},
                "regional_group": {"type": ["string", "null"]},
            },
            "required": ["iso", "name", "regional_group"],
        },
        "url": {"type": "string", "format": "uri"},
        "year": {"type": "integer"},
        "published_at": {"type": "string", "format": "date-time"},
        "standing_invitation_on": _NULLABLE_DATE,
        "figures": _figures_schema(),
        "visits": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "mandate": {
                        "type": "string",
                        "description": "the mandate holder's title as the secretariat keeps it (no "
                        "language is recorded for it: OHCHR's English title, as a rule)",
                    },
                    "mandate_kind": {"type": "string", "enum": [choice.value for choice in Mandate.Kind]},
                    "requested_on": _ISO_DATE,
                    "status": {"type": "string", "enum": [choice.value for choice in VisitRequest.Status]},
                    "visit_starts_on": _NULLABLE_DATE,
                    "visit_ends_on": _NULLABLE_DATE,
                    "report_symbol": {"type": ["string", "null"]},
                    "follow_up": _FOLLOW_UP_COUNTS,
                },
                "required": [
                    "mandate",
                    "mandate_kind",
                    "requested_on",
                    "status",
                    "visit_starts_on",
                    "visit_ends_on",
                    "report_symbol",
                    "follow_up",
                ],
            },
        },
    },
}
CARD_SCHEMA["required"] = list(CARD_SCHEMA["properties"])


def _visits_by_member(records: list[CooperationRecord]) -> dict[int, list[VisitRequest]]:
    """The confirmed visit requests of every card's member, with follow-up counts: one query."""
    statuses = FollowUp.Status
    visits = (
        VisitRequest.objects.filter(member_id__in=[r.member_id for r in records], confirmed_at__isnull=False)
        .select_related("mandate")
        .annotate(
            follow_ups_not_started=Count("follow_ups", filter=Q(follow_ups__status=statuses.NOT_STARTED)),
            follow_ups_in_progress=Count("follow_ups", filter=Q(follow_ups__status=statuses.IN_PROGRESS)),
            follow_ups_implemented=Count("follow_ups", filter=Q(follow_ups__status=statuses.IMPLEMENTED)),
        )
        .order_by("-requested_on", "-pk")
    )
    grouped: dict[int, list[VisitRequest]] = defaultdict(list)
    for visit in visits:
        grouped[visit.member_id].append(visit)
    return grouped


def visit_record(visit: VisitRequest) -> dict[str, Any]:
    return {
        "mandate": visit.mandate.holder_title,
        "mandate_kind": visit.mandate.kind,
        "requested_on": visit.requested_on.isoformat(),
        "status": visit.status,
        "visit_starts_on": _plain(visit.visit_starts_on),
        "visit_ends_on": _plain(visit.visit_ends_on),
        "report_symbol": visit.report_symbol or None,
        "follow_up": {
            "not_started": visit.follow_ups_not_started,
            "in_progress": visit.follow_ups_in_progress,
            "implemented": visit.follow_ups_implemented,
        },
    }


def card_records(request: HttpRequest) -> list[dict[str, Any]]:
    from cooperation import review

    records = list(published_records().select_related("member").order_by("member__country"))
    visits = _visits_by_member(records)
    # Figures of each year published, for the members that chose it: a fixed handful of queries per year.
    by_year: dict[int, list] = defaultdict(list)
    for record in records:
        by_year[record.card_year].append(record.member)
    figures = {}
    for year, members in by_year.items():
        for member_review in review.coalition_review(year=year, members=members).members:
            figures[member_review.member.pk] = member_review.figures
    results = []
    for record in records:
        member = record.member
        results.append(
            {
                "member": {
                    "iso": member.iso,
                    "name": member.name,
                    "regional_group": member.regional_group or None,
                },
                "url": request.build_absolute_uri(
                    reverse("cooperation_card:card_detail", kwargs={"iso": member.iso.lower()})
                ),
                "year": record.card_year,
                "published_at": record.card_published_at.isoformat(),
                "standing_invitation_on": _plain(record.standing_invitation_on),
                "figures": figures_record(figures[member.pk]),
                "visits": [visit_record(visit) for visit in visits.get(member.pk, [])],
            }
        )
    return results


@open_data_response
@require_safe
@cache_public_page()
def cooperation_json(request: HttpRequest) -> JsonResponse:
    return listed_json(card_records(request))


def _blank_if_none(value: Any) -> Any:
    return "" if value is None else value


def csv_header() -> list[str]:
    return CSV_FIELDS + [f"{group}_{name}" for group, name in FIGURE_FIELDS]


def csv_row(record: dict[str, Any]) -> list[Any]:
    """A card's record as the cells of csv_header() (also written by the releases)."""
    return [
        record["member"]["iso"],
        record["member"]["name"],
        record["member"]["regional_group"] or "",
        record["url"],
        record["year"],
        record["published_at"],
        record["standing_invitation_on"] or "",
        len(record["visits"]),
        " ".join(visit["report_symbol"] for visit in record["visits"] if visit["report_symbol"]),
    ] + [_blank_if_none(record["figures"][group][name]) for group, name in FIGURE_FIELDS]


@open_data_response
@require_safe
@cache_public_page()
def cooperation_csv(request: HttpRequest) -> HttpResponse:
    # At most one row per member: built whole, so the public cache keeps it as it keeps the JSON; no cap.
    rows = (csv_row(record) for record in card_records(request))
    return whole_csv(header=csv_header(), rows=rows, filename="cooperation-cards")
