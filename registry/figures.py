"""The public figures of the registry: cases by year and region, and by year and type, counting only cases
whose consent covers publication in aggregate, with every cell under five hidden and enough other cells
hidden that no hidden cell can be worked out from the totals.

Suppression works on the published tables as a system of equations (each row and each column adds up to its
total; the two tables share their year totals and grand total):

1. primary: every cell, total or not, under `THRESHOLD` is hidden (zeros too: a zero next to a hidden
   cell would help to find it);
2. a line (row or column with its total) with exactly one hidden cell gives it away: hide its smallest
   visible cell as well;
3. a line whose total is shown and whose hidden cells add up to zero gives them away as zeros: they count
   as known from then on;
4. exact check: a hidden cell is recoverable when it is a combination of the published equations (its unit
   vector lies in the row space of the system over the hidden cells); if so, hide the smallest visible cell
   of one of its lines, and start again.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Hashable, Iterable

from django.utils.translation import gettext_lazy as _

from members.models import Member
from registry.models import Case

THRESHOLD = 5
OTHER_REGION = "other"
TOTAL = "total"

Cell = Hashable
Equation = list[tuple[Cell, int]]  # sum of coefficient * value == 0


PRIME = (1 << 61) - 1  # ranks of these 0/±1 systems over this field are their ranks over the rationals


def _rref(rows: list[list[int]]) -> list[list[int]]:
    """Reduced row echelon form modulo PRIME; zero rows dropped."""
    rows = [[value % PRIME for value in row] for row in rows]
    pivot_row = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pick = next((r for r in range(pivot_row, len(rows)) if rows[r][col]), None)
        if pick is None:
            continue
        rows[pivot_row], rows[pick] = rows[pick], rows[pivot_row]
        inverse = pow(rows[pivot_row][col], PRIME - 2, PRIME)
        rows[pivot_row] = [value * inverse % PRIME for value in rows[pivot_row]]
        lead = rows[pivot_row]
        for r in range(len(rows)):
            factor = rows[r][col]
            if r != pivot_row and factor:
                rows[r] = [(a - factor * b) % PRIME for a, b in zip(rows[r], lead, strict=True)]
        pivot_row += 1
        if pivot_row == len(rows):
            break
    return rows[:pivot_row]


def recoverable_cells(equations: list[Equation], unknown: list[Cell]) -> set[Cell]:
    """The unknown cells whose value the equations determine exactly: those whose unit vector lies in the
    row space of the system restricted to the unknowns (in a reduced basis: a row with that single entry)."""
    if not unknown:
        return set()
    index = {cell: i for i, cell in enumerate(unknown)}
    matrix = []
    for equation in equations:
        row = [0] * len(unknown)
        for cell, coefficient in equation:
            if cell in index:
                row[index[cell]] += coefficient
        if any(row):
            matrix.append(row)
    if not matrix:
        return set()
    found = set()
    for row in _rref(matrix):
        nonzero = [i for i, value in enumerate(row) if value]
        if len(nonzero) == 1:
            found.add(unknown[nonzero[0]])
    return found


def suppress(values: dict[Cell, int], equations: list[Equation], threshold: int = THRESHOLD) -> set[Cell]:
    """The cells to hide so that none under `threshold` can be recovered from the ones shown."""
    hidden = {cell for cell, value in values.items() if value < threshold}
    if not hidden:
        return hidden

    def hide_smallest_visible(candidates: Iterable[Cell]) -> bool:
        visible = [cell for cell in candidates if cell not in hidden]
        if not visible:
            return False
        # Inner cells before totals, then the smallest value, then a stable order.
        visible.sort(key=lambda cell: (cell[-1] == TOTAL or cell[-2] == TOTAL, values[cell], repr(cell)))
        hidden.add(visible[0])
        return True

    while True:
        changed = False
        # Zeros given away by a line whose total is shown and whose hidden cells add up to nothing.
        known_zero: set[Cell] = set()
        for equation in equations:
            total = next(cell for cell, coefficient in equation if coefficient == -1)
            inner_hidden = [cell for cell, coefficient in equation if coefficient == 1 and cell in hidden]
            if total not in hidden and inner_hidden and sum(values[c] for c in inner_hidden) == 0:
                known_zero.update(inner_hidden)
        secret = hidden - known_zero
        for equation in equations:
            line = [cell for cell, _coefficient in equation]
            if sum(cell in secret for cell in line) == 1 and hide_smallest_visible(
                cell for cell in line if cell not in known_zero
            ):
                changed = True
                break
        if changed:
            continue
        unknown = sorted(secret, key=repr)
        equations_left = [[(c, k) for c, k in eq if c not in known_zero] for eq in equations]
        exposed = [cell for cell in recoverable_cells(equations_left, unknown) if values[cell] > 0]
        if exposed:
            cell = sorted(exposed, key=repr)[0]
            lines = [[c for c, _k in eq] for eq in equations if any(c == cell for c, _k in eq)]
            if not any(hide_smallest_visible(line) for line in lines) and not hide_smallest_visible(values):
                return hidden  # everything is hidden already
            continue
        return hidden


# --- The registry's two tables ----------------------------------------------------------------------------


def region_of(country: str, member_regions: dict[str, str]) -> str:
    """The UN regional group of a member's country; "other" for any other country."""
    group = member_regions.get(country, "")
    return group if group in Member.RegionalGroup.values else OTHER_REGION


