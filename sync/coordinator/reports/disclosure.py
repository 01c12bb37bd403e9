"""Statistical disclosure control: hide small cells, then enough others that no total
gives them back.

The network's total row is keyed by NETWORK, an object no commune name can equal (a commune
named like the network's label used to overwrite it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sync.coordinator import texts

from .figures import AnnualReport, category_ids, trend


class _Network:
    """The key of the network's total row; prints as its French label."""

    def __str__(self) -> str:
        return texts.NETWORK_LABEL

    __repr__ = __str__


NETWORK = _Network()
SECONDARY_MARK = texts.SECONDARY_MARK


@dataclass
class Cell:
    value: int
    hidden: str = ""  # "" shown, "< N" primary suppression, SECONDARY_MARK complementary

    def shown(self) -> int | str:
        return self.hidden or self.value


def suppress(matrix: dict[str, dict[str, int]], threshold: int, columns=None,
             row_totals: bool = True) -> dict[str, dict[str, Cell]]:
    """Hide cells with 0 < n < threshold, then enough others that no margin reveals them.

    `matrix` is row -> column -> count (columns: the categories unless given); the returned
    table has an extra "total" column (when `row_totals`) and an extra NETWORK row holding
    the column sums, all as Cells. A row or column left with exactly one hidden cell gets its
    smallest other non-zero cell hidden too (marked SECONDARY_MARK), repeated until stable,
    so a hidden figure cannot be recovered by subtracting from a total.
    """
    columns = list(columns or category_ids())
    table: dict[str, dict[str, Cell]] = {}
    for row, values in matrix.items():
        table[row] = {c: Cell(values.get(c, 0)) for c in columns}
        if row_totals:
            table[row]["total"] = Cell(sum(values.get(c, 0) for c in columns))
    every = [*columns, "total"] if row_totals else columns
    table[NETWORK] = {c: Cell(sum(table[r][c].value for r in matrix)) for c in every}
    # The order of the old two-pass loop (rows, then columns), so ties fall the same way.
    groups = [[cells[c] for c in every] for cells in table.values()] if row_totals else []
    groups += [[table[r][c] for r in table] for c in every]  # rows add up to the NETWORK row
    _hide(groups, threshold)
    return table


def _hide(groups: list[list[Cell]], threshold: int) -> None:
    """Primary then complementary suppression over `groups`, each a list of Cells whose last
    one is the sum of the others: no group is left with exactly one hidden cell."""
    small = f"< {threshold}"
    for group in groups:
        for cell in group:
            if 0 < cell.value < threshold:
                cell.hidden = small
    changed = True
    while changed:
        changed = False
        for group in groups:
            changed |= _protect(group)


def _protect(cells: list[Cell]) -> bool:
    """Hide a second cell of a group that has exactly one; an inner cell rather than its
    total (the last), the smallest non-zero one, so the least is lost."""
    hidden = [c for c in cells if c.hidden]
    if len(hidden) != 1:
        return False
    inner = [c for c in cells[:-1] if not c.hidden and c.value > 0]
    outer = [c for c in cells[-1:] if not c.hidden and c.value > 0]
    candidates = inner or outer
    if not candidates:
        return False  # the others are zeros: the margin equals the hidden cell, also hidden
    min(candidates, key=lambda c: c.value).hidden = SECONDARY_MARK
    return True


MONTH_KEYS = tuple(f"M{m}" for m in range(1, 13))
QUARTER_KEYS = ("Q1", "Q2", "Q3", "Q4")
YEAR_KEY = "Y"
PERIOD_KEYS = (*MONTH_KEYS, *QUARTER_KEYS, YEAR_KEY)
YearCells = dict[object, dict[str, dict[str, Cell]]]  # row -> period key -> column -> Cell


def suppress_year(months: dict[str, list[dict[str, int]]], threshold: int) -> YearCells:
    """One year of the network, hidden consistently across every table that shows it.

    `months` is commune -> 12 x category -> count. Each commune (and the NETWORK row) gets
    its months, quarters and year, each with the categories and a "total". The groups whose
    published figures add up are: a period's categories to its total, the communes to the
    NETWORK row, three months to their quarter, four quarters (or twelve months) to the year.
    Suppression runs over all of them at once, so subtracting three published quarters from
    the published year (or a quarter's published months from it) never gives back a hidden
    cell: such a group always holds two hidden cells or none. The quarterly table, the
    annual page and the annual XLSX all read their cells from here.
    """
    columns = list(category_ids())
    every = [*columns, "total"]
    rows = sorted(months)
    cube: YearCells = {}
    for row in rows:
        per: dict[str, dict[str, int]] = {
            MONTH_KEYS[m]: {c: months[row][m].get(c, 0) for c in columns} for m in range(12)
        }
        for q, key in enumerate(QUARTER_KEYS):
            per[key] = {c: sum(per[MONTH_KEYS[3 * q + i]][c] for i in range(3)) for c in columns}
        per[YEAR_KEY] = {c: sum(per[key][c] for key in QUARTER_KEYS) for c in columns}
        cube[row] = {key: {**{c: Cell(v[c]) for c in columns}, "total": Cell(sum(v.values()))}
                     for key, v in per.items()}
    cube[NETWORK] = {key: {c: Cell(sum(cube[r][key][c].value for r in rows)) for c in every}
                     for key in PERIOD_KEYS}
    groups = year_groups(cube)
    _hide(groups, threshold)
    return cube


