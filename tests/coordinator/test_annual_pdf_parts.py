"""The annual PDF's parts after the figures: paper tallies, workshops and exit answers, notes."""

from __future__ import annotations

import datetime as dt
import uuid

import dashboard_seed as seed
import pdf_helpers as pdf

from sync.coordinator import ingest, manual, notes
from sync.coordinator.reports.annual_parts import annual_sections
from sync.coordinator.reports.annual_view import annual_figures
from sync.coordinator.reports.pdf import annual_pdf
from sync.protocol import CountsPush

BY = "admin:coordinatrice"


def _push_workshop(engine, kiosk: str) -> None:
    push = CountsPush.model_validate({
        "install_id": str(uuid.UUID(int=7)), "sent_at": "2026-06-11T18:00:00+02:00",
        "clock_trusted": True, "catalogue_version": "1",
        "days": [{"day": "2026-06-11", "revision": 9, "counts": {"autre": 1},
                  "workshops": {"outil_numerique": {"sessions": 2, "participants": 13}},
                  "exits": {"oui": 4, "un_peu": 1}}]})
    ingest.ingest(engine, seed.kiosk_id(engine, kiosk), push, seed.NOW)


def test_the_pdf_carries_hand_figures_workshops_answers_and_notes(network, tmp_path):
    _push_workshop(network, "Pontcharra")
    manual.add_entry(network, manual.Draft("Goncelin", dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                                           {"autre": 17, "service_public": 5}, "cahier"),
                     BY, seed.NOW)
    notes.save_note(network, "Crolles", "2026-Q2",
                    {"went_well": "Les ateliers du mardi sont pleins.", "difficulties": "",
                     "needs": "Une deuxième imprimante."}, BY, seed.NOW)
    fig = annual_figures(network, 2026, None, None, seed.TODAY)
    path = pdf.save(annual_pdf(fig, annual_sections(network, 2026, None)), tmp_path / "b.pdf")
    text = pdf.flat(pdf.text_of(path).replace("\n", " "))
    assert "saisi à la main" in text and "Goncelin" in text and "22" in text
    assert "Ateliers collectifs" in text and "Pontcharra" in text and "13" in text
    assert "Avons-nous pu vous aider" in text
    assert "Les ateliers du mardi sont pleins." in text and "Une deuxième imprimante." in text
    assert "2026-Q2" in text


def test_a_commune_s_pdf_keeps_only_its_own_notes(network, tmp_path):
    for commune in ("Crolles", "Pontcharra"):
        notes.save_note(network, commune, "2026-Q1", {"went_well": f"Bien à {commune}.",
                                                      "difficulties": "", "needs": ""},
                        BY, seed.NOW)
    fig = annual_figures(network, 2026, "Crolles", None, seed.TODAY)
    path = pdf.save(annual_pdf(fig, annual_sections(network, 2026, "Crolles")),
                    tmp_path / "c.pdf")
    text = pdf.flat(pdf.text_of(path).replace("\n", " "))
    assert "Bien à Crolles." in text and "Bien à Pontcharra." not in text


def test_an_anonymised_pdf_hides_a_small_tally_and_the_total_that_would_give_it_back(
        network, tmp_path):
    for commune, count in (("Goncelin", 19), ("Crolles", 2)):
        manual.add_entry(network, manual.Draft(commune, dt.date(2026, 3, 1),
                                               dt.date(2026, 3, 31), {"autre": count}, ""),
                         BY, seed.NOW)

    def hand_lines(threshold):
        fig = annual_figures(network, 2026, None, threshold, seed.TODAY)
        path = pdf.save(annual_pdf(fig, annual_sections(network, 2026, None)),
                        tmp_path / f"{threshold}.pdf")
        text = pdf.text_of(path)
        part = text[text.index("relevés papier"):]
        return [" ".join(line.replace("< ", "<").split()) for line in part.splitlines()
                if line.strip().startswith(("Goncelin", "Crolles", "Total"))][:3]

    period = "du 01/03/2026 au 31/03/2026"
    assert hand_lines(None) == [f"Crolles {period} 2", f"Goncelin {period} 19", "Total 21"]
    assert hand_lines(5) == [f"Crolles {period} <5", f"Goncelin {period} 19", "Total s"]
