"""What a browser shows (issue 14, points 2 and 3): no page wider than a 390 px phone, chart
text at least 11 px, chart labels that neither overlap nor get cut. Debian's chromium through
Playwright against the real service; every period asked is fixed and over."""

from __future__ import annotations

import os
from pathlib import Path

import dashboard_seed as seed
import pytest
from browser import BROWSER_MARKS, CHROMIUM
from dashboard_helpers import LOGIN, PASSWORD
from live_server import live_server

pytestmark = BROWSER_MARKS

#: Where the screenshots go to be looked at (not committed): the worktree's shots/ folder.
SHOTS = Path(os.environ.get("DASHBOARD_SHOTS", Path(__file__).resolve().parents[2] / "shots"))

PAGES = {
    "stats-quarter": "/?periode=trimestre&trimestre=2026-T3",
    "stats-long-range": "/?periode=plage&du=2025-01-01&au=2026-11-30",
    "stats-empty-commune": "/?periode=mois&mois=2025-02&commune=Pontcharra",
    "stats-year": "/?periode=annee&annee=2025",
    "reports": "/rapports",
    "annual": "/rapports/annuel?annee=2025",
    "annual-masked": "/rapports/annuel?annee=2025&masquer=1&seuil=5",
    "kiosks": "/bornes",
    "kiosk-new": "/bornes/ajouter",
    "kiosk-revoke": "/bornes/1/revoquer",
    "directory": "/permanences",
    "refused": "/?periode=trimestre&trimestre=2026-T9",
}

# Every text of every chart, with its box, its rendered font size, and the chart's box.
_CHART_TEXTS = """() => [...document.querySelectorAll('svg.chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  return {id: svg.id, box: [box.left, box.top, box.right, box.bottom],
    texts: [...svg.querySelectorAll('text')].map(t => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent, cls: t.getAttribute('class'),
              box: [r.left, r.top, r.right, r.bottom],
              px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a};
    })};
})"""


@pytest.fixture
def served(network):
    """The seeded network with two kiosks' profiles (hours, place), served by uvicorn."""
    seed.put_profile(network, "Crolles – mairie", {"monday": ["09:00-12:00"],
                                                   "wednesday": ["14:00-17:00"]})
    seed.put_profile(network, "Pontcharra", {"tuesday": ["09:00-12:00", "13:30-17:30"],
                                             "friday": ["09:00-12:00"]},
                     place="Espace France Services, rez-de-chaussée",
                     address="90 place du Docteur-Ruby-Fillon-Étienne, 38530 Pontcharra",
                     by_appointment=False, booking="",
                     categories=("autre", "imprimante_scan", "caf", "impots"))
    with live_server(network) as base:
        yield base


# The outermost elements that stick out of the viewport: what to fix when a page is too wide.
_WIDER = """(w) => [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect();
  const scrolled = e.parentElement.closest('.scroll, .chart-box');
  return r.right > w + 0.5 && !scrolled
    && !(e.parentElement.getBoundingClientRect().right > w + 0.5);
}).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' '
  + Math.round(e.getBoundingClientRect().right))"""


def _overlap(a, b, slack: float = 0.5) -> bool:
    return (a[0] < b[2] - slack and b[0] < a[2] - slack
            and a[1] < b[3] - slack and b[1] < a[3] - slack)


def _check_charts(page, name: str) -> int:
    charts = page.evaluate(_CHART_TEXTS)
    checked = 0
    for chart in charts:
        texts = [t for t in chart["texts"] if t["text"].strip()]
        for t in texts:
            assert t["px"] >= 10.95, (name, chart["id"], t["text"], t["px"])
            inside = chart["box"]
            assert t["box"][0] >= inside[0] - 0.5 and t["box"][2] <= inside[2] + 0.5, \
                (name, chart["id"], t["text"], "cut at the chart's edge")
        for i, a in enumerate(texts):
            for b in texts[i + 1:]:
                assert not _overlap(a["box"], b["box"]), (name, chart["id"], a["text"], b["text"])
        checked += len(texts)
    return checked


def _login(page, base: str) -> None:
    page.goto(base + "/connexion")
    page.get_by_label("Identifiant").fill(LOGIN)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(base + "/")


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_every_page_fits_and_its_charts_read(served, viewport):
    from playwright.sync_api import sync_playwright

    width, height = viewport
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": width, "height": height}, locale="fr-FR")
        page.goto(served + "/connexion")
        page.screenshot(path=str(SHOTS / f"login-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _login(page, served)
        measured = 0
        for name, path in PAGES.items():
            page.goto(served + path)
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, (name, wide, page.evaluate(_WIDER, width))
            measured += _check_charts(page, name)
        assert measured > 100  # the charts were there to be measured
        # the long range: 23 months, labels thinned, the years on their own line
        page.goto(served + PAGES["stats-long-range"])
        years = page.locator("#graph-mois text.year").all_text_contents()
        assert years == ["2025", "2026"]
        labels = page.locator("#graph-mois text.label").count()
        assert 4 <= labels < 23
        browser.close()


def test_a_run_of_empty_months_has_one_note(served, network):
    """A year with no data at all: twelve dashed bars, one note over them, not twelve."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="fr-FR")
        _login(page, served)
        page.goto(served + "/?periode=annee&annee=2024")  # no kiosk reported in 2024
        notes = page.locator("#graph-mois text.nodata-label").all_text_contents()
        assert notes == ["aucune donnée"]
        assert page.locator("#graph-mois rect.nodata").count() == 12
        browser.close()


def test_the_quarter_field_takes_t_and_lower_case(served):
    """The browser's own check of the field lets "2026-t3" through, and the page reads it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")
        _login(page, served)
        page.get_by_label("Trimestre", exact=True).check()
        page.get_by_label("Trimestre (AAAA-TN)").fill("2026-t3")
        page.get_by_role("button", name="Afficher").click()
        page.wait_for_url("**trimestre=2026-t3**")
        assert "3e trimestre 2026" in page.locator("h1").inner_text()
        page.get_by_label("Trimestre (AAAA-TN)").fill("2026-T9")
        assert page.eval_on_selector("#trimestre", "e => e.validity.valid") is False
        page.goto(served + "/?periode=trimestre&trimestre=2026-T9")  # past the browser's check
        assert "n'est pas un trimestre" in page.locator("[role=alert]").inner_text()
        browser.close()
