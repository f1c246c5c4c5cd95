"""Open data of endorsements of the joint declaration: JSON and CSV, one record per endorsement. Fields are
documented in docs/api.md.

The signatory is a public official acting officially: their name and title are published. The signed document,
any e-mail address and anything of an application never are; nor are the endorsements of an applicant not yet
approved.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from core.open_data import listed_json, open_data_response, whole_csv
from core.public_cache import cache_public_page
from membership.models import Endorsement
from membership.views_declaration import public_endorsements

CSV_FIELDS = [
    "member_iso",
    "member_name",
    "regional_group",
    "version",
    "version_adopted_on",
    "endorsed_on",
    "level",
    "means",
    "signatory_name",
    "signatory_title",
    "meeting_url",
]

_ISO_DATE = {"type": "string", "format": "date"}

# One endorsement of the JSON, as JSON Schema (OpenAPI 3.1). A test holds it to what endorsement_record gives.
ENDORSEMENT_SCHEMA: dict[str, Any] = {
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
        "version": {"type": "integer"},
        "version_adopted_on": _ISO_DATE,
        "endorsed_on": _ISO_DATE,
        "level": {"type": "string", "enum": [choice.value for choice in Endorsement.Level]},
        "means": {"type": "string", "enum": [choice.value for choice in Endorsement.Means]},
        "signatory": {
            "type": "object",
            "description": "the public official who signed; the title as the secretariat recorded it (no "
            "language is recorded for it)",
            "properties": {"name": {"type": ["string", "null"]}, "title": {"type": ["string", "null"]}},
            "required": ["name", "title"],
        },
        "meeting_url": {"type": ["string", "null"], "format": "uri"},
    },
}
ENDORSEMENT_SCHEMA["required"] = list(ENDORSEMENT_SCHEMA["properties"])


def endorsement_record(endorsement: Endorsement, request: HttpRequest) -> dict[str, Any]:
    member, version, meeting = endorsement.member, endorsement.version, endorsement.meeting
    return {
        "member": {"iso": member.iso, "name": member.name, "regional_group": member.regional_group or None},
        "version": version.number,
        "version_adopted_on": version.adopted_on.isoformat(),
        "endorsed_on": endorsement.endorsed_on.isoformat(),
        "level": endorsement.level,
        "means": endorsement.means,
        "signatory": {
            "name": endorsement.signatory_name or None,
            "title": endorsement.signatory_title or None,
        },
        "meeting_url": request.build_absolute_uri(meeting.get_absolute_url()) if meeting else None,
    }


def _queryset():
    return public_endorsements().order_by("version__number", "endorsed_on", "pk")


@open_data_response
@require_safe
@cache_public_page()
def endorsements_json(request: HttpRequest) -> JsonResponse:
    # Some hundred rows at most (one per member and version): no pages.
    return listed_json([endorsement_record(endorsement, request) for endorsement in _queryset()])


def csv_row(record: dict[str, Any]) -> list[Any]:
    """An endorsement's record as the cells of CSV_FIELDS (also written by the releases)."""
    return [
        record["member"]["iso"],
        record["member"]["name"],
        record["member"]["regional_group"] or "",
        record["version"],
        record["version_adopted_on"],
        record["endorsed_on"],
        record["level"],
        record["means"],
        record["signatory"]["name"] or "",
        record["signatory"]["title"] or "",
        record["meeting_url"] or "",
    ]


@open_data_response
@require_safe
@cache_public_page()
def endorsements_csv(request: HttpRequest) -> HttpResponse:
    # Small (one row per member and version): built whole, so the public cache keeps it; no cap.
    rows = (csv_row(endorsement_record(endorsement, request)) for endorsement in _queryset())
    return whole_csv(header=CSV_FIELDS, rows=rows, filename="endorsements")
