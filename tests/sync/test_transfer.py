"""Offline transfer end to end: a kiosk that never had network reports a quarter by QR
codes (decoded from the PNGs with zbar) and by file, through the real coordinator."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import frozen_clock
import pytest
import requests
from sqlalchemy import delete, func, select
from sync_helpers import ROOT

from kiosk.catalogue import CATEGORY_IDS
from kiosk.clock import SystemClock
from kiosk.config import load
from kiosk.store import Store
from sync.client import SyncClient
from sync.coordinator.cli import main as coordinator_main
from sync.coordinator.schema import day_revisions, transfer_keys

#: A fixed past quarter: 92 days, before today whatever today is from now on.
QUARTER = [dt.date(2026, 7, 1) + dt.timedelta(days=n) for n in range(92)]
ZBAR = shutil.which("zbarimg")
needs_zbar = pytest.mark.skipif(ZBAR is None, reason="zbarimg missing: apt-get install zbar-tools")


class OfflineKiosk:
    """A kiosk store filled through a quarter by a travelling clock, and its config file."""

    def __init__(self, folder: Path, url: str, token: str | None, seed: int = 11):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.token_file = folder / "token"
        if token is not None:
            self.token_file.write_text(token + "\n")
            self.token_file.chmod(0o600)
        self.synced = folder / "synchronized"
        self.synced.touch()
        self.config_path = folder / "config.toml"
        self.config_path.write_text(
            f'[kiosk]\ndata_dir = "{folder / "data"}"\nsynced_flag = "{self.synced}"\n'
            f'[coordinator]\nurl = "{url}"\ntoken_file = "{self.token_file}"\n')
        self.expected: dict[dt.date, dict[str, int]] = {}

    def open_store(self, wall: list) -> Store:
        clock = SystemClock(self.synced, now=lambda: wall[0], boot_id="transfer-test",
                            build_date=dt.date(2020, 1, 1))
        return Store(self.folder / "data", clock=clock)

    def fill(self, days=QUARTER, seed: int = 11) -> None:
        rng = random.Random(seed)
        wall = [dt.datetime.combine(days[0], dt.time(10)).astimezone()]
        with self.open_store(wall) as store:
            for day in days:
                wall[0] = dt.datetime.combine(day, dt.time(10)).astimezone()
                for _ in range(rng.randint(1, 4)):
                    category = rng.choice(CATEGORY_IDS)
                    store.record(category)
                    counts = self.expected.setdefault(day, {})
                    counts[category] = counts.get(category, 0) + 1

    def copy_days_of(self, other: OfflineKiosk) -> None:
        """The same store as `other` (filled once a module: a quarter of taps takes seconds)."""
        shutil.copytree(other.folder / "data", self.folder / "data")
        self.expected = other.expected

    def unsent(self) -> int:
        with Store.for_config(load(self.config_path), readonly=True) as store:
            return len(store.unsynced())


def kiosk(*args) -> subprocess.CompletedProcess:
    return subprocess.run(frozen_clock.kiosk_command(*args), capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env={**os.environ, **frozen_clock.child_env()})


def coordinator_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sync.coordinator.cli", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def zbar(png: Path) -> str:
    """The text of the one QR code in `png`, read by zbar."""
    done = subprocess.run([ZBAR, "--quiet", "--raw", str(png)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, f"zbar could not read {png.name}: {done.stderr}"
    return done.stdout.rstrip("\n")


def held_rows(server) -> int:
    with server.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(day_revisions)).scalar_one()


@pytest.fixture(scope="module")
def quarter_kiosk(tmp_path_factory) -> OfflineKiosk:
    filled = OfflineKiosk(tmp_path_factory.mktemp("quarter"), "http://127.0.0.1:9", None)
    filled.fill()
    return filled


@pytest.fixture
def offline(tmp_path, sqlite_coordinator, quarter_kiosk):
    token = sqlite_coordinator.add_kiosk()
    kiosk_ = OfflineKiosk(tmp_path / "kiosk", sqlite_coordinator.url, token)
    kiosk_.copy_days_of(quarter_kiosk)
    return sqlite_coordinator, kiosk_, token


@needs_zbar
def test_a_quarter_by_qr_codes_then_replay_then_an_online_push(tmp_path, start_coordinator,
                                                              db_url, quarter_kiosk):
    server = start_coordinator(db_url)
    token = server.add_kiosk()
    station = OfflineKiosk(tmp_path / "kiosk", server.url, token)
    station.copy_days_of(quarter_kiosk)
    made = kiosk("transfer", "--qr", str(tmp_path / "qr"), "--config", str(station.config_path))
    assert made.returncode == 0, made.stderr
    pngs = sorted((tmp_path / "qr").glob("transfer-*.png"))
    assert [p.name for p in pngs] == [f"transfer-{n}.png" for n in range(1, len(pngs) + 1)]
    assert 2 <= len(pngs) <= 6, made.stdout  # 92 days, about 25 to 30 a code
    texts = [zbar(p) for p in pngs]
    for text in texts:
        assert text.startswith(server.url + "/")
        assert token not in text and token[:12] not in text

    for n, text in enumerate(texts, start=1):
        page = requests.get(text, timeout=30)
        assert page.status_code == 200
        assert "Crolles-1" in page.text and "Envoyer" in page.text
        assert f"code {n} sur {len(texts)}" in page.text
    assert server.day_totals() == {}, "a GET must file nothing"

    answers = [requests.post(text, timeout=30) for text in texts]
    assert [a.status_code for a in answers] == [200] * len(texts), answers[-1].text
    assert sum(a.json()["days"] for a in answers) == len(QUARTER)
    assert server.day_totals() == station.expected
    rows = held_rows(server)

    # The transfer acknowledged nothing on the kiosk: a later push re-sends every day.
    assert station.unsent() == len(QUARTER)
    replay = [requests.post(text, timeout=30) for text in texts]
    assert [a.json()["updated"] for a in replay] == [0] * len(texts)
    with station.open_store([frozen_clock.local_now()]) as store:
        result = SyncClient(load(station.config_path), store).sync_now()
        assert result.ok and result.sent == len(QUARTER), result.message
    assert server.day_totals() == station.expected
    assert held_rows(server) == rows
    assert station.unsent() == 0


def test_the_phone_button_files_and_thanks(offline):
    server, station, _token = offline
    text = _first_code(station)
    page = requests.post(text, headers={"Accept": "text/html"},
                         data={}, timeout=30)
    assert page.status_code == 200
    assert "C'est envoyé" in page.text
    assert len(server.day_totals()) > 10


def test_a_quarter_by_file_and_import_twice(offline, tmp_path):
    server, station, token = offline
    out = tmp_path / "borne.transfert"
    made = kiosk("transfer", "--out", str(out), "--config", str(station.config_path))
    assert made.returncode == 0, made.stderr
    raw = out.read_bytes()
    assert token.encode() not in raw and token[:12].encode() not in raw
    assert len(raw) < 4000, "a quarter is a few KiB at most"

    first = coordinator_cli("import", str(out), "--db", server.db_url)
    assert first.returncode == 0, first.stderr
    assert server.day_totals() == station.expected
    rows = held_rows(server)
    again = coordinator_cli("import", str(out), "--db", server.db_url)
    assert again.returncode == 0, again.stderr
    assert server.day_totals() == station.expected and held_rows(server) == rows
    assert station.unsent() == len(QUARTER)


def test_an_altered_foreign_or_unreadable_file_files_nothing(offline, tmp_path, capsys):
    """The real CLI's main() in this process: twelve subprocesses would take half a minute."""
    server, station, _token = offline
    out = tmp_path / "borne.transfert"
    assert kiosk("transfer", "--out", str(out), "--config", str(station.config_path)).returncode == 0
    header, payload = out.read_text().splitlines()
    cases = {"missing.transfert": None, "empty.transfert": "",
             "binary.transfert": b"\x89PNG\r\n\x1a\n\x00\xff",
             "no-header.transfert": payload + "\n",
             "cut.transfert": f"{header}\n{payload[:-3]}\n"}
    for at in (3, 20, 60, len(payload) // 2, len(payload) - 5):  # header, install, days, MAC
        swapped = "A" if payload[at] != "A" else "B"
        cases[f"altered-{at}.transfert"] = f"{header}\n{payload[:at]}{swapped}{payload[at + 1:]}\n"
    other = OfflineKiosk(tmp_path / "other", server.url, "a-token-this-coordinator-never-issued")
    other.fill(QUARTER[:5], seed=3)
    assert kiosk("transfer", "--out", str(tmp_path / "foreign.transfert"), "--config",
                 str(other.config_path)).returncode == 0
    cases["foreign.transfert"] = (tmp_path / "foreign.transfert").read_bytes()
    for name, content in cases.items():
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        status = coordinator_main(["import", str(path), "--db", server.db_url])
        stderr = capsys.readouterr().err
        assert status != 0, name
        assert len(stderr.strip().splitlines()) == 1, (name, stderr)
        assert "nothing was filed" in stderr, stderr
    assert server.day_totals() == {} and held_rows(server) == 0


def test_every_altered_byte_of_a_code_is_refused(offline):
    server, station, _token = offline
    text = _first_code(station)
    prefix, payload = text.rsplit("/", 1)
    import base64

    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    # Every byte position: format, key id, install id, flags, parts, catalogue version,
    # day gaps, revisions, category masks, counts and the signature.
    for at in range(len(raw)):
        altered = bytearray(raw)
        altered[at] ^= 0x01
        url = f"{prefix}/{base64.urlsafe_b64encode(bytes(altered)).rstrip(b'=').decode()}"
        answer = requests.post(url, timeout=30)
        assert 400 <= answer.status_code < 500, (at, answer.status_code, answer.text)
    # A different spelling of the same bytes (unused bits of the last character) too.
    last = payload[-1]
    respelt = payload[:-1] + ("B" if last == "A" else "A") if len(raw) % 3 else None
    if respelt and base64.urlsafe_b64decode(respelt + "=" * (-len(respelt) % 4)) == raw:
        assert requests.post(f"{prefix}/{respelt}", timeout=30).status_code == 403
    refused = requests.get(f"{prefix}/{payload[:-2]}xx", timeout=30)
    assert refused.status_code == 403 and "pas valable" in refused.text
    assert server.day_totals() == {} and held_rows(server) == 0
    assert requests.post(text, timeout=30).status_code == 200  # the genuine one still files


def test_a_kiosk_made_before_transfers_gets_its_key_at_its_next_push(offline):
    server, station, token = offline
    with server.engine.begin() as conn:
        conn.execute(delete(transfer_keys))
    text = _first_code(station)
    assert requests.post(text, timeout=30).status_code == 403
    empty = {"install_id": "6f1c3a2e-1111-4222-8333-944455556666",
             "sent_at": frozen_clock.local_now().isoformat(timespec="seconds"),
             "clock_trusted": True, "catalogue_version": "1", "days": []}
    pushed = requests.post(server.url + "/api/v1/counts", json=empty,
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert pushed.status_code == 200, pushed.text
    assert requests.post(text, timeout=30).status_code == 200


def test_a_revoked_kiosk_cannot_transfer(offline):
    server, station, _token = offline
    from sync.coordinator import tokens

    tokens.revoke_kiosk(server.engine, "Crolles-1")
    assert requests.post(_first_code(station), timeout=30).status_code == 403
    assert server.day_totals() == {}


def test_transfer_needs_a_coordinator_and_a_token(tmp_path):
    no_token = OfflineKiosk(tmp_path / "a", "https://stats.example.org", None)
    done = kiosk("transfer", "--out", str(tmp_path / "x"), "--config", str(no_token.config_path))
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "token" in done.stderr.lower() or "jeton" in done.stderr.lower()
    no_url = tmp_path / "no-url.toml"
    no_url.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n[coordinator]\nurl = ""\n')
    done = kiosk("transfer", "--qr", str(tmp_path / "qr"), "--config", str(no_url))
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "coordinator" in done.stderr and not (tmp_path / "x").exists()
    both = kiosk("transfer", "--config", str(no_url))
    assert both.returncode == 2 and len(both.stderr.strip().splitlines()) == 1


def _first_code(station: OfflineKiosk) -> str:
    """The text of the first QR code, read back from the payload the CLI wrote."""
    folder = station.folder / "qr"
    made = kiosk("transfer", "--qr", str(folder), "--config", str(station.config_path))
    assert made.returncode == 0, made.stderr
    if ZBAR:
        return zbar(folder / "transfer-1.png")
    pytest.skip("zbarimg missing: apt-get install zbar-tools")
