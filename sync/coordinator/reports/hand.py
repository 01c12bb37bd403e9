"""The hand-entered figures (sync/coordinator/manual.py) in the report files: their own rows,
marked "saisi à la main" / `source` = `saisie`, summed apart, never in a kiosk total.

In an anonymised file each entry gives its total only, hidden under the threshold: a
single number per entry, so no hidden cell can be found back by subtraction.
"""

from __future__ import annotations

from openpyxl.styles import Font

from sync.coordinator import manual, texts

from .figures import category_label, category_thematique

SOURCE_KIOSK, SOURCE_HAND = "borne", "saisie"
TITLE = "Saisi à la main (relevé papier) — jamais ajouté aux chiffres des bornes"
TOTAL_ENTRY = "Total saisi à la main, {commune}, {label}"
TOTAL_ALL = "Total saisi à la main"


def _shown(n: int, threshold: int | None) -> int | str:
    return f"< {threshold}" if threshold and 0 < n < threshold else n


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
                     _shown(entry.total, threshold), "", SOURCE_HAND))
    if entries:
        total = sum(e.total for e in entries)
        rows.append((quarter, texts.NETWORK_LABEL, TOTAL_ALL, "", _shown(total, threshold), "",
                     SOURCE_HAND))
    return rows


def add_xlsx_block(ws, entries: list[manual.ManualEntry], threshold: int | None) -> None:
    """A marked block under a sheet's table: each entry's rows, its total, the rule."""
    if not entries:
        return
    bold = Font(bold=True)
    row = ws.max_row + 2
    ws.cell(row=row, column=1, value=TITLE).font = bold
    ws.cell(row=row, column=5, value="Source").font = bold
    for entry in entries:
        if not threshold:
            for cat, n in entry.counts.items():
                row += 1
                ws.cell(row=row, column=1, value=category_label(cat))
                ws.cell(row=row, column=2, value=category_thematique(cat))
                ws.cell(row=row, column=3, value=n)
                ws.cell(row=row, column=5, value=manual.MARK)
        row += 1
        ws.cell(row=row, column=1, value=_entry_total(entry)).font = bold
        ws.cell(row=row, column=3, value=_shown(entry.total, threshold)).font = bold
        ws.cell(row=row, column=5, value=manual.MARK)
    ws.cell(row=row + 1, column=1, value=manual.RULE)


def json_part(entries: list[manual.ManualEntry]) -> dict:
    """`manual_rows` and `manual_total` for the quarterly JSON, apart from `rows`/`total`."""
    rows = [{"commune": e.commune, "kiosk": None, "category": cat, "count": n,
             "source": SOURCE_HAND, "start": e.start.isoformat(), "end": e.end.isoformat(),
             "note": e.note} for e in entries for cat, n in e.counts.items()]
    return {"manual_rows": rows, "manual_total": sum(e.total for e in entries)}
