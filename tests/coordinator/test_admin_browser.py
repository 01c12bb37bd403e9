"""The administration pages in Debian's chromium at phone width (390 x 844): the new kiosk's
code never breaks inside a group and copies whole, `token.txt` downloads, and the pages of
this part (new kiosk, its code, communes, accounts) are no wider than the screen."""

from __future__ import annotations

from pathlib import Path

from browser import BROWSER_MARKS, CHROMIUM, SCREENSHOTS
from test_dashboard_browser import server  # noqa: F401 (the real service under uvicorn)

from sync.coordinator import kiosks

pytestmark = BROWSER_MARKS
PHONE = {"width": 390, "height": 844}


def overflow(page) -> int:
    """How many pixels the page is wider than the phone (a table may scroll in its box)."""
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def test_new_kiosk_code_on_a_phone(server, network, tmp_path):  # noqa: F811
    from dashboard_helpers import LOGIN, PASSWORD
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport=PHONE, accept_downloads=True, locale="fr-FR",
                                      is_mobile=True, has_touch=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
        page = context.new_page()
        page.goto(server + "/bornes/ajouter")
        page.get_by_label("Identifiant").fill(LOGIN)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/bornes/ajouter")
        assert overflow(page) <= 0
        page.screenshot(path=str(SCREENSHOTS / "admin-kiosk-new-390.png"), full_page=True)
        page.get_by_label("Nom de la borne").fill("Saint-Nazaire-les-Eymes – médiathèque")
        page.get_by_label("Commune", exact=True).select_option("Saint-Nazaire-les-Eymes")
        page.get_by_role("button", name="Créer la borne").click()
        page.wait_for_selector("#token")
        page.screenshot(path=str(SCREENSHOTS / "admin-kiosk-code-390.png"), full_page=True)
        assert overflow(page) <= 0
        token = page.locator("#token").get_attribute("data-token")
        lines_per_group = page.evaluate(
            "[...document.querySelectorAll('#token span')].map(s => s.getClientRects().length)")
        assert lines_per_group and set(lines_per_group) == {1}  # no group cut in two
        page.get_by_role("button", name="Copier le code").click()
        expect(page.locator("#copie-faite")).to_have_text("Code copié.")
        assert page.evaluate("navigator.clipboard.readText()") == token
        with page.expect_download() as info:
            page.get_by_role("button", name="Télécharger token.txt").click()
        download = info.value
        assert download.suggested_filename == "token.txt"
        assert Path(download.path()).read_text(encoding="utf-8") == token + "\n"
        with network.connect() as conn:
            assert kiosks.kiosk_for_token(conn, token).commune == "Saint-Nazaire-les-Eymes"
        for path, shot in (("/communes", "admin-communes-390.png"),
                           ("/comptes", "admin-accounts-390.png")):
            page.goto(server + path)
            page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)
            assert overflow(page) <= 0, path
        browser.close()
