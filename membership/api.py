"""Open data of endorsements of the joint declaration: JSON and CSV, one record per endorsement. Fields are
documented in docs/api.md.

The signatory is a public official acting officially: their name and title are published. The signed document,
any e-mail address and anything of an application never are; nor are the endorsements of an applicant not yet
approved.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from core.csv_safety import Echo, neutralise
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


@login_not_required
@require_safe
@cache_public_page()
def endorsements_json(request: HttpRequest) -> JsonResponse:
    # Some hundred rows at most (one per member and version): no pages.
    results = [endorsement_record(endorsement, request) for endorsement in _queryset()]
    return JsonResponse(
        {"count": len(results), "results": results}, json_dumps_params={"ensure_ascii": False}
    )


def _csv_rows(request: HttpRequest) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield "\ufeff"  # so spreadsheet programs read UTF-8
    yield writer.writerow(CSV_FIELDS)
    for endorsement in _queryset().iterator(chunk_size=500):
        record = endorsement_record(endorsement, request)
        row = [
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
        yield writer.writerow([neutralise(value) for value in row])


@login_not_required
@require_safe
@cache_public_page()
def endorsements_csv(request: HttpRequest) -> HttpResponse:
    # Small (one row per member and version): built whole, so the public cache can keep it.
    response = HttpResponse("".join(_csv_rows(request)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="endorsements.csv"'
    return response
