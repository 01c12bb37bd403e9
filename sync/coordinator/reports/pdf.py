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
from .disclosure import Cell
from .pdfdoc import Document, fmt_change, fmt_int
from .periods import ReportError

PDF_TYPE = "application/pdf"
NETWORK_SCOPE = "Réseau Réussite Numérique, toutes les communes"

Section = Callable[[Document, AnnualFigures], None]


def _shown(value: Cell | str) -> str:
    return fmt_int(value.shown()) if isinstance(value, Cell) else value


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
    rows = [[label, _shown(cur), _shown(prev), fmt_change(change)]
            for label, cur, prev, change in fig.category_rows()]
    doc.grid([texts.CATEGORY, str(fig.year), str(fig.year - 1), texts.CHANGE], rows,
             (100, 26, 26, 28), bold_last=True)


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
    rows = [[name + (" (en cours)" if i == fig.current_month else ""), _shown(cur),
             _shown(prev), fmt_change(change)]
            for i, (name, cur, prev, change) in enumerate(fig.month_rows())]
    doc.grid([texts.MONTH, str(fig.year), str(fig.year - 1), texts.CHANGE], rows,
             (70, 36, 36, 38))


def _communes(doc: Document, fig: AnnualFigures) -> None:
    doc.heading("Par commune", need_mm=60)
    rows = fig.commune_rows()
    if not rows:
        doc.paragraph(f"Aucune donnée reçue pour {fig.year} ni {fig.year - 1}.")
        return
    if not fig.threshold:
        doc.hbars([(name, cur.value, "") for name, cur, _, _ in rows[:-1]],
                  [prev.value for _, _, prev, _ in rows[:-1]],
                  legend=(f"Visites {fig.year}", f"Visites {fig.year - 1}"))
    doc.grid([texts.COMMUNE, str(fig.year), str(fig.year - 1), texts.CHANGE],
             [[name, _shown(cur), _shown(prev), fmt_change(change)]
              for name, cur, prev, change in rows], (70, 36, 36, 38), bold_last=True)


#: The report's parts in order. The lead adds the qualitative parts (workshops, exit
#: answers, quarterly notes) here, after the figures.
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
    data = annual_pdf(annual_figures(engine, year, commune, None, today))
    target = Path(out)
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
