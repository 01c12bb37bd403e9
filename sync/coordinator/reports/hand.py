"""The hand-entered figures (sync/coordinator/manual.py) in the report files: their own rows,
marked "saisi à la main" / `source` = `saisie`, summed apart, never in a kiosk total.

In an anonymised file each entry gives its total only, hidden under the threshold: a
single number per entry, so no hidden cell can be found back by subtraction; the block's
own total is shown only when it adds up shown entries (`block_total`).

Two shapes of XLSX block: `rows` under a sheet of category rows (the quarter's sheets, the
annual summary), `grid` under a commune x category table (the funder's Synthèse and year to
date), so each block's figures stand in the columns the sheet above gives them.
"""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sync.coordinator import manual, texts

from .figures import category_heading, category_ids, category_label, category_thematique

SOURCE_KIOSK, SOURCE_HAND = "borne", "saisie"
TITLE = "Saisi à la main (relevé papier) — jamais ajouté aux chiffres des bornes"
TOTAL_ENTRY = "Total saisi à la main, {commune}, {label}"
TOTAL_ALL = "Total saisi à la main"


def shown(n: int, threshold: int | None) -> int | str:
    return f"< {threshold}" if threshold and 0 < n < threshold else n


def block_total(entries: list[manual.ManualEntry], threshold: int | None) -> int | str:
    """The entries' own total. Under a threshold, shown only when no entry's total is hidden:
    otherwise total minus the shown entries would give a hidden one back."""
    total = sum(e.total for e in entries)
    if not threshold or not any(isinstance(shown(e.total, threshold), str) for e in entries):
        return total
    return f"< {threshold}" if 0 < total < threshold else texts.SECONDARY_MARK


def _entry_total(entry: manual.ManualEntry) -> str:
    label = TOTAL_ENTRY.format(commune=entry.commune, label=entry.label)
    return f"{label} ({entry.note})" if entry.note else label


def csv_rows(quarter: str, entries: list[manual.ManualEntry], threshold: int | None
             ) -> list[tuple]:
    """Rows for the quarterly CSV (its seven columns), after the kiosks' rows."""
    rows: list[tuple] = []
    for entry in entries:
        if not threshold:
            rows += [(quarter, entry.commune, category_label(cat), category_thematique(cat), n,
                      "", SOURCE_HAND) for cat, n in entry.counts.items()]
        rows.append((quarter, entry.commune, _entry_total(entry), "",
                     shown(entry.total, threshold), "", SOURCE_HAND))
    if entries:
        rows.append((quarter, texts.NETWORK_LABEL, TOTAL_ALL, "", block_total(entries, threshold),
                     "", SOURCE_HAND))
    return rows


def add_xlsx_block(ws, entries: list[manual.ManualEntry], threshold: int | None, *,
                   grid: bool = False, mark_col: int = 5) -> None:
    """A marked block under a sheet's table: each entry, its total, the block's total, the
    rule. `grid`: one row per entry across the categories' columns (under a commune x
    category table); otherwise category rows, the count in column C, the mark in `mark_col`."""
    if not entries:
        return
    row = ws.max_row + 2
    _put(ws, row, {1: TITLE} if grid else {1: TITLE, mark_col: "Source"}, bold=True)
    if grid:
        row = _grid_rows(ws, row, entries, threshold)
    else:
        row = _category_rows(ws, row, entries, threshold, mark_col)
    ws.cell(row=row + 1, column=1, value=manual.RULE)


def _put(ws, row: int, values: dict[int, object], bold: bool = False) -> None:
    for col, value in values.items():
        cell = ws.cell(row=row, column=col, value=value)
        if bold:
            cell.font = Font(bold=True)


def _category_rows(ws, row: int, entries, threshold: int | None, mark_col: int) -> int:
    for entry in entries:
        if not threshold:
            for cat, n in entry.counts.items():
                row += 1
                _put(ws, row, {1: category_label(cat), 2: category_thematique(cat), 3: n,
                               mark_col: manual.MARK})
        row += 1
        _put(ws, row, {1: _entry_total(entry), 3: shown(entry.total, threshold),
                       mark_col: manual.MARK}, bold=True)
    row += 1
    _put(ws, row, {1: TOTAL_ALL, 3: block_total(entries, threshold), mark_col: manual.MARK},
         bold=True)
    return row


def _grid_rows(ws, row: int, entries, threshold: int | None) -> int:
    # Under a threshold each entry gives its total only: "—" (no figure, not a zero) for the
    # categories, as the Synthèse writes it.
    cats = category_ids()
    total_col = len(cats) + 2
    row += 1
    _put(ws, row, {1: texts.COMMUNE, **{i: category_heading(c) for i, c in enumerate(cats, 2)},
                   total_col: texts.TOTAL, total_col + 1: "Période", total_col + 2: "Note"},
         bold=True)
    for entry in entries:
        row += 1
        counts = {i: "—" if threshold else entry.counts.get(c, 0) for i, c in enumerate(cats, 2)}
        _put(ws, row, {1: entry.commune, **counts, total_col: shown(entry.total, threshold),
                       total_col + 1: entry.label, total_col + 2: entry.note or None})
    row += 1
    by_cat = manual.totals(entries)
    sums = {i: "—" if threshold else by_cat[c] for i, c in enumerate(cats, 2)}
    _put(ws, row, {1: TOTAL_ALL, **sums, total_col: block_total(entries, threshold)}, bold=True)
    for col, width in ((total_col + 1, 26), (total_col + 2, 30)):  # a period, a note: readable
        dim = ws.column_dimensions[get_column_letter(col)]
        dim.width = max(dim.width or 0, width)
    return row


def json_part(entries: list[manual.ManualEntry]) -> dict:
    """`manual_rows` and `manual_total` for the quarterly JSON, apart from `rows`/`total`."""
    rows = [{"commune": e.commune, "kiosk": None, "category": cat, "count": n,
             "source": SOURCE_HAND, "start": e.start.isoformat(), "end": e.end.isoformat(),
             "note": e.note} for e in entries for cat, n in e.counts.items()]
    return {"manual_rows": rows, "manual_total": sum(e.total for e in entries)}
