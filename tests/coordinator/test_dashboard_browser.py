"""One real browser: Debian's chromium through Playwright, against uvicorn on 127.0.0.1."""

from __future__ import annotations

import pytest
from browser import BROWSER_MARKS, CHROMIUM, SCREENSHOTS
from live_server import live_server
from openpyxl import load_workbook

from sync.coordinator import reports

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(tmp_path, network):
    """The real service (kiosk-coordinator's app under uvicorn) on the seeded database."""
    with live_server(network) as base:
        yield base


def test_login_open_quarter_download_xlsx(server, network, tmp_path):
    from dashboard_helpers import LOGIN, PASSWORD
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                locale="fr-FR")
        page.goto(server + "/?periode=trimestre&trimestre=2026-Q4")
        assert "/connexion" in page.url  # no session: the login page
        page.get_by_label("Identifiant").fill(LOGIN)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/?periode=trimestre*")
        page.screenshot(path=str(SCREENSHOTS / "dashboard-quarter.png"), full_page=True)

        stats = reports.period_stats(network, reports.quarter_period("2026-Q4"))
        shown = page.locator("#total-visites").inner_text().replace("\u202f", "")
        assert int(shown) == stats.total
        assert page.locator("#graph-mois rect, svg.chart rect").count() >= 3
        assert page.locator("#table-communes tbody tr").count() == len(stats.by_commune)

        # keyboard: the skip link is the first stop and lands on the content
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"

        with page.expect_download() as info:
            page.get_by_role("link", name="Télécharger ces chiffres (XLSX)").click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        wb = load_workbook(target)
        assert wb.sheetnames[0] == "Catégories"
        total = next(r for r in wb["Catégories"].iter_rows(values_only=True) if r[0] == "Total")
        assert total[2] == stats.total

        page.goto(server + "/bornes")
        page.screenshot(path=str(SCREENSHOTS / "dashboard-kiosks.png"), full_page=True)
        page.get_by_role("link", name="Ajouter une borne").click()
        page.get_by_label("Nom de la borne").fill("Le Touvet – mairie")
        page.get_by_label("Commune", exact=True).select_option("Le Touvet")
        page.get_by_role("button", name="Créer la borne").click()
        assert page.locator("svg.qr").count() == 0  # no QR code (issue 14, point 7)
        assert len(page.locator("#token").get_attribute("data-token")) >= 22
        page.screenshot(path=str(SCREENSHOTS / "kiosk-added.png"), full_page=True)
        page.goto(server + "/rapports/annuel?annee=2026")
        page.emulate_media(media="print")
        page.screenshot(path=str(SCREENSHOTS / "annual-print.png"), full_page=True)
        page.pdf(path=str(tmp_path / "annual.pdf"))
        assert (tmp_path / "annual.pdf").stat().st_size > 1000
        browser.close()