def year_groups(cube: YearCells) -> list[list[Cell]]:
    """The linear relations between the published cells of `cube`, each group's last cell
    the sum of the others."""
    every = [*category_ids(), "total"]
    groups = []
    for series in cube.values():
        groups += [[series[key][c] for c in every] for key in PERIOD_KEYS]
        for c in every:
            groups += [[series[MONTH_KEYS[3 * q + i]][c] for i in range(3)]
                       + [series[QUARTER_KEYS[q]][c]] for q in range(4)]
            groups.append([series[key][c] for key in QUARTER_KEYS] + [series[YEAR_KEY][c]])
            groups.append([series[key][c] for key in MONTH_KEYS] + [series[YEAR_KEY][c]])
    groups += [[cube[r][key][c] for r in cube] for key in PERIOD_KEYS for c in every]
    return groups


@dataclass
class AnnualCells:
    """The annual report's figures as Cells, small ones hidden when a threshold is given."""

    months: dict[str, dict[str, Cell]]  # month name -> category/"total"; NETWORK = the year
    previous: dict[str, dict[str, Cell]]  # month name -> {"n"}; NETWORK = previous year total
    previous_categories: dict[str, Cell]  # category/"total" -> previous year's Cell
    communes: dict[str, dict[str, Cell]]  # commune -> {"cur", "prev"}; NETWORK = totals

    def change(self, current: Cell, previous: Cell) -> float | None:
        """The trend, unless one of the two figures is hidden."""
        return None if current.hidden or previous.hidden else trend(current.value, previous.value)


def annual_cells(report: AnnualReport, suppress_below: int | None = None) -> AnnualCells:
    """The annual page's and XLSX's cells; with a threshold, read from suppress_year so they
    hide what the quarterly tables of the same years hide."""
    threshold = suppress_below or 0
    if threshold and report.commune_months:
        return _annual_from_years(report, threshold)
    months = suppress({texts.MONTHS[m]: report.months[m] for m in range(12)}, threshold)
    previous = suppress({texts.MONTHS[m]: {"n": report.previous_months[m]} for m in range(12)},
                        threshold, columns=["n"], row_totals=False)
    previous_categories = suppress({"prev": report.previous_category_totals}, threshold)["prev"]
    communes = suppress({name: {"cur": cur, "prev": prev}
                         for name, (cur, prev) in report.communes.items()},
                        threshold, columns=["cur", "prev"], row_totals=False)
    return AnnualCells(months, previous, previous_categories, communes)


def _annual_from_years(report: AnnualReport, threshold: int) -> AnnualCells:
    this = suppress_year(report.commune_months[report.year], threshold)
    before = suppress_year(report.commune_months[report.year - 1], threshold)
    row = report.commune if report.commune else NETWORK
    empty = _zero_series()
    cur, prev = this.get(row, empty), before.get(row, empty)
    months: dict = {texts.MONTHS[m]: cur[MONTH_KEYS[m]] for m in range(12)}
    months[NETWORK] = cur[YEAR_KEY]
    previous: dict = {texts.MONTHS[m]: {"n": prev[MONTH_KEYS[m]]["total"]} for m in range(12)}
    previous[NETWORK] = {"n": prev[YEAR_KEY]["total"]}
    communes: dict = {name: {"cur": this.get(name, empty)[YEAR_KEY]["total"],
                             "prev": before.get(name, empty)[YEAR_KEY]["total"]}
                      for name in report.communes}
    communes[NETWORK] = {"cur": cur[YEAR_KEY]["total"], "prev": prev[YEAR_KEY]["total"]}
    return AnnualCells(months, previous, prev[YEAR_KEY], communes)


def _zero_series() -> dict[str, dict[str, Cell]]:
    """A commune without a kiosk: zeros, never hidden."""
    return {key: {c: Cell(0) for c in [*category_ids(), "total"]} for key in PERIOD_KEYS}
