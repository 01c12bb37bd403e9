"""The statistics page's own download: the figures of the period and commune on screen.

The page used to offer the quarterly table of its period's first quarter, for the whole
network, whatever was chosen (issue 14, point 8). This file holds what the page shows:
categories, communes by category, and each kiosk's days (closed, open without data).
A period still under way says "données au JJ/MM/AAAA".
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from sync.coordinator import reports, texts

_BOLD = Font(bold=True)


def as_of_note(period: reports.Period, today: dt.date) -> str:
    """"données au 30/11/2026" for a period not over yet, else ""."""
    return texts.DATA_AS_OF.format(day=today) if period.end >= today else ""


def _scope(period: reports.Period, commune: str, today: dt.date) -> list[str]:
    lines = [f"{period.label}, du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y}",
             commune or texts.NETWORK_LABEL]
    note = as_of_note(period, today)
    return [*lines, note] if note else lines


def _rows(stats: reports.PeriodStats, coverage) -> dict[str, list[list]]:
    totals, total = stats.category_totals, stats.total
    categories = [[reports.category_label(c), reports.category_thematique(c), n,
                   round(100 * n / total, 1) if total else None] for c, n in totals.items()]
    categories.append([texts.TOTAL, "", total, 100.0 if total else None])
    communes = [[name, *row.values(), sum(row.values())] for name, row in stats.by_commune.items()]
    kiosks = [[c.kiosk.name, c.kiosk.commune, c.days_with_visits, c.days_zero, c.days_no_data,
               c.days.closed if c.days.hours_known else texts.HOURS_UNKNOWN]
              for c in coverage]
    return {"categories": categories, "communes": communes, "kiosks": kiosks}


HEADS = {
    "categories": [texts.CATEGORY, texts.THEMATIQUE, "Nombre", "%"],
    "kiosks": ["Borne", texts.COMMUNE, "Jours avec visiteurs", "Jours tenus sans visiteur",
               "Jours d'ouverture sans données", "Jours de fermeture"],
}
SHEETS = {"categories": "Catégories", "communes": "Communes", "kiosks": "Bornes"}


def _heads(key: str) -> list[str]:
    if key == "communes":
        return [texts.COMMUNE, *[reports.category_heading(c) for c in reports.category_ids()],
                texts.TOTAL]
    return HEADS[key]


def stats_workbook(stats: reports.PeriodStats, commune: str, today: dt.date) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    scope = _scope(stats.period, commune, today)
    for key, rows in _rows(stats, stats.coverage(today)).items():
        ws = wb.create_sheet(SHEETS[key])
        for i, line in enumerate(scope, start=1):
            ws.cell(row=i, column=1, value=line).font = _BOLD if i == 1 else Font()
        head = len(scope) + 2
        for col, value in enumerate(_heads(key), start=1):
            ws.cell(row=head, column=col, value=value).font = _BOLD
        for r, row in enumerate(rows, start=head + 1):
            for col, value in enumerate(row, start=1):
                ws.cell(row=r, column=col, value=value)
        if not rows:
            ws.cell(row=head + 1, column=1, value=texts.NO_DATA)
        ws.column_dimensions["A"].width = 40
    return wb


def stats_csv(stats: reports.PeriodStats, commune: str, today: dt.date) -> bytes:
    """The categories as CSV for French Excel: scope lines, then catégorie;thématique;nombre;%."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for line in _scope(stats.period, commune, today):
        writer.writerow([reports.cell_text(line)])
    writer.writerow(_heads("categories"))
    for row in _rows(stats, [])["categories"]:
        writer.writerow([reports.cell_text(v) if isinstance(v, str) else
                         ("" if v is None else str(v).replace(".", ",")) for v in row])
    return out.getvalue().encode("utf-8-sig")


def file_name(stats: reports.PeriodStats, commune: str, fmt: str) -> str:
    period = stats.period
    scope = f"-{commune}" if commune else ""
    safe = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_" else "-" for ch in scope)
    return f"statistiques-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}{safe}.{fmt}"
