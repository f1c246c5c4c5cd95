"""Importing the export of OHCHR's Universal Human Rights Index (UHRI, https://uhri.ohchr.org): its "Export to
Excel" (.xlsx) or a CSV with the same columns, for the chosen states, idempotently.

The columns, as UHRI names them. OHCHR publishes no documentation of the export; these are the headers of real
UHRI exports as read by public projects that process them (the UN Human Rights Dashboard,
github.com/lszoszk/UnitedNations_recommendations: `Dataset_prep.py`, its SheetJS column table and its test
fixture "mimicking an actual UHRI xlsx export"), spelling mistakes included:

    Text, Countries Concerned, Reccomending Body, Document Symbol, Themes, Affected Persons, Sdgs,
    Document Publication Date, UPR Reccomending States, UPR Position, Type, OHCHR Annotation Id, UPR Session,
    Regions Concerned, Recommending Regions, Date of publication on UHRI

Multi-valued cells hold one value per line, each prefixed with "- " ("- Women & girls\\n- Children"); dates
come as Excel dates or date serials (days since 1899-12-30); SDG cells name targets ("- 16.3 - Promote the
rule of law"). Headers are matched case-, space- and punctuation-insensitively through a small alias table
(`COLUMNS`), so a corrected spelling ("Recommending Body") or a hand-made CSV ("Symbol", "Country") is read
too. The export has no paragraph, UPR cycle, language or link column: the paragraph is taken from the start of
the text ("116.23 Ratify ..."), the cycle from the UPR session (sessions 1-12 are the first cycle, 13-26 the
second, 27-40 the third, 41-54 the fourth), the language is English unless a "Language" column says
otherwise, and a "URL"/"Link" column is read when present. Rows whose type is not a recommendation
(UHRI also indexes "Concerns/Observations") are skipped, counted by reason.

A row is the same recommendation as a stored one when their UHRI identifiers are equal, or, without one, when
state, document symbol and paragraph are (and the text too when there is no paragraph). Identical: unchanged;
different: updated in place. Rows are written in batches (bulk inserts and updates, through-table inserts
for themes and SDG targets, one search-vector update per batch); a malformed row is reported with its line
number (as a spreadsheet numbers rows: the header is line 1) and skipped, never stopping the rest.
"""

from __future__ import annotations

import csv
import datetime
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django_countries import countries

from core.audit import records_actor
from core.public_cache import bump_generation
from members.models import Member, User
from recommendations.families import family_key
from recommendations.models import (
    TREATY_BODIES,
    UPR_BODY,
    ImportRun,
    Mechanism,
    Recommendation,
    RecommendationEvent,
    Response,
)
from recommendations.search import update_search_vectors
from stories.models import SdgTarget, Theme

__all__ = ["COLUMNS", "ImportFileError", "format_summary", "import_recommendations", "write_rows"]

# What each field is read from: UHRI's own header first, then the variants accepted.
COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("Text", "Recommendation", "Recommendation Text", "Annotation Text"),
    "country": (
        "Countries Concerned",
        "Country Concerned",
        "Countries",
        "Country",
        "State under Review",
        "State",
    ),
    "body": ("Reccomending Body", "Recommending Body", "Body", "Mechanism"),
    "symbol": ("Document Symbol", "Symbol"),
    "paragraph": ("Paragraph", "Para"),
    "cycle": ("UPR Cycle", "Cycle"),
    "session": ("UPR Session", "Session"),
    "recommending_states": (
        "UPR Reccomending States",
        "UPR Recommending States",
        "Recommending States",
        "Recommending State",
    ),
    "response": ("UPR Position", "Position", "Response"),
    "published_on": ("Document Publication Date", "Publication Date", "Date"),
    "language": ("Language",),
    "themes": ("Themes", "Theme"),
    "affected": ("Affected Persons", "Affected Groups", "Concerned Groups"),
    "sdgs": ("Sdgs", "SDG Targets", "Sustainable Development Goals"),
    "type": ("Type", "Annotation Type"),
    "uhri_id": ("OHCHR Annotation Id", "Annotation Id", "UHRI Id", "Id"),
    "url": ("URL", "Link", "UHRI URL", "UHRI Link"),
}
REQUIRED = ("text", "country", "body", "symbol")
BATCH = 2000
PROGRESS_EVERY = 1000
REPORT_LIMIT = 1000  # malformed rows kept in ImportRun.report, line by line

