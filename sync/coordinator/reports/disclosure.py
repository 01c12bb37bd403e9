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
    small = f"< {threshold}"
    for cells in table.values():
        for cell in cells.values():
            if 0 < cell.value < threshold:
                cell.hidden = small
    inner_rows = list(matrix)

    def protect(cells: list[Cell], margins: int) -> bool:
        """`cells` ends with `margins` total cells; hide an inner cell rather than a total."""
        hidden = [c for c in cells if c.hidden]
        if len(hidden) != 1:
            return False
        inner = [c for c in cells[: len(cells) - margins] if not c.hidden and c.value > 0]
        outer = [c for c in cells[len(cells) - margins :] if not c.hidden and c.value > 0]
        candidates = inner or outer
        if not candidates:
            return False  # the others are zeros: the margin equals the hidden cell, also hidden
        min(candidates, key=lambda c: c.value).hidden = SECONDARY_MARK
        return True

    changed = True
    while changed:
        changed = False
        if row_totals:
            for row in [*inner_rows, NETWORK]:  # cells of a row add up to its total
                changed |= protect([table[row][c] for c in every], 1)
        for col in every:  # rows add up to the NETWORK row
            changed |= protect([table[r][col] for r in [*inner_rows, NETWORK]], 1)
    return table


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
    threshold = suppress_below or 0
    months = suppress({texts.MONTHS[m]: report.months[m] for m in range(12)}, threshold)
    previous = suppress({texts.MONTHS[m]: {"n": report.previous_months[m]} for m in range(12)},
                        threshold, columns=["n"], row_totals=False)
    previous_categories = suppress({"prev": report.previous_category_totals}, threshold)["prev"]
    communes = suppress({name: {"cur": cur, "prev": prev}
                         for name, (cur, prev) in report.communes.items()},
                        threshold, columns=["cur", "prev"], row_totals=False)
    return AnnualCells(months, previous, previous_categories, communes)
