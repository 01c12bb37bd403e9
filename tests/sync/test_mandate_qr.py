"""The kiosk's mandate QR without a commune URL: in the real app, touches reach the mandate's
last page; zbar reads the code off the screen; it is the coordinator's printable mandate
for the kiosk's commune, and the real coordinator on 127.0.0.1 serves it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from test_transfer import ZBAR
from test_transfer_screen import read_texture

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
from ui_helpers import make_config, run_app, screen, tap  # noqa: E402

pytestmark = [pytest.mark.ui,
              pytest.mark.skipif(ZBAR is None, reason="zbarimg missing (zbar-tools)")]


def _with_coordinator(config, tmp_path: Path, url: str, token: str):
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    return dataclasses.replace(config, coordinator=dataclasses.replace(
        config.coordinator, url=url, token_file=token_file, timeout_s=2))


def _qr_of_last_mandate_page(config, folder: Path) -> str | None:
    seen: list = []

    def script(app):
        home = screen(app, "accueil")
        tap(home.ids.top_bar.ids.info)
        yield 0.3
        tap(screen(app, "infos").ids.mandate)
        yield 0.3
        assert app.root.current == "mandat"
        pages = screen(app, "mandat")
        while pages.index < pages.count - 1:
            tap(pages.ids.next)
            yield 0.1
        seen.append(read_texture(pages.qr, folder, 0) if pages.has_qr else None)

    run_app(config, script)
    return seen[0]


def test_qr_opens_the_coordinators_mandate_for_the_commune(tmp_path, sqlite_coordinator):
    token = sqlite_coordinator.add_kiosk("Pontcharra – mairie", "Pontcharra")
    config = make_config(tmp_path, permanence={"commune": "Pontcharra"},
                         privacy={"mandate_url": ""})
    config = _with_coordinator(config, tmp_path, sqlite_coordinator.url + "/", token)
    url = _qr_of_last_mandate_page(config, tmp_path)
    assert url == sqlite_coordinator.url + "/mandat.pdf?commune=Pontcharra"
    answer = requests.get(url, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "mandat.pdf"
    pdf.write_bytes(answer.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert "Commune de Pontcharra" in text


def test_the_communes_own_url_comes_first(tmp_path, sqlite_coordinator):
    token = sqlite_coordinator.add_kiosk()
    config = make_config(tmp_path, permanence={"commune": "Crolles"},
                         privacy={"mandate_url": "https://crolles.example.org/mandat"})
    config = _with_coordinator(config, tmp_path, sqlite_coordinator.url, token)
    assert _qr_of_last_mandate_page(config, tmp_path) == "https://crolles.example.org/mandat"


def test_no_url_no_code(tmp_path):
    config = make_config(tmp_path, privacy={"mandate_url": ""})
    assert _qr_of_last_mandate_page(config, tmp_path) is None


def test_the_address_never_carries_credentials(tmp_path):
    from screens.mandat import full_text_url

    config = make_config(tmp_path, permanence={"commune": "Le Touvet"},
                         privacy={"mandate_url": ""})
    config = dataclasses.replace(config, coordinator=dataclasses.replace(
        config.coordinator, url="https://relais:secret@coord.example.org/reseau/"))
    assert full_text_url(config) == ("https://coord.example.org/reseau/mandat.pdf"
                                     "?commune=Le+Touvet")
    config = dataclasses.replace(config, permanence=dataclasses.replace(
        config.permanence, commune=""))
    assert full_text_url(config) == "https://coord.example.org/reseau/mandat.pdf"
