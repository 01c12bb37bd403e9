"""The annual report as a PDF (issue 14): the annual page's figures, charts, page numbers.

Built from annual_view.AnnualFigures, the very object the dashboard's annual page renders,
so the two cannot disagree. The document is a list of sections (SECTIONS): each is a
function drawing one part onto the Document. Parts written elsewhere (workshops and exit
answers from reports/extras.py, the quarterly notes from notes_for_year) plug in by adding
a function to that list, or by passing `extra` to annual_pdf; the figures come first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from sync.coordinator import texts

from .annual_view import AnnualFigures, annual_figures
from .evolution import Line, change_text
from .pdfdoc import Document, fmt_int
from .periods import ReportError

PDF_TYPE = "application/pdf"
NETWORK_SCOPE = "Réseau Réussite Numérique, toutes les communes"

Section = Callable[[Document, AnnualFigures], None]


def _shown(value: int | str) -> str:
    return fmt_int(value) if isinstance(value, int) else value


def _row(line: Line, label: str | None = None) -> list[str]:
    return [label or line.label, _shown(line.current), _shown(line.previous),
            change_text(line.change)]


def _reasons(doc: Document, fig: AnnualFigures, lines: list[Line]) -> None:
    reasons = fig.reasons(lines)
    if reasons:
        doc.paragraph("« — » : pas d'évolution entre des périodes qui ne se comparent pas ("
                      + " ; ".join(reasons) + ").", size=9)


def _intro(doc: Document, fig: AnnualFigures) -> None:
    doc.title_block(f"Bilan annuel quantitatif {fig.year}",
                    fig.report.commune or NETWORK_SCOPE)
    lines = [f"Extrait le {fig.today:%d/%m/%Y}."]
    if fig.current_month is not None:
        lines.append(f"L'année {fig.year} est en cours : les chiffres s'arrêtent au jour de "
                     "l'extraction et les mois suivants sont « à venir ».")
    lines.append("Visites comptées de façon anonyme sur les bornes des permanences : une "
                 "visite est une personne aidée, classée dans une catégorie de la convention.")
    if fig.threshold:
        lines.append(texts.suppression_note(fig.threshold))
    doc.paragraph(" ".join(lines), size=10)


def _categories(doc: Document, fig: AnnualFigures) -> None:
    doc.heading("Synthèse par catégorie")
    lines = fig.category_rows()
    doc.grid([texts.CATEGORY, str(fig.year), str(fig.year - 1), texts.CHANGE],
             [_row(line) for line in lines], (100, 26, 26, 28), bold_last=True)
    _reasons(doc, fig, lines)


def _months(doc: Document, fig: AnnualFigures) -> None:
    doc.heading("Mois par mois", need_mm=100)
    if fig.threshold:
        doc.paragraph("Pas de graphique quand les petits nombres sont masqués : ses barres "
                      "les montreraient.", size=10)
    else:
        before = [c["n"].value for c in (fig.cells.previous[m] for m in texts.MONTHS)]
        doc.hbars([(texts.MONTHS[i], value, note) for i, (_, value, note)
                   in enumerate(fig.chart_points)], before,
                  legend=(f"Visites {fig.year}", f"Visites {fig.year - 1}"))
    lines = fig.month_rows()
    rows = [_row(line, line.label + (" (en cours)" if i == fig.current_month else ""))
            for i, line in enumerate(lines)]
    doc.grid([texts.MONTH, str(fig.year), str(fig.year - 1), texts.CHANGE], rows,
             (70, 36, 36, 38))
    _reasons(doc, fig, lines)


def _communes(doc: Document, fig: AnnualFigures) -> None:
    doc.heading("Par commune", need_mm=60)
    lines = fig.commune_rows()
    if not lines:
        doc.paragraph(f"Aucune donnée reçue pour {fig.year} ni {fig.year - 1}.")
        return
    if not fig.threshold:
        values = fig.commune_values()
        doc.hbars([(name, cur, "") for name, cur, _ in values], [prev for _, _, prev in values],
                  legend=(f"Visites {fig.year}", f"Visites {fig.year - 1}"))
    doc.grid([texts.COMMUNE, str(fig.year), str(fig.year - 1), texts.CHANGE],
             [_row(line) for line in lines], (70, 36, 36, 38), bold_last=True)
    _reasons(doc, fig, lines)


#: The figures' parts in order; the parts after them (paper tallies, workshops and exit
#: answers, the communes' notes) come from annual_parts.annual_sections as `extra`.
SECTIONS: list[Section] = [_intro, _categories, _months, _communes]


def annual_pdf(fig: AnnualFigures, extra: Sequence[Section] = ()) -> bytes:
    """The annual report as PDF bytes: SECTIONS, then `extra`, one Document."""
    scope = fig.report.commune or "réseau"
    doc = Document(f"Bilan annuel quantitatif {fig.year} — {scope}",
                   f"Bilan annuel {fig.year} — {scope}", fig.today)
    doc.add_page()
    for section in [*SECTIONS, *extra]:
        section(doc, fig)
    return doc.output_bytes()


def write_annual_pdf(engine: Engine, year: int, out, today: dt.date,
                     commune: str | None = None) -> Path:
    """The CLI's `report --year YYYY --format pdf --out FILE`; built before the file opens."""
    from .annual_parts import annual_sections  # it builds on this module's Section

    data = annual_pdf(annual_figures(engine, year, commune, None, today),
                      annual_sections(engine, year, commune))
    target = Path(out)
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
