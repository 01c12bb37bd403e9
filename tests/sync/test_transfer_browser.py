"""The phone page in a real browser (Debian's chromium through Playwright) at a phone's
size, 390x844: what the mediator sees after scanning a code, then the "Envoyer" button."""

from __future__ import annotations

from browser import BROWSER_MARKS, CHROMIUM, SCREENSHOTS
from test_transfer import OfflineKiosk, kiosk, zbar

pytestmark = BROWSER_MARKS


def test_scan_read_and_send_from_a_phone(tmp_path, sqlite_coordinator):
    from playwright.sync_api import sync_playwright

    server = sqlite_coordinator
    station = OfflineKiosk(tmp_path / "kiosk", server.url, server.add_kiosk())
    station.fill()  # a quarter: two codes or more
    assert kiosk("transfer", "--qr", str(tmp_path / "qr"), "--config",
                 str(station.config_path)).returncode == 0
    url = zbar(tmp_path / "qr" / "transfer-1.png")
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR",
                                is_mobile=True, has_touch=True, device_scale_factor=2)
        page.goto(url)
        text = page.inner_text("main")
        assert "Crolles-1" in text and "code 1 sur " in text, text
        page.screenshot(path=str(SCREENSHOTS / "transfer-phone-page.png"), full_page=False)
        assert server.day_totals() == {}  # reading the page files nothing
        page.get_by_role("button", name="Envoyer").click()
        page.wait_for_selector("text=C'est envoyé")
        page.screenshot(path=str(SCREENSHOTS / "transfer-phone-sent.png"), full_page=False)
        browser.close()
    filed = server.day_totals()
    assert filed and all(station.expected[day] == counts for day, counts in filed.items())
