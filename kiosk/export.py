"""The quarter's table for the convention's annex 2: CSV that French Excel opens as is.

One row per day x category (days that hold counts), then one total row per category and
a grand total. Each row names the category's stable id, its label in the convention's own
words (annex 2's "Demandes" column, from the catalogue's full label) and its national
thématique (La Coop de la médiation numérique), so the table can be read beside national
statistics. `;` separators and a UTF-8 BOM: French Excel reads accents and columns right.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from kiosk.catalogue import load as load_catalogue
from kiosk.periods import parse_quarter
from kiosk.storage import write_atomic

HEADER = ("Trimestre", "Jour", "Catégorie (id)", "Demandes", "Thématique nationale",
          "Nombre")
TOTAL = "Total"


@dataclass(frozen=True)
class Row:
    quarter: str
    day: str  # YYYY-MM-DD, or "Total" for the quarter's totals
    category_id: str  # "" on the grand total
    label: str
    thematique: str
    count: int

    def cells(self) -> tuple:
        return (self.quarter, self.day, self.category_id, self.label, self.thematique,
                self.count)


def quarter_rows(store, quarter: str) -> list[Row]:
    """Rows for `quarter` ("2026-Q4"); ValueError when the quarter is malformed."""
    start, end = parse_quarter(quarter)
    quarter = quarter.strip()
    catalogue = load_catalogue()
    info = {c.id: (c.text("label", "fr"), " / ".join(c.coop_thematiques))
            for c in catalogue.categories}
    rows: list[Row] = []
    totals = dict.fromkeys(catalogue.ids, 0)
    for record in store.days(start, end):
        for cid in catalogue.ids:
            n = record.counts.get(cid, 0)
            totals[cid] += n
            rows.append(Row(quarter, record.day.isoformat(), cid, *info[cid], n))
    for cid in catalogue.ids:
        rows.append(Row(quarter, TOTAL, cid, *info[cid], totals[cid]))
    rows.append(Row(quarter, TOTAL, "", "Toutes les demandes", "", sum(totals.values())))
    return rows


def quarter_csv(rows: list[Row]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(row.cells())
    return out.getvalue().encode("utf-8-sig")


def write_quarter_csv(store, quarter: str, path) -> Path:
    """Write the quarter's table to `path` at once (never a half-written file)."""
    return write_atomic(Path(path), quarter_csv(quarter_rows(store, quarter)))
