"""A crafted USB stick (or anyone who can write the folder) cannot redirect an atomic write
onto another file with a symlink: temp files get unpredictable names and are created with
O_EXCL|O_NOFOLLOW, and the final rename replaces a link instead of following it."""

import json
import os

from core_helpers import DAY

from kiosk import storage
from kiosk.export import HEADER, write_quarter_csv
from kiosk.pin import PinThrottle

THROTTLE = {"failures": 5, "not_before": 1800000000}


def victim_throttle(data_dir):
    """The file an attacker wants to overwrite: the PIN throttle, 5 failures recorded."""
    data_dir.mkdir(parents=True, exist_ok=True)
    victim = data_dir / "pin_throttle.json"
    victim.write_text(json.dumps(THROTTLE), encoding="utf-8")
    return victim


def test_a_link_at_the_old_predictable_temp_name_is_not_followed(store, data_dir, tmp_path):
    victim = victim_throttle(data_dir)
    stick = tmp_path / "stick"
    stick.mkdir()
    target = stick / "permanence-2026-Q4.csv"
    planted = stick / f".{target.name}.{os.getpid()}.tmp"
    planted.symlink_to(victim)
    store.record("autre")
    write_quarter_csv(store, "2026-Q4", target)
    assert json.loads(victim.read_text("utf-8")) == THROTTLE
    assert PinThrottle(data_dir).failures == 5
    assert target.is_file() and not target.is_symlink()
    assert target.read_text("utf-8-sig").startswith(";".join(HEADER))
    assert planted.is_symlink()  # left alone, never written through


def test_a_link_at_the_export_target_is_replaced_not_followed(store, data_dir, tmp_path):
    victim = victim_throttle(data_dir)
    stick = tmp_path / "stick"
    stick.mkdir()
    target = stick / "permanence-2026-Q4.csv"
    target.symlink_to(victim)
    write_quarter_csv(store, "2026-Q4", target)
    assert json.loads(victim.read_text("utf-8")) == THROTTLE
    assert not target.is_symlink()
    assert target.read_text("utf-8-sig").startswith(";".join(HEADER))
    assert target.stat().st_ino != victim.stat().st_ino


def test_the_store_does_not_write_through_a_link_at_its_temp_name(store, data_dir):
    victim = victim_throttle(data_dir)
    store.record("autre")  # the store is open: its stale-temp cleanup has run
    (data_dir / f".current.json.{os.getpid()}.tmp").symlink_to(victim)
    store.record("autre")
    assert json.loads(victim.read_text("utf-8")) == THROTTLE
    assert store.counts(DAY)["autre"] == 2


def test_temp_files_are_exclusive_nofollow_and_unpredictable(tmp_path, monkeypatch):
    opened = []
    real_open = os.open

    def spy(path, flags, *args):
        opened.append((os.path.basename(path), flags))
        return real_open(path, flags, *args)

    monkeypatch.setattr(storage.os, "open", spy)
    storage.write_atomic(tmp_path / "a.json", b"1")
    storage.write_atomic(tmp_path / "a.json", b"2")
    monkeypatch.undo()
    temps = [(name, flags) for name, flags in opened if name.endswith(".tmp")]
    assert len(temps) == 2 and temps[0][0] != temps[1][0]
    for name, flags in temps:
        assert name.startswith(".a.json.") and str(os.getpid()) not in name
        assert flags & os.O_EXCL and flags & os.O_NOFOLLOW and flags & os.O_CREAT
        assert not flags & os.O_TRUNC
    assert (tmp_path / "a.json").read_bytes() == b"2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]