def region_labels() -> list[tuple[str, str]]:
    return [*Member.RegionalGroup.choices, (OTHER_REGION, str(_("Other or not a member")))]


@dataclasses.dataclass
class Figure:
    value: int
    hidden: bool


@dataclasses.dataclass
class Table:
    caption: str
    column_heading: str
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[tuple[int, list[Figure], Figure]]  # year, cells, year total
    totals: list[Figure]
    grand_total: Figure


def _build(
    counts_region: Counter, counts_kind: Counter, years: list[int], regions: list[str], kinds: list[str]
):
    """Values and equations for both tables: region cells ("r", year, region), type cells ("k", year, kind),
    year totals ("y", year, TOTAL), column totals ("r"/"k", TOTAL, column), the grand total (TOTAL, TOTAL)."""
    values: dict[Cell, int] = {}
    equations: list[Equation] = []
    for year in years:
        values[("y", year, TOTAL)] = sum(counts_region[(year, region)] for region in regions)
        for prefix, counts, columns in (("r", counts_region, regions), ("k", counts_kind, kinds)):
            for column in columns:
                values[(prefix, year, column)] = counts[(year, column)]
            equations.append([*[((prefix, year, column), 1) for column in columns], (("y", year, TOTAL), -1)])
    values[(TOTAL, TOTAL)] = sum(values[("y", year, TOTAL)] for year in years)
    equations.append([*[(("y", year, TOTAL), 1) for year in years], ((TOTAL, TOTAL), -1)])
    for prefix, counts, columns in (("r", counts_region, regions), ("k", counts_kind, kinds)):
        for column in columns:
            values[(prefix, TOTAL, column)] = sum(counts[(year, column)] for year in years)
            equations.append(
                [*[((prefix, year, column), 1) for year in years], ((prefix, TOTAL, column), -1)]
            )
        equations.append([*[((prefix, TOTAL, column), 1) for column in columns], ((TOTAL, TOTAL), -1)])
    return values, equations


def public_figures() -> dict | None:
    """Both tables as they may be published, or None when no case may be counted yet."""
    cases = list(Case.objects.publishable().values_list("year", "country", "kind"))
    if not cases:
        return None
    member_regions = dict(Member.objects.exclude(regional_group="").values_list("country", "regional_group"))
    counts_region: Counter = Counter()
    counts_kind: Counter = Counter()
    for year, country, kind in cases:
        counts_region[(year, region_of(str(country), member_regions))] += 1
        counts_kind[(year, kind)] += 1
    years = sorted({year for year, _country, _kind in cases}, reverse=True)
    regions = region_labels()
    kinds = list(Case.Kind.choices)
    values, equations = _build(
        counts_region, counts_kind, years, [k for k, _l in regions], [k for k, _l in kinds]
    )
    hidden = suppress(values, equations)

    def figure(cell: Cell) -> Figure:
        return Figure(value=values[cell], hidden=cell in hidden)

    tables = []
    for prefix, columns, caption, heading in (
        ("r", regions, _("Cases by year and UN regional group"), _("Regional group")),
        ("k", kinds, _("Cases by year and type of reprisal"), _("Type of reprisal")),
    ):
        tables.append(
            Table(
                caption=str(caption),
                column_heading=str(heading),
                columns=[(key, str(label)) for key, label in columns],
                rows=[
                    (year, [figure((prefix, year, key)) for key, _l in columns], figure(("y", year, TOTAL)))
                    for year in years
                ],
                totals=[figure((prefix, TOTAL, key)) for key, _l in columns],
                grand_total=figure((TOTAL, TOTAL)),
            )
        )
    return {"tables": tables, "values": values, "equations": equations, "hidden": hidden}
