"""Small files in the format of OHCHR's Universal Human Rights Index export, for the importer's tests.

The headers are UHRI's own, spelling mistakes included (see recommendations/importer.py); multi-valued cells
hold one "- value" a line, as in the real export."""

from __future__ import annotations

import csv
import datetime
import itertools
from collections.abc import Iterable
from pathlib import Path

HEADERS = [
    "Text",
    "Countries Concerned",
    "Reccomending Body",
    "Document Symbol",
    "Themes",
    "Affected Persons",
    "Sdgs",
    "Document Publication Date",
    "UPR Reccomending States",
    "UPR Position",
    "Type",
    "OHCHR Annotation Id",
    "UPR Session",
    "Regions Concerned",
    "Recommending Regions",
    "Date of publication on UHRI",
]

_ids = itertools.count(1)


def upr_row(**changes: object) -> dict[str, object]:
    """A supported UPR recommendation to Uruguay, third cycle; `changes` by UHRI header."""
    number = next(_ids)
    row: dict[str, object] = {
        "Text": f"116.{number} Ratify the Optional Protocol to the Convention against Torture (Chile);",
        "Countries Concerned": "- Uruguay",
        "Reccomending Body": "- UPR",
        "Document Symbol": "A/HRC/38/4",
        "Themes": (
            "- Torture and other cruel, inhuman or degrading treatment\n- Scope of international obligations"
        ),
        "Affected Persons": "- Persons deprived of their liberty",
        "Sdgs": "- 16.3 - Promote the rule of law\n- 16.a - Strengthen national institutions",
        "Document Publication Date": datetime.date(2018, 4, 20),
        "UPR Reccomending States": "- Chile\n- Costa Rica",
        "UPR Position": "- Supported",
        "Type": "- Recommendations",
        "OHCHR Annotation Id": f"a1b2c3d4-0000-4000-8000-{number:012d}",
        "UPR Session": "- 29th session",
        "Regions Concerned": "- Latin America and the Caribbean",
        "Recommending Regions": "- GRULAC",
        "Date of publication on UHRI": datetime.date(2018, 6, 1),
    }
    row.update(changes)
    return row


def treaty_row(**changes: object) -> dict[str, object]:
    """A CEDAW recommendation to Chile (concluding observations)."""
    number = next(_ids)
    row = upr_row(
        **{
            "Text": f"{number}. The Committee recommends that the State party adopt a law on equal pay.",
            "Countries Concerned": "- Chile",
            "Reccomending Body": "- CEDAW",
            "Document Symbol": "CEDAW/C/CHL/CO/7",
            "Themes": "- Discrimination against women",
            "Affected Persons": "- Women & girls",
            "Sdgs": "- Goal 5 - Gender equality",
            "UPR Reccomending States": "",
            "UPR Position": "",
            "UPR Session": "",
            "Document Publication Date": datetime.date(2018, 3, 14),
        }
    )
    row.update(changes)
    return row


def _cell_for_csv(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, rows: Iterable[dict[str, object]], *, delimiter: str = ",", headers=None) -> Path:
    headers = headers or HEADERS
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_cell_for_csv(row.get(header, "")) for header in headers])
    return path


def write_xlsx(path: Path, rows: Iterable[dict[str, object]], *, headers=None) -> Path:
    """As UHRI's "Export to Excel": one sheet, the header in the first row, dates as Excel dates."""
    from openpyxl import Workbook

    headers = headers or HEADERS
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) if row.get(header) != "" else None for header in headers])
    workbook.save(path)
    return path
