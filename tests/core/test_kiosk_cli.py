"""The `kiosk` command line, run as a real process (.venv/bin/kiosk)."""

import csv
import json
import os
import subprocess
import sys

import pytest
from core_helpers import DAY, KIOSK_BIN

from kiosk import config
from kiosk.catalogue import CATEGORY_IDS
from kiosk.pin import verify_pin
from kiosk.store import Store

CONFIG = """\
# Permanence de test — a comment that must survive set-pin
[kiosk]
data_dir = "data"  # next to this file
synced_flag = "synced"

[coordinator]
url = ""
token_file = ""

[permanence]
name = "Permanence de Crolles"

[mediator]
# Written by kiosk set-pin.
pin_hash = ""
hidden_press_s = 3.0  # seconds
"""


@pytest.fixture
def cfg_path(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def kiosk(*args, stdin="", env=None, cwd=None):
    full_env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    full_env.update(env or {})
    return subprocess.run([str(KIOSK_BIN), *args], input=stdin, capture_output=True,
                          text=True, timeout=120, env=full_env, cwd=cwd)


def one_line_error(proc, code=2):
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def tap(cfg_path, fake_time, *categories):
    store = Store(cfg_path.parent / "data", clock=fake_time.clock())
    for cid in categories:
        store.record(cid)
    return store


def test_tally_json_format(cfg_path, fake_time):
    tap(cfg_path, fake_time, "autre", "autre", "viatrajectoire").close()
    proc = kiosk("tally", "--day", DAY.isoformat(), "--json", "--config", str(cfg_path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert list(data) == ["day", "counts", "total"]
    assert data["day"] == "2026-11-26"
    assert list(data["counts"]) == list(CATEGORY_IDS)
    assert data["counts"]["autre"] == 2 and data["counts"]["viatrajectoire"] == 1
    assert data["total"] == 3


def test_tally_reads_while_the_app_holds_the_store(cfg_path, fake_time):
    store = tap(cfg_path, fake_time, "imprimante_scan")
    try:
        proc = kiosk("tally", "--day", "2026-11-26", "--config", str(cfg_path))
        assert proc.returncode == 0, proc.stderr
        assert "Permanence de Crolles" in proc.stdout
        assert "Imprimer, scanner" in proc.stdout and "Total" in proc.stdout
        store.record("imprimante_scan")
        proc = kiosk("tally", "--day", "2026-11-26", "--json", env={"KIOSK_CONFIG": str(cfg_path)})
        assert json.loads(proc.stdout)["counts"]["imprimante_scan"] == 2
    finally:
        store.close()


def test_python_dash_m_kiosk_is_the_same(cfg_path):
    proc = subprocess.run([sys.executable, "-m", "kiosk", "tally", "--json", "--config",
                           str(cfg_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] == 0


@pytest.mark.parametrize("text, needle", [
    (None, "not found"),
    ("[kiosk\n", "not valid TOML"),
    (CONFIG.replace("hidden_press_s = 3.0", "hidden_press = 3.0"), "mediator.hidden_press"),
    (CONFIG.replace('url = ""', 'url = "ftp://x"'), "coordinator.url"),
    (CONFIG.replace('data_dir = "data"  # next to this file', ""), "kiosk.data_dir"),
])
@pytest.mark.parametrize("command", [["tally"], ["export", "--quarter", "2026-Q4"],
                                     ["sync"], ["set-pin"], ["run"], []])
def test_bad_config_is_one_line_exit_2(tmp_path, text, needle, command):
    path = tmp_path / "config.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    proc = kiosk(*command, "--config", str(path), stdin="123456\n123456\n")
    assert needle in one_line_error(proc)


@pytest.mark.parametrize("args, needle", [
    (["tally", "--day", "26/11/2026"], "not a day like"),
    (["export"], "--quarter"),
    (["export", "--quarter", "2026-Q9"], "not a quarter"),
    (["frobnicate"], "invalid choice"),
    (["tally", "--bogus"], "unrecognized arguments"),
])
def test_bad_arguments_are_one_line_exit_2(cfg_path, args, needle):
    proc = kiosk(*args, "--config", str(cfg_path))
    assert needle in one_line_error(proc)


def test_export_writes_a_csv_for_french_excel(cfg_path, fake_time, tmp_path):
    tap(cfg_path, fake_time, "service_public", "securite_numerique").close()
    out = tmp_path / "usb" / "q4.csv"
    out.parent.mkdir()
    proc = kiosk("export", "--quarter", "2026-Q4", "--out", str(out), "--config", str(cfg_path))
    assert proc.returncode == 0, proc.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][:2] == ["Trimestre", "Jour"]
    assert rows[-1][1] == "Total" and rows[-1][5] == "2"
    # A folder as --out gets a file named after the quarter.
    proc = kiosk("export", "--quarter", "2026-Q4", "--out", str(out.parent), "--config",
                 str(cfg_path))
    assert proc.returncode == 0 and (out.parent / "permanence-2026-Q4.csv").exists()


def test_set_pin_writes_a_hash_and_keeps_every_other_line(cfg_path):
    proc = kiosk("set-pin", "--config", str(cfg_path), stdin="482193\n482193\n")
    assert proc.returncode == 0, proc.stderr
    text = cfg_path.read_text(encoding="utf-8")
    pin_hash = config.load(cfg_path).mediator.pin_hash
    assert verify_pin("482193", pin_hash) and not verify_pin("482194", pin_hash)
    assert "482193" not in text
    before, after = CONFIG.splitlines(), text.splitlines()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [('pin_hash = ""', f'pin_hash = "{pin_hash}"')]


def test_set_pin_adds_the_section_when_missing(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[kiosk]\ndata_dir = "d"\n[coordinator]\nurl = ""\ntoken_file = ""\n')
    proc = kiosk("set-pin", "--config", str(path), stdin="12345678\n12345678\n")
    assert proc.returncode == 0, proc.stderr
    assert verify_pin("12345678", config.load(path).mediator.pin_hash)


@pytest.mark.parametrize("stdin, needle", [("482193\n482194\n", "differ"),
                                           ("12ab56\n12ab56\n", "6 to 12 digits"),
                                           ("4821\n4821\n", "6 to 12 digits"),
                                           ("48219\n48219\n", "6 to 12 digits"),
                                           ("1234567890123\n1234567890123\n",
                                            "6 to 12 digits"),
                                           ("٤٨٢١٩٣\n٤٨٢١٩٣\n", "6 to 12 digits"),
                                           ("482193\n", "twice")])
def test_set_pin_refuses_and_changes_nothing(cfg_path, stdin, needle):
    proc = kiosk("set-pin", "--config", str(cfg_path), stdin=stdin)
    assert needle in one_line_error(proc)
    assert cfg_path.read_text(encoding="utf-8") == CONFIG


def test_sync_without_coordinator_says_why(cfg_path):
    proc = kiosk("sync", "--config", str(cfg_path))
    assert "coordinator.url is empty" in one_line_error(proc, code=1)


def test_sync_to_an_unreachable_coordinator_fails_in_one_line(cfg_path, fake_time, tmp_path):
    token = tmp_path / "token"
    token.write_text("t" * 43)
    token.chmod(0o600)
    text = CONFIG.replace('url = ""', 'url = "http://127.0.0.1:9"').replace(
        'token_file = ""', f'token_file = "{token}"')
    cfg_path.write_text(text, encoding="utf-8")
    store = tap(cfg_path, fake_time, "autre")
    try:  # the app holds the store: sync reads it without the lock
        proc = kiosk("sync", "--config", str(cfg_path))
        assert proc.returncode != 0
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
        # Said from the catalogue of the config's first language (French here).
        assert "Le serveur de coordination est injoignable" in proc.stderr
        assert len(store.unsynced()) == 1
    finally:
        store.close()


def test_a_second_app_on_the_same_store_says_why(cfg_path, fake_time):
    """The app holds the store's lock: a second `kiosk run` stops with one line, no window."""
    store = tap(cfg_path, fake_time, "autre")
    try:
        proc = kiosk("run", "--config", str(cfg_path))
        # Kivy logs its start-up lines first; the refusal is one line, last, no traceback.
        assert proc.returncode != 0 and "Traceback" not in proc.stderr
        last = proc.stderr.strip().splitlines()[-1].strip()
        assert last.startswith("kiosk run: the store in") and "in use by another" in last
    finally:
        store.close()
