"""The coordinator's hand-made entries in a real browser (chromium, uvicorn on 127.0.0.1):
a kiosk file uploaded, a paper tally typed, notes written, equipment recorded; screenshots
for docs/coordinator.md."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import dashboard_seed as seed
from browser import BROWSER_MARKS, CHROMIUM, SCREENSHOTS
from dashboard_helpers import LOGIN, PASSWORD
from sqlalchemy import text
from test_dashboard_browser import server  # noqa: F401  (the real service, a fixture)

from sync import transfer

pytestmark = BROWSER_MARKS

INSTALL = "6f1c3a2e-1111-4222-8333-944455556666"


def _transfer_file(folder, token: str):
    days = [SimpleNamespace(day=dt.date(2026, 7, 1) + dt.timedelta(days=n), revision=1,
                            counts={"service_public": 2, "autre": 1}) for n in range(10)]
    source = transfer.Source(transfer.derive_key(token), INSTALL, True, "1")
    path = folder / "transfert-borne.txt"
    path.write_text(transfer.file_text(transfer.file_payloads_for(source, days)))
    return path


def test_entries_through_a_real_browser(tmp_path, network, server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    token = seed.add_kiosk(network, "Bernin – salle des fêtes", "Bernin")
    upload = _transfer_file(tmp_path, token)
    base = server
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 800}, locale="fr-FR")
        page.goto(base + "/saisies")
        page.get_by_label("Identifiant").fill(LOGIN)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/saisies")

        page.get_by_role("link", name="Importer un fichier de borne").click()
        page.get_by_label("Fichier de la borne").set_input_files(str(upload))
        page.get_by_role("button", name="Importer le fichier").click()
        page.locator("#import-resultat").wait_for()
        assert "10 jours, 30 visites" in page.locator("#import-resultat").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "saisies-import.png"), full_page=True)

        page.goto(base + "/saisies/papier/ajouter")
        page.get_by_label("Commune").fill("Bernin")
        page.get_by_label("Un trimestre").check()
        page.locator("#trimestre").fill("2026-Q2")
        page.locator("#n-service_public").fill("14")
        page.locator("#n-imprimante_scan").fill("6")
        page.get_by_label("D'où vient ce chiffre (facultatif)").fill(
            "relevé papier de la mairie, avant la borne")
        page.screenshot(path=str(SCREENSHOTS / "saisies-papier-formulaire.png"),
                        full_page=True)
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url("**/saisies/papier")
        page.screenshot(path=str(SCREENSHOTS / "saisies-papier.png"), full_page=True)

        page.goto(base + "/saisies/notes/modifier?commune=Crolles&trimestre=2026-Q3")
        page.get_by_label("Ce qui a bien marché").fill("Les ateliers du jeudi sont pleins.")
        page.get_by_label("Les besoins").fill("Un second écran.")
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url("**/saisies/notes?trimestre=2026-Q3")

        page.goto(base + "/saisies/materiel/ajouter")
        page.get_by_label("Commune").fill("Lumbin")  # no kiosk, no tally: not started
        page.get_by_label("Matériel", exact=True).fill("Ordinateur portable")
        page.get_by_label("Remis le").fill("2020-01-06")
        page.get_by_label("Fin de garantie (facultatif)").fill("2023-01-06")
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url("**/saisies/materiel")
        assert "Lumbin : matériel remis le 06/01/2020" in page.locator(
            "#alertes-materiel").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "saisies-materiel.png"), full_page=True)

        page.goto(base + "/?periode=trimestre&trimestre=2026-Q2")
        assert page.locator("#total-main").inner_text() == "20"
        page.locator("#h-main").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "saisies-statistiques.png"))
        page.goto(base + "/rapports/annuel?annee=2026")
        page.locator("#bilan-qualitatif").scroll_into_view_if_needed()
        assert "Un second écran." in page.locator("#bilan-qualitatif").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "saisies-bilan-qualitatif.png"))
        browser.close()
    with network.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM day_revisions WHERE install_id = :i"),
                            {"i": INSTALL}).scalar_one() == 10
        assert conn.execute(text("SELECT COUNT(*) FROM equipment")).scalar_one() == 1
