"""After the coordinator is restored from a backup it lacks days the kiosks hold as
acknowledged: `kiosk sync --all` (`sync_now(resend_all=True)`) sends them again.

Found by the soak simulation (tests/soak, issue 17): a plain sync sends only the days
whose revision is above the acknowledged one, so the restored coordinator stayed short.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import frozen_clock
from sync_helpers import ROOT, KioskSide


def _backup(db: Path) -> Path:
    copy = db.with_name("backup.db")
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    return copy


def _restore(coordinator, db: Path, backup: Path) -> None:
    coordinator.kill()
    coordinator.engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.replace(backup, db)
    coordinator.start()


def test_resend_all_fills_a_restored_coordinator(start_coordinator, sqlite_url, tmp_path):
    db = Path(sqlite_url.removeprefix("sqlite:///"))
    coordinator = start_coordinator(sqlite_url)
    kiosk = KioskSide(tmp_path / "kiosk", coordinator.url, coordinator.add_kiosk())
    try:
        backup = _backup(db)  # last night's copy: the kiosk is known, no counts yet
        kiosk.tap("service_public", 3)
        kiosk.tap("autre")
        assert kiosk.client.sync_now().ok
        assert coordinator.totals() == {"service_public": 3, "autre": 1}

        _restore(coordinator, db, backup)
        assert coordinator.totals() == {}
        plain = kiosk.client.sync_now()
        assert plain.ok and plain.sent == 0  # the gap: everything counts as acknowledged
        assert coordinator.totals() == {}

        again = kiosk.client.sync_now(resend_all=True)
        assert again.ok and again.sent == 1, again.message
        assert coordinator.totals() == kiosk.totals() == {"service_public": 3, "autre": 1}
        assert kiosk.client.sync_now(resend_all=True).ok  # twice changes nothing
        assert coordinator.totals() == {"service_public": 3, "autre": 1}
    finally:
        kiosk.close()


def test_kiosk_sync_all_on_the_command_line(start_coordinator, sqlite_url, tmp_path):
    db = Path(sqlite_url.removeprefix("sqlite:///"))
    coordinator = start_coordinator(sqlite_url)
    kiosk = KioskSide(tmp_path / "kiosk", coordinator.url, coordinator.add_kiosk())
    config = tmp_path / "config.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{kiosk.config.kiosk.data_dir}"\n'
                      f'synced_flag = "{tmp_path / "kiosk" / "synchronized"}"\n'
                      f'[coordinator]\nurl = "{coordinator.url}"\n'
                      f'token_file = "{kiosk.token_file}"\n', encoding="utf-8")
    backup = _backup(db)
    kiosk.tap("imprimante_scan", 2)
    kiosk.close()  # the app is stopped: the command line is the writer

    def sync(*extra) -> subprocess.CompletedProcess:
        return subprocess.run(frozen_clock.kiosk_command("sync", *extra, "--config", str(config)),
                              capture_output=True, text=True, cwd=ROOT, timeout=120,
                              env={**os.environ, **frozen_clock.child_env()})

    assert sync().returncode == 0
    _restore(coordinator, db, backup)
    assert sync().returncode == 0 and coordinator.totals() == {}
    resent = sync("--all")
    assert resent.returncode == 0, resent.stderr
    assert coordinator.totals() == {"imprimante_scan": 2}
