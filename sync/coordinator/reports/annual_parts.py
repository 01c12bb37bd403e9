"""The annual PDF's parts after the figures: paper tallies, workshops and exit answers, notes.

The convention asks for a "quantitative and qualitative" annual report. The page shows
these parts from the same data (templates `_hand.html`, `_extras.html`, `_notes.html`);
here each becomes a pdf.Section. Parts that need the database are closures over what
`annual_sections` read once, so drawing never queries.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from sync.coordinator import manual, notes, texts

from . import extras, hand
from .pdf import Section
from .pdfdoc import Document, fmt_int


def _hand(doc: Document, fig) -> None:
    # The year's tallies the report read (figures.annual_report); an anonymised file hides
    # a small one, and then the total that would give it back (hand.block_total).
    entries = fig.report.manual
    if not entries:
        return
    doc.heading(f"Chiffres {manual.MARK} (relevés papier)", need_mm=50)
    doc.paragraph(manual.RULE, size=10)
    rows = [[e.commune, e.label, fmt_int(hand.shown(e.total, fig.threshold))] for e in entries]
    rows.append([texts.TOTAL, "", fmt_int(hand.block_total(entries, fig.threshold))])
    doc.grid([texts.COMMUNE, "Période", "Visites"], rows, (70, 80, 30), numeric_from=2,
             bold_last=True)


def _workshops_and_exits(doc: Document, fig) -> None:
    section = fig.report.extras
    if section is None:
        return
    doc.heading("Partie qualitative", need_mm=60)
    doc.paragraph(extras.WORKSHOPS_TITLE, size=11)
    if section.workshops:
        rows = [[r.commune, r.label, fmt_int(r.sessions), fmt_int(r.participants)]
                for r in section.workshops]
        rows.append([texts.TOTAL, extras.ALL_THEMES, fmt_int(section.sessions),
                     fmt_int(section.participants)])
        doc.grid(list(extras.WORKSHOP_HEADER), rows, (45, 85, 25, 25), numeric_from=2,
                 bold_last=True)
    else:
        doc.paragraph(extras.NONE_YET, size=10)
    doc.paragraph(extras.EXIT_QUESTION, size=11)
    if section.exits:
        total = section.exit_totals
        rows = [[r.commune, *map(fmt_int, r.answers.values()), fmt_int(r.total)]
                for r in section.exits]
        rows.append([texts.TOTAL, *map(fmt_int, total.answers.values()), fmt_int(total.total)])
        doc.grid(list(extras.EXIT_HEADER), rows, (60, 30, 30, 30, 30), bold_last=True)
    else:
        doc.paragraph(extras.NO_ANSWER, size=10)


def _notes(year_notes: dict[str, list[notes.QuarterNote]]) -> Section:
    def draw(doc: Document, fig) -> None:
        doc.heading("Bilan qualitatif : les notes des communes", need_mm=50)
        if not year_notes:
            doc.paragraph(f"Aucune note écrite pour {fig.year}.", size=10)
            return
        for commune, quarter_notes in year_notes.items():
            doc.paragraph(commune, size=12)
            for note in quarter_notes:
                for label, text in note.items():
                    doc.paragraph(f"{note.quarter} – {label} : {text}", size=10)
    return draw


def annual_sections(engine: Engine, year: int, commune: str | None) -> list[Section]:
    """The parts after the figures, for `pdf.annual_pdf(fig, extra=...)`."""
    with engine.connect() as conn:
        year_notes = notes.notes_for_year(conn, year)
    if commune:
        year_notes = {c: n for c, n in year_notes.items() if c == commune}
    return [_hand, _workshops_and_exits, _notes(year_notes)]
