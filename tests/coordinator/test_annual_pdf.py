"""The annual report as a PDF: read back with poppler, same figures as the page and as SQL."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pdf_helpers as pdf
from dashboard_helpers import sql_totals, tables_of

from sync.coordinator.reports.annual_view import annual_figures
from sync.coordinator.reports.pdf import annual_pdf

TODAY = dt.date(2026, 11, 30)


def _figures_in_order(line: str, cells: list[str]) -> bool:
    pattern = r"\s+".join(re.escape(pdf.flat(c).strip()).replace(r"\ ", r"\s") for c in cells)
    return re.search(r"(^|\s)" + pattern + r"(\s|$)", pdf.flat(line)) is not None


def test_pdf_shows_the_annual_page_figures(client, network, tmp_path):
    page = client.get("/rapports/annuel?annee=2026")
    assert page.status_code == 200
    assert "/rapports/annuel?annee=2026&amp;commune=&amp;format=pdf" in page.text
    answer = client.get("/rapports/annuel?annee=2026&format=pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert 'filename="bilan-annuel-2026.pdf"' in answer.headers["content-disposition"]
    path = pdf.save(answer.content, tmp_path / "bilan.pdf")
    text = pdf.text_of(path)
    lines = text.splitlines()
    tables = tables_of(page.text)
    compared = 0
    for table in ("table-synthese", "table-mois-annee", "table-communes-annee"):
        for row in tables[table][1:]:
            label = row[0].replace(" (en cours)", "")
            figures = row[2:] if table == "table-synthese" else row[1:]  # no thématique
            figures = [c.replace("-", "−") if c.startswith("-") else c for c in figures]
            assert any(_figures_in_order(line, figures) for line in lines), (table, row)
            assert pdf.flat(label.split(" (")[0]) in pdf.flat(text.replace("\n", " ")), label
            compared += 1
    assert compared == 9 + 12 + 4
    # and from SQL, independently of the reports
    year = sql_totals(network, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert re.search(r"Total\s+" + _thousands(sum(year.values())), pdf.flat(text))
    for commune, n in sql_totals(network, dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                                 by="commune").items():
        assert re.search(re.escape(commune) + r"\s+" + _thousands(n), pdf.flat(text))


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def test_pdf_is_a_real_document(network, tmp_path):
    fig = annual_figures(network, 2026, None, None, TODAY)
    path = pdf.save(annual_pdf(fig), tmp_path / "bilan.pdf")
    text = pdf.text_of(path)
    pages = pdf.pages_of(path)
    assert pages >= 2
    for n in range(1, pages + 1):
        assert f"Page {n} sur {pages}" in text
    assert text.count("Extrait le 30/11/2026") >= pages  # the footer, and the introduction
    for words in ("Bilan annuel quantitatif 2026", "Synthèse par catégorie", "Évolution",
                  "février", "décembre", "« à venir »", "Sécurité numérique & informatique",
                  "novembre (en cours)", "Visites 2025"):
        assert words in text, words
    fonts = pdf.fonts_of(path)
    assert fonts and all(f["emb"] == "yes" for f in fonts)
    assert any("AtkinsonHyperlegible" in f["name"] for f in fonts)
    # French thousands (7 227) take the narrow no-break space, which Atkinson lacks: drawn
    # from the embedded fallback, which nothing else uses
    assert any("DejaVuSans" in f["name"] for f in fonts)
    # the charts are drawn: page 1 holds many pixels of the bars' blue
    first = pdf.images_of(path, tmp_path)[0]
    blue = sum(1 for px in first.getdata() if px[2] > 120 and px[0] < 60 and px[1] < 100)
    assert blue > 2000, blue


def test_hidden_cells_and_no_chart(network, tmp_path):
    fig = annual_figures(network, 2026, None, 5, TODAY)
    text = pdf.text_of(pdf.save(annual_pdf(fig), tmp_path / "anonyme.pdf"))
    assert "« < 5 » : moins de 5 visites" in text
    assert "Pas de graphique quand les petits nombres sont masqués" in text
    assert re.search(r"Froges\s+<\s?5\s", text)  # pdftotext may close up "< 5"


def test_one_commune(network, tmp_path):
    fig = annual_figures(network, 2025, "Pontcharra", None, TODAY)
    text = pdf.text_of(pdf.save(annual_pdf(fig), tmp_path / "p.pdf"))
    total = sql_totals(network, dt.date(2025, 1, 1), dt.date(2025, 12, 31),
                       by="commune")["Pontcharra"]
    assert "(en cours)" not in text  # 2025 is over on the extraction day
    assert "Crolles" not in text
    assert re.search(r"Pontcharra\s+" + _thousands(total), pdf.flat(text))


def test_cli_annual_pdf(network, tmp_path):
    url = str(network.url)
    target = tmp_path / "bilan.pdf"
    run = subprocess.run([sys.executable, "-m", "sync.coordinator.cli", "report", "--year",
                          "2025", "--format", "pdf", "--out", str(target), "--db", url],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    total = sum(sql_totals(network, dt.date(2025, 1, 1), dt.date(2025, 12, 31)).values())
    assert re.search(r"Total\s+" + _thousands(total), pdf.flat(pdf.text_of(target)))
    for args in (["--year", "2025", "--format", "csv"], ["--quarter", "2025-Q1", "--format",
                 "pdf"], ["--year", "2025"], ["--year", "２０２５", "--out", str(target)]):
        run = subprocess.run([sys.executable, "-m", "sync.coordinator.cli", "report", *args,
                              "--db", url], capture_output=True, text=True, timeout=60)
        assert run.returncode == 2, (args, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def test_long_commune_names_stay_on_the_page(engine, tmp_path):
    import dashboard_seed as seed

    long_name = "Saint-Martin-d'Uriage-et-les-Villages-du-Balcon-de-Belledonne"
    seed.add_kiosk(engine, "k1", long_name, dt.date(2025, 1, 1))
    seed.add_kiosk(engine, "k2", "Crolles", dt.date(2025, 1, 1))
    seed.put_day(engine, "k1", dt.date(2026, 3, 3), {"autre": 40})
    seed.put_day(engine, "k2", dt.date(2026, 3, 3), {"autre": 12345})
    path = pdf.save(annual_pdf(annual_figures(engine, 2026, None, None, TODAY)),
                    tmp_path / "long.pdf")
    assert long_name in pdf.text_of(path, layout=False).replace("\n", "")  # whole, wrapped
    assert "12 345" in pdf.flat(pdf.text_of(path))
    assert re.search(r"Saint-Martin-d'\S+…\s+40\b", pdf.text_of(path))  # cut in the chart
    width = 595.3  # A4 in points
    boxes = pdf.word_boxes(path)
    assert boxes
    assert all(x0 >= 14 and x1 <= width - 14 for x0, _, x1, _, _ in boxes), [
        w for w in boxes if w[0] < 14 or w[2] > width - 14]


def test_an_empty_network_still_makes_both_files(engine, tmp_path):
    from openpyxl import load_workbook

    from sync.coordinator import reports

    text = pdf.text_of(pdf.save(annual_pdf(annual_figures(engine, 2026, None, None, TODAY)),
                                tmp_path / "vide.pdf"))
    assert "Aucune donnée reçue pour 2026 ni 2025." in text
    wb = load_workbook(reports.write_report(engine, "2026-Q3", "xlsx", tmp_path / "vide.xlsx",
                                            today=TODAY))
    assert wb.sheetnames == ["Synthèse", "Réseau", "Année en cours"]
    assert wb["Synthèse"]["A3"].value == "Extrait le 30/11/2026"
