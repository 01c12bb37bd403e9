"""The mediator's "Envoyer sans réseau" in the real app: touches open the codes and page
through them; zbar reads each code off the screen's texture; the phone's POST of each
files the quarter on the real coordinator."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import frozen_clock
import pytest
import requests
from test_transfer import ZBAR, OfflineKiosk

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
from ui_helpers import make_config, run_app, screen, tap, wait_until  # noqa: E402

pytestmark = [pytest.mark.ui,
              pytest.mark.skipif(ZBAR is None, reason="zbarimg missing (zbar-tools)")]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
OFFLINE_URL = "http://127.0.0.1:9"  # the discard port: this kiosk never reaches anything


def read_texture(texture, folder: Path, n: int) -> str:
    """zbar's reading of the QR texture as drawn (8 px a module, like a screen photo)."""
    from PIL import Image

    image = Image.frombytes("RGBA", texture.size, bytes(texture.pixels))
    image = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).convert("L")
    image = image.resize((texture.size[0] * 8,) * 2, Image.NEAREST)
    path = folder / f"screen-code-{n}.png"
    image.save(path)
    done = subprocess.run([ZBAR, "--quiet", "--raw", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


def test_the_mediator_shows_the_quarter_as_codes_and_the_phone_files_them(
        tmp_path, sqlite_coordinator):
    token = sqlite_coordinator.add_kiosk()
    station = OfflineKiosk(tmp_path / "kiosk", OFFLINE_URL, token)
    station.fill()
    config = make_config(tmp_path, kiosk={"data_dir": str(station.folder / "data")})
    config = dataclasses.replace(config, coordinator=dataclasses.replace(
        config.coordinator, url=OFFLINE_URL, token_file=station.token_file))
    store = station.open_store([frozen_clock.local_now()])
    texts: list[str] = []

    def script(app):
        app.open_mediator()
        mediator = screen(app, "mediateur")
        yield from wait_until(lambda: mediator.snapshot is not None)
        mediator.ids.scroll.scroll_to(mediator.ids.transfer, animate=False)
        yield 0.2
        tap(mediator.ids.transfer)
        yield 0.2
        assert app.root.current == "transfert"
        codes = screen(app, "transfert")
        yield from wait_until(lambda: not codes.busy, timeout_s=30)
        assert codes.count >= 2, codes.message
        while True:
            yield 0.1
            assert codes.ids.counter.text == f"Code {codes.index + 1} sur {codes.count}"
            texts.append(read_texture(codes.qr, tmp_path, codes.index + 1))
            if codes.index == 0:
                from kivy.core.window import Window

                SCREENSHOTS.mkdir(exist_ok=True)
                Window.screenshot(name=str(SCREENSHOTS / "transfert-fr.png"))
            assert texts[-1] == codes.text()
            if codes.index == codes.count - 1:
                break
            tap(codes.ids.next)
        tap(codes.ids.previous)
        yield 0.1
        assert codes.index == codes.count - 2
        tap(codes.ids.back)
        yield 0.1
        assert app.root.current == "mediateur"

    try:
        run_app(config, script, timeout_s=120, store=store)
    finally:
        store.close()  # the app closes it too; closing twice is harmless
    # Showing codes marks nothing sent (today is there too: the app marked it "held").
    assert station.unsent() >= len(station.expected)
    assert len(set(texts)) == len(texts) >= 2
    for text in texts:
        assert text.startswith(OFFLINE_URL + "/t/") and token not in text
        payload = text.removeprefix(OFFLINE_URL + "/t/")
        answer = requests.post(f"{sqlite_coordinator.url}/t/{payload}", timeout=30)
        assert answer.status_code == 200, answer.text
    assert sqlite_coordinator.day_totals() == station.expected


def test_without_a_coordinator_the_screen_says_so(tmp_path):
    config = make_config(tmp_path)

    def script(app):
        app.show("transfert")
        codes = screen(app, "transfert")
        yield from wait_until(lambda: not codes.busy)
        assert codes.count == 0 and codes.qr is None
        assert "Aucun serveur" in codes.message

    run_app(config, script)


def test_the_mediator_writes_the_codes_days_as_a_file_the_coordinator_imports(
        tmp_path, sqlite_coordinator):
    token = sqlite_coordinator.add_kiosk()
    station = OfflineKiosk(tmp_path / "kiosk", OFFLINE_URL, token)
    station.fill()
    config = make_config(tmp_path, kiosk={"data_dir": str(station.folder / "data"),
                                          "export_dirs": [str(tmp_path / "media")]})
    config = dataclasses.replace(config, coordinator=dataclasses.replace(
        config.coordinator, url=OFFLINE_URL, token_file=station.token_file))
    store = station.open_store([frozen_clock.local_now()])
    written: list[Path] = []

    def script(app):
        app.show("transfert")
        codes = screen(app, "transfert")
        yield from wait_until(lambda: not codes.busy, timeout_s=30)
        assert codes.count >= 2, codes.message
        tap(codes.ids.usb)
        yield from wait_until(lambda: not codes.busy and codes.file_message, timeout_s=30)
        # No stick is mounted here: the file goes to the data dir, and the screen says so.
        assert codes.file_message.startswith("Pas de clé USB")
        written.extend((station.folder / "data" / "exports").glob("permanence-transfert-*.txt"))

    try:
        run_app(config, script, timeout_s=120, store=store)
    finally:
        store.close()
    assert len(written) == 1
    data = written[0].read_bytes()
    assert token.encode() not in data
    from sync.coordinator.transfers import import_file

    import_file(sqlite_coordinator.engine, data)
    assert sqlite_coordinator.day_totals() == station.expected