NOT_CHOSEN = "not a chosen state"
EXCEL_EPOCH = datetime.date(1899, 12, 30)  # Excel's day 0, with its 1900 leap-year bug
UPR_CYCLE_LAST_SESSION = ((12, 1), (26, 2), (40, 3), (54, 4))

# UN-style names django-countries does not know by itself (lower case, straight apostrophes).
UN_NAMES: dict[str, str] = {
    "bolivia (plurinational state of)": "BO",
    "democratic people's republic of korea": "KP",
    "korea, democratic people's republic of": "KP",
    "republic of korea": "KR",
    "korea, republic of": "KR",
    "republic of moldova": "MD",
    "united republic of tanzania": "TZ",
    "state of palestine": "PS",
    "palestine, state of": "PS",
    "gambia": "GM",
    "gambia (republic of the)": "GM",
    "the gambia": "GM",
    "united kingdom of great britain and northern ireland": "GB",
    "iran (islamic republic of)": "IR",
    "venezuela (bolivarian republic of)": "VE",
    "micronesia (federated states of)": "FM",
    "netherlands (kingdom of the)": "NL",
    "turkiye": "TR",
    "cote d'ivoire": "CI",
    "democratic republic of the congo": "CD",
    "lao people's democratic republic": "LA",
    "syrian arab republic": "SY",
    "russian federation": "RU",
    "viet nam": "VN",
    "holy see": "VA",
    "european union": "EU",
}
TREATY_BODY_ALIASES = {
    "CRC-OP-AC": "CRC",
    "CRC-OP-SC": "CRC",
    "CRCOPAC": "CRC",
    "CRCOPSC": "CRC",
    "CPED": "CED",
}
SPECIAL_PROCEDURES = re.compile(
    r"^(sr|ie|wg|special rapporteur|independent expert|working group|special procedures?)\b", re.IGNORECASE
)
# "116.23 Ratify ..." (UPR) or "49. The Committee ..." (treaty bodies); not "2030 Agenda ...".
PARAGRAPH_AT_START = re.compile(r"^\s*(\d{1,3}(?:\.\d+)*)(?!\d)(?=\.?(?:[\s)]|[^\W\d]))")
TARGET = re.compile(r"^(?:sdg\s*|target\s*)?(\d{1,2})\.(\d{1,2}|[a-z])(?![\w.])", re.IGNORECASE)
GOAL = re.compile(r"^(?:(?:sdg|goal)\s*(\d{1,2})\b|(\d{1,2})(?:\s*[-\u2013:]|$))", re.IGNORECASE)
NUMBER = re.compile(r"\d+")
LANGUAGE_NAMES = {
    "english": "en",
    "anglais": "en",
    "inglés": "en",
    "french": "fr",
    "français": "fr",
    "francés": "fr",
    "spanish": "es",
    "español": "es",
    "espagnol": "es",
    "arabic": "ar",
    "chinese": "zh-hans",
    "zh": "zh-hans",
    "russian": "ru",
}
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
)


class ImportFileError(ValueError):
    """The file cannot be read as a UHRI export at all (not CSV or XLSX, or none of the needed columns)."""


class RowError(ValueError):
    """This row is malformed: reported with its line number, and skipped."""


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # model fields read from the file
    theme_ids: frozenset[int] | None  # None: the file has no SDG column, leave them as they are
    target_ids: frozenset[int] | None

    @property
    def key_csp(self) -> tuple[str, str, str, str]:
        v = self.values
        return (v["country"], v["symbol"], v["paragraph"], "" if v["paragraph"] else v["text"])


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    skipped: Counter = field(default_factory=Counter)
    malformed: list[tuple[int, str]] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)

    def bad(self, line: int, reason: str) -> None:
        self.malformed.append((line, reason))

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values()) + len(self.malformed)


# ---------------------------------------------------------------------------------------------------------
# Reading the file


def _normal(header: Any) -> str:
    return re.sub(r"[\W_]+", "", str(header or "").casefold())


ALIASES = {_normal(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def _columns(headers: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = ALIASES.get(_normal(header))
        if name and name not in found:
            found[name] = index
    return found


def _looks_like_header(values: Iterable[Any]) -> bool:
    return len({ALIASES[_normal(v)] for v in values if _normal(v) in ALIASES}) >= 2


def _check_columns(columns: dict[str, int]) -> None:
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFileError(
            "The file lacks the column(s) "
            + ", ".join(f'"{name}"' for name in missing)
            + " of UHRI's export (see recommendations/importer.py for the names accepted)."
        )


@dataclass
class _Source:
    columns: dict[str, int]
    rows: Iterator[tuple[int, tuple[Any, ...]]]  # (line number, cells)
    total: int | None  # data rows, when known
    close: Callable[[], None]


def _open_xlsx(path: Path) -> _Source:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(f"{path.name} is not a readable Excel (.xlsx) file: {error}") from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header_line, headers = 0, ()
    for line, values in enumerate(rows, start=1):
        if _looks_like_header(values):
            header_line, headers = line, values
            break
        if line >= 10:  # UHRI puts the header first; a title row or two is tolerated
            break
    columns = _columns(list(headers))
    try:
        _check_columns(columns)
    except ImportFileError:
        workbook.close()
        raise
    total = sheet.max_row - header_line if sheet.max_row else None

    def data() -> Iterator[tuple[int, tuple[Any, ...]]]:
        yield from enumerate(rows, start=header_line + 1)

    return _Source(columns=columns, rows=data(), total=total, close=workbook.close)


def _open_csv(path: Path) -> _Source:
    try:
        with path.open(encoding="utf-8-sig", newline="") as probe:
            sample = probe.read(1 << 16)
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path.name} is neither an Excel (.xlsx) file nor UTF-8 CSV text.") from error
    if "\x00" in sample or not sample.strip():
        raise ImportFileError(f"{path.name} is neither an Excel (.xlsx) file nor CSV text.")
    first_line = sample.splitlines()[0]
    # UHRI's headers hold neither commas nor semicolons: the header line tells the delimiter.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    handle = path.open(encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(handle, delimiter=delimiter)
        headers = next(reader, [])
        columns = _columns(headers)
        _check_columns(columns)
        with path.open(encoding="utf-8-sig", newline="") as counting:
            total = max(sum(1 for _ in csv.reader(counting, delimiter=delimiter)) - 1, 0)
    except UnicodeDecodeError as error:
        handle.close()
        raise ImportFileError(f"{path.name} is not UTF-8 CSV text.") from error
    except (ImportFileError, csv.Error):
        handle.close()
        raise

    def data() -> Iterator[tuple[int, tuple[Any, ...]]]:
        # Numbered as a spreadsheet shows them (the header is line 1), whatever line breaks cells hold.
        for line, values in enumerate(reader, start=2):
            if any(value.strip() for value in values):
                yield line, tuple(values)

    return _Source(columns=columns, rows=data(), total=total, close=handle.close)


def _open(path: Path) -> _Source:
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
    except OSError as error:
        raise ImportFileError(f"Cannot read {path}: {error.strerror}.") from error
    if magic.startswith(b"PK\x03\x04"):
        return _open_xlsx(path)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(f"{path.name} is an old Excel (.xls) file: save it as .xlsx or CSV first.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise ImportFileError(f"{path.name} is not a readable Excel (.xlsx) file.")
    try:
        return _open_csv(path)
    except csv.Error as error:
        raise ImportFileError(f"{path.name} is not readable CSV: {error}") from error


# ---------------------------------------------------------------------------------------------------------
# Reading one row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _single(value: Any) -> str:
    """A one-value UHRI cell: "- CEDAW" is CEDAW."""
    text = _text(value)
    return text[1:].strip() if text.startswith("-") else text


def _many(value: Any) -> list[str]:
    """A multi-value UHRI cell: one value a line, each after "- " (semicolons accepted as well)."""
    items = []
    for part in re.split(r"[\r\n;]+", _text(value)):
        part = part.strip()
        if part.startswith("- ") or part == "-":
            part = part[1:].strip()
        if part and part not in items:
            items.append(part)
    return items


class _Lookups:
    """What rows are resolved against, loaded once per import."""

    def __init__(self) -> None:
        self.countries: dict[str, str] = {}
        self.targets = dict(SdgTarget.objects.values_list("code", "pk"))
        self.goals = dict(Theme.objects.sdgs().values_list("sdg_number", "pk"))
        self.languages = {code for code, _name in settings.LANGUAGES}

    def country(self, name: str) -> str:
        if name not in self.countries:
            self.countries[name] = _country_code(name)
        return self.countries[name]


def _country_code(name: str) -> str:
    name = name.replace("\u2019", "'").strip()
    if len(name) in (2, 3) and name.isalpha():
        code = countries.alpha2(name.upper())
        if code:
            return code
    folded = name.casefold()
    return UN_NAMES.get(folded) or countries.by_name(name) or UN_NAMES.get(folded.removeprefix("the ")) or ""


def _mechanism(values: list[str]) -> tuple[str, str]:
    entries = [v for v in values if v.casefold() not in ("special procedures", "special procedure")]
    special = len(entries) < len(values)
    for entry in entries:
        if entry.casefold() in ("upr", "universal periodic review"):
            return Mechanism.UPR, UPR_BODY
    for entry in entries:
        code = entry.upper().replace(" ", "")
        code = TREATY_BODY_ALIASES.get(code, code)
        if code in TREATY_BODIES:
            return Mechanism.TREATY_BODY, code
    for entry in entries:
        if special or SPECIAL_PROCEDURES.match(entry):
            return Mechanism.SPECIAL_PROCEDURES, entry[:200]
    if special:
        return Mechanism.SPECIAL_PROCEDURES, "Special Procedures"
    raise RowError(f'unknown treaty body or mechanism "{", ".join(values)[:80]}"')


def _response(value: str) -> str:
    folded = value.casefold()
    if not folded:
        return ""
    if re.search(r"\b(not|no|non)\b", folded) or "note" in folded or "nota" in folded or "reject" in folded:
        return Response.NOTED
    if any(word in folded for word in ("support", "accept", "apoy", "soutenu", "agreed")):
        return Response.SUPPORTED
    return ""


def _date(value: Any) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        found = value.date()
    elif isinstance(value, datetime.date):
        found = value
    elif isinstance(value, int | float) or re.fullmatch(r"\d{4,6}(\.\d+)?", str(value).strip()):
        found = EXCEL_EPOCH + datetime.timedelta(days=int(float(value)))
    else:
        text = str(value).strip()
        found = None
        try:
            found = datetime.datetime.fromisoformat(text).date()
        except ValueError:
            for pattern in DATE_FORMATS:
                try:
                    found = datetime.datetime.strptime(text, pattern).date()
                    break
                except ValueError:
                    continue
        if found is None:
            raise RowError(f'bad date "{text[:40]}"')
    if not 1945 <= found.year <= 2100:
        raise RowError(f'bad date "{_text(value)[:40]}"')
    return found


def _language(value: str, lookups: _Lookups) -> str:
    folded = value.casefold().strip()
    if folded in lookups.languages:
        return folded
    code = LANGUAGE_NAMES.get(folded) or LANGUAGE_NAMES.get(folded.split("-")[0])
    if code is None and folded.split("-")[0] in lookups.languages:
        code = folded.split("-")[0]
    if code is None:
        raise RowError(f'unknown language "{value[:30]}"')
    return code


def _cycle(session: str, cycle_cell: str) -> int | None:
    if cycle_cell:
        number = NUMBER.search(cycle_cell)
        if number and 1 <= int(number.group()) <= 9:
            return int(number.group())
        raise RowError(f'bad UPR cycle "{cycle_cell[:20]}"')
    number = NUMBER.search(session)
    if not number:
        return None
    for last_session, cycle in UPR_CYCLE_LAST_SESSION:
        if int(number.group()) <= last_session:
            return cycle
    return 5


def _sdgs(values: list[str], lookups: _Lookups) -> tuple[frozenset[int], frozenset[int]]:
    goals, targets = set(), set()
    for value in values:
        target = TARGET.match(value)
        if target:
            code = f"{int(target.group(1))}.{target.group(2).lower()}"
            if code in lookups.targets:
                targets.add(lookups.targets[code])
                goals.add(int(target.group(1)))
            continue
        goal = GOAL.match(value)
        if goal:
            goals.add(int(goal.group(1) or goal.group(2)))
    return frozenset(lookups.goals[g] for g in goals if g in lookups.goals), frozenset(targets)


def _parse(
    line: int, cells: tuple[Any, ...], columns: dict[str, int], lookups: _Lookups, *, is_demo: bool
) -> _Row:
    def cell(name: str) -> Any:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    values: dict[str, Any] = {"is_demo": is_demo}
    text = _text(cell("text"))
    if not text:
        raise RowError("no text")
    symbol = _single(cell("symbol"))
    if not symbol:
        raise RowError("no document symbol")
    if len(symbol) > 100:
        raise RowError("document symbol longer than 100 characters")
    mechanism, body = _mechanism(_many(cell("body")))
    paragraph = _single(cell("paragraph")) if "paragraph" in columns else ""
    if not paragraph:
        found = PARAGRAPH_AT_START.match(text)
        paragraph = found.group(1) if found else ""
    if len(paragraph) > 30:
        raise RowError("paragraph longer than 30 characters")
    values.update(text=text, symbol=symbol, mechanism=mechanism, body=body, paragraph=paragraph)
    if "session" in columns:
        session = _single(cell("session"))
        number = NUMBER.search(session)
        values["session"] = number.group() if number else session[:50]
    if mechanism == Mechanism.UPR and ("session" in columns or "cycle" in columns):
        values["upr_cycle"] = _cycle(values.get("session", ""), _single(cell("cycle")))
    elif "cycle" in columns or "session" in columns:
        values["upr_cycle"] = None
    if "recommending_states" in columns:
        values["recommending_states"] = _many(cell("recommending_states"))
    if "response" in columns:
        values["response"] = _response(_single(cell("response"))) if mechanism == Mechanism.UPR else ""
    if "published_on" in columns:
        values["published_on"] = _date(cell("published_on"))
    if "language" in columns:
        language = _single(cell("language"))
        values["language"] = _language(language, lookups) if language else settings.LANGUAGE_CODE
    if "themes" in columns:
        values["uhri_themes"] = _many(cell("themes"))
    if "affected" in columns:
        values["affected_groups"] = _many(cell("affected"))
    if "uhri_id" in columns:
        uhri_id = _single(cell("uhri_id"))
        if len(uhri_id) > 64:
            raise RowError("UHRI identifier longer than 64 characters")
        values["uhri_id"] = uhri_id or None
    if "url" in columns:
        url = _single(cell("url"))
        if url and (len(url) > 500 or not re.match(r"https?://\S+$", url)):
            raise RowError(f'bad link "{url[:60]}"')
        values["uhri_url"] = url
    theme_ids = target_ids = None
    if "sdgs" in columns:
        theme_ids, target_ids = _sdgs(_many(cell("sdgs")), lookups)
    return _Row(line=line, values=values, theme_ids=theme_ids, target_ids=target_ids)


# ---------------------------------------------------------------------------------------------------------
# Writing a batch


@dataclass
class _Match:
    row: _Row
    existing: Recommendation | None = None


def _match(batch: list[_Row], tally: _Tally, seen: dict, claimed: dict[int, int]) -> list[_Match]:
    """Pair each row with the stored recommendation it is (or None), reporting duplicates and conflicts.

    The candidates are read as keys only (no texts): a fresh import finds none of them, and only the
    recommendations matched are then loaded whole."""
    uhri_ids = [row.values["uhri_id"] for row in batch if row.values.get("uhri_id")]
    documents = {(row.values["country"], row.values["symbol"]) for row in batch}
    keys_only = Recommendation.objects.annotate(
        key_text=Case(When(paragraph="", then="text"), default=Value(""), output_field=models.TextField())
    ).values_list("pk", "uhri_id", "country", "symbol", "paragraph", "key_text")
    # Two queries rather than one with OR: each can use its index (uhri_id; symbol and paragraph). A document
    # symbol is one state's (A/HRC/38/4 is Uruguay's UPR report).
    candidates = set(keys_only.filter(uhri_id__in=uhri_ids)) if uhri_ids else set()
    candidates.update(
        key
        for key in keys_only.filter(symbol__in={symbol for _country, symbol in documents})
        if (key[2], key[3]) in documents
    )
    by_uhri: dict[str, tuple] = {}
    by_csp: dict[tuple, tuple] = {}
    for key in sorted(candidates):
        pk, uhri_id, country, symbol, paragraph, text = key
        if uhri_id:
            by_uhri[uhri_id] = key
        by_csp.setdefault((country, symbol, paragraph, text), key)
    pairs: list[tuple[_Row, int | None]] = []
    for row in batch:
        uhri_id = row.values.get("uhri_id")
        keys = [("csp", row.key_csp)] + ([("uhri", uhri_id)] if uhri_id else [])
        earlier = next((seen[key] for key in keys if key in seen), None)
        if earlier is not None:
            tally.bad(row.line, f"the same recommendation as line {earlier}")
            continue
        existing = by_uhri.get(uhri_id) if uhri_id else None
        if existing is None:
            candidate = by_csp.get(row.key_csp)
            if candidate is not None and candidate[1] and uhri_id and candidate[1] != uhri_id:
                tally.bad(
                    row.line,
                    "this paragraph of this document is already recorded for this state under another UHRI "
                    f"identifier ({candidate[1]})",
                )
                continue
            existing = candidate
        pk = existing[0] if existing is not None else None
        if pk is not None and pk in claimed:
            tally.bad(row.line, f"the same recommendation as line {claimed[pk]}")
            continue
        for key in keys:
            seen[key] = row.line
        if pk is not None:
            claimed[pk] = row.line
        pairs.append((row, pk))
    stored = Recommendation.objects.in_bulk([pk for _row, pk in pairs if pk is not None])
    return [_Match(row=row, existing=stored.get(pk) if pk is not None else None) for row, pk in pairs]


def _m2m_sets(ids: list[int]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    themes: dict[int, set[int]] = {pk: set() for pk in ids}
    targets: dict[int, set[int]] = {pk: set() for pk in ids}
    for rec_id, theme_id in Recommendation.themes.through.objects.filter(
        recommendation_id__in=ids
    ).values_list("recommendation_id", "theme_id"):
        themes[rec_id].add(theme_id)
    for rec_id, target_id in Recommendation.sdg_targets.through.objects.filter(
        recommendation_id__in=ids
    ).values_list("recommendation_id", "sdgtarget_id"):
        targets[rec_id].add(target_id)
    return themes, targets


def _stored(rec: Recommendation, name: str) -> Any:
    value = getattr(rec, name)
    return value.code if name == "country" else value


def _insert(recs: list[Recommendation]) -> None:
    """bulk_create, or on PostgreSQL its fast equivalent: ids drawn from the sequence, rows sent with COPY.
    (bulk_create spends most of a 100,000-row import binding its 20 parameters a row.)"""
    if connection.vendor != "postgresql":
        Recommendation.objects.bulk_create(recs)
        return
    from psycopg.types.json import Jsonb

    table = Recommendation._meta.db_table
    fields = [
        f for f in Recommendation._meta.concrete_fields if not f.primary_key and f.name != "search_vector"
    ]
    columns = ", ".join(["id", *(connection.ops.quote_name(f.column) for f in fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(recs)]
        )
        for rec, (pk,) in zip(recs, cursor.fetchall(), strict=True):
            rec.pk = pk
        names = [f.attname for f in fields]
        json_fields = [i for i, f in enumerate(fields, start=1) if isinstance(f, models.JSONField)]
        country = 1 + names.index("country")
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for rec in recs:
                values = [rec.pk, *(getattr(rec, name) for name in names)]
                values[country] = values[country].code
                for i in json_fields:
                    values[i] = Jsonb(values[i])
                copy.write_row(values)


def _insert_links(through: type, column: str, pairs: list[tuple[int, int]]) -> None:
    if not pairs:
        return
    if connection.vendor != "postgresql":
        through.objects.bulk_create([through(recommendation_id=pk, **{column: other}) for pk, other in pairs])
        return
    table = connection.ops.quote_name(through._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} (recommendation_id, {connection.ops.quote_name(column)}) FROM STDIN"
        ) as copy,
    ):
        for pair in pairs:
            copy.write_row(pair)


def _write(matches: list[_Match], tally: _Tally, now: datetime.datetime) -> None:
    """Create, update or leave each matched row, in one transaction (the caller's)."""
    through_themes, through_targets = Recommendation.themes.through, Recommendation.sdg_targets.through
    existing_ids = [m.existing.pk for m in matches if m.existing is not None]
    stored_themes, stored_targets = _m2m_sets(existing_ids)
    new, changed, m2m_reset = [], [], []
    update_fields: set[str] = {"updated_at"}
    created = updated = unchanged = 0
    for match in matches:
        row, rec = match.row, match.existing
        values = {**row.values, "family": family_key(row.values["text"])}
        if rec is None:
            new.append((Recommendation(**values, created_at=now, updated_at=now), row))
            continue
        if values.get("uhri_id", "") is None:
            del values["uhri_id"]  # a row without an identifier keeps the one already recorded
        fields = [name for name, value in values.items() if _stored(rec, name) != value]
        themes_differ = row.theme_ids is not None and stored_themes[rec.pk] != row.theme_ids
        targets_differ = row.target_ids is not None and stored_targets[rec.pk] != row.target_ids
        if not fields and not themes_differ and not targets_differ:
            unchanged += 1
            continue
        for name in fields:
            setattr(rec, name, values[name])
        update_fields.update(fields)
        rec.updated_at = now
        changed.append(rec)
        if themes_differ or targets_differ:
            m2m_reset.append((rec.pk, row))
    if new:
        _insert([rec for rec, _row in new])
        created = len(new)
    if changed:
        Recommendation.objects.bulk_update(changed, sorted(update_fields), batch_size=200)
        updated = len(changed)
    reset_ids = [pk for pk, _row in m2m_reset]
    if reset_ids:
        through_themes.objects.filter(recommendation_id__in=reset_ids).delete()
        through_targets.objects.filter(recommendation_id__in=reset_ids).delete()
    links = [(rec.pk, row) for rec, row in new] + m2m_reset
    _insert_links(through_themes, "theme_id", [(pk, t) for pk, row in links for t in row.theme_ids or ()])
    _insert_links(
        through_targets, "sdgtarget_id", [(pk, t) for pk, row in links for t in row.target_ids or ()]
    )
    ids = [rec.pk for rec, _row in new] + [rec.pk for rec in changed]
    if ids:
        update_search_vectors(ids)
    tally.created += created
    tally.updated += updated
    tally.unchanged += unchanged
    tally.changed_ids += ids


def _flush(batch: list[_Row], tally: _Tally, seen: dict, claimed: dict[int, int]) -> None:
    matches = _match(batch, tally, seen, claimed)
    now = timezone.now()
    try:
        with transaction.atomic():
            _write(matches, tally, now)
    except IntegrityError:
        # Something in the batch clashes with the database: write the rows one by one to tell which.
        for match in matches:
            try:
                with transaction.atomic():
                    _write([match], tally, now)
            except IntegrityError:
                tally.bad(match.row.line, "clashes with a recommendation already recorded")


def write_rows(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Write recommendations given as their model fields (country as an ISO code), with "theme_ids" and
    "target_ids" (ids of SDG themes and targets), through the importer's own path: each is matched to a
    stored one as a file's row is, then created, updated or left as it is, in batches. For the demo data."""
    tally = _Tally()
    seen: dict = {}
    claimed: dict[int, int] = {}
    batch = []
    for line, data in enumerate(rows, start=1):
        values = {"paragraph": "", **data}
        themes, targets = values.pop("theme_ids", None), values.pop("target_ids", None)
        batch.append(
            _Row(
                line=line,
                values=values,
                theme_ids=None if themes is None else frozenset(themes),
                target_ids=None if targets is None else frozenset(targets),
            )
        )
        if len(batch) >= BATCH:
            _flush(batch, tally, seen, claimed)
            batch = []
    if batch:
        _flush(batch, tally, seen, claimed)
    return {
        "created": tally.created,
        "updated": tally.updated,
        "unchanged": tally.unchanged,
        "refused": len(tally.malformed),
    }


# ---------------------------------------------------------------------------------------------------------
# The service


def _report(tally: _Tally) -> list[dict[str, Any]]:
    report: list[dict[str, Any]] = [
        {"reason": reason, "rows": count} for reason, count in tally.skipped.most_common()
    ]
    report += [{"line": line, "reason": reason} for line, reason in tally.malformed[:REPORT_LIMIT]]
    if len(tally.malformed) > REPORT_LIMIT:
        report.append(
            {"reason": "more malformed rows, not listed", "rows": len(tally.malformed) - REPORT_LIMIT}
        )
    return report


@records_actor
def import_recommendations(
    *,
    path: str | Path,
    states: Iterable[str] | None = None,
    actor: User | None = None,
    is_demo: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportRun:
    """Import a UHRI export (.xlsx or CSV) for `states` (ISO codes; default: every current member's country).

    Raises ImportFileError, before writing anything, when the file is not a CSV or XLSX file or lacks the
    columns a recommendation needs. `progress(rows read, rows in the file or None)` is called every
    PROGRESS_EVERY rows and at the end."""
    path = Path(path)
    chosen = (
        {code.upper() for code in states}
        if states
        else {member.country.code for member in Member.objects.current()}
    )
    source = _open(path)
    run = ImportRun.objects.create(file_name=path.name[:300], states=sorted(chosen), actor=actor)
    lookups, tally = _Lookups(), _Tally()
    seen: dict = {}
    claimed: dict[int, int] = {}
    batch: list[_Row] = []
    kind_column = "type" in source.columns
    try:
        for line, cells in source.rows:
            tally.rows += 1
            if progress is not None and tally.rows % PROGRESS_EVERY == 0:
                progress(tally.rows, source.total)
            try:
                names = _many(
                    cells[source.columns["country"]] if source.columns["country"] < len(cells) else ""
                )
                if not names:
                    raise RowError("no state")
                codes = [lookups.country(name) for name in names]
                unknown = [name for name, code in zip(names, codes, strict=True) if not code]
                known = [code for code in codes if code]
                if not known:
                    raise RowError(f'unknown country "{", ".join(unknown)[:60]}"')
                country = next((code for code in known if code in chosen), None)
                if country is None:
                    tally.skipped[NOT_CHOSEN] += 1
                    continue
                if kind_column:
                    kind = _single(
                        cells[source.columns["type"]] if source.columns["type"] < len(cells) else ""
                    )
                    if kind and not kind.casefold().startswith(("recommendation", "recomenda", "recommand")):
                        tally.skipped[f"not a recommendation ({kind[:40]})"] += 1
                        continue
                row = _parse(line, cells, source.columns, lookups, is_demo=is_demo)
            except RowError as error:
                tally.bad(line, str(error))
                continue
            row.values["country"] = country
            batch.append(row)
            if len(batch) >= BATCH:
                _flush(batch, tally, seen, claimed)
                batch = []
        if batch:
            _flush(batch, tally, seen, claimed)
    finally:
        source.close()
    if progress is not None:
        progress(tally.rows, source.total)
    tally.malformed.sort()
    run.created, run.updated, run.unchanged = tally.created, tally.updated, tally.unchanged
    run.skipped = tally.skipped_total
    run.report = _report(tally)
    run.finished_at = timezone.now()
    run.save()
    RecommendationEvent.objects.create(
        action=RecommendationEvent.Action.IMPORTED,
        actor=actor,
        comment=(
            f"{run.file_name}: {run.created} new, {run.updated} updated, {run.unchanged} unchanged, "
            f"{run.skipped} skipped"
        ),
    )
    if tally.created or tally.updated:
        bump_generation()  # the public lists, pages and counts of recommendations changed
    return run


def format_summary(run: ImportRun, *, limit: int = 50) -> str:
    """What an import did, for a terminal: the counts, the skipped rows by reason, the malformed rows by line
    (the first `limit` of them)."""
    seconds = ((run.finished_at or timezone.now()) - run.started_at).total_seconds()
    rows = run.created + run.updated + run.unchanged + run.skipped
    lines = [
        f"{run.file_name}: {rows:,} rows in {seconds:.1f} s ({rows / max(seconds, 0.001):,.0f} rows/s).",
        f"  new: {run.created:,}   updated: {run.updated:,}   unchanged: {run.unchanged:,}   "
        f"skipped: {run.skipped:,}",
    ]
    counted = [entry for entry in run.report if "line" not in entry]
    malformed = [entry for entry in run.report if "line" in entry]
    unlisted = sum(entry["rows"] for entry in counted if entry["reason"] == "more malformed rows, not listed")
    for entry in counted:
        if entry["reason"] != "more malformed rows, not listed":
            lines.append(f"  skipped, {entry['reason']}: {entry['rows']:,}")
    if malformed:
        lines.append(f"  skipped, malformed: {len(malformed) + unlisted:,}")
        lines += [f"    line {entry['line']}: {entry['reason']}" for entry in malformed[:limit]]
        more = len(malformed) - limit + unlisted
        if more > 0:
            lines.append(f"    ... and {more:,} more")
    return "\n".join(lines)
