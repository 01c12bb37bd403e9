"""BUILD_DATE comes from the build: a wheel carries kiosk/build_date.txt (setup.py writes it,
from SOURCE_DATE_EPOCH when set) and kiosk.clock reads it; a source checkout falls back to
the committed date."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zipfile

from deploy_helpers import REPO

from kiosk import clock


def test_a_built_wheel_is_stamped_with_its_build_date_and_the_clock_reads_it(tmp_path):
    epoch = int(dt.datetime(2027, 3, 28, 1, 59, tzinfo=dt.UTC).timestamp())
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(REPO)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)})
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("permanence_kiosk-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("kiosk/build_date.txt").decode().strip() == "2027-03-28"
        archive.extractall(tmp_path / "site")
    # The unpacked wheel first on the path: kiosk.clock is the installed one, not the checkout's.
    read = subprocess.run(
        [sys.executable, "-c", "import kiosk.clock as c; print(c.__file__, c.BUILD_DATE)"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")})
    assert read.returncode == 0, read.stderr
    where, date = read.stdout.split()
    assert where.startswith(str(tmp_path / "site")) and date == "2027-03-28"


def test_a_source_checkout_uses_the_committed_date():
    assert not (REPO / "kiosk/build_date.txt").exists()
    assert clock.BUILD_DATE == clock._build_date(dt.date(2026, 11, 1)) == dt.date(2026, 11, 1)


def test_an_unreadable_stamp_falls_back_to_the_committed_date(tmp_path, monkeypatch):
    fake = tmp_path / "clock.py"
    (tmp_path / "build_date.txt").write_text("not a date\n")
    monkeypatch.setattr(clock, "__file__", str(fake))
    assert clock._build_date(dt.date(2026, 11, 1)) == dt.date(2026, 11, 1)
    (tmp_path / "build_date.txt").write_text("2026-12-24\n")
    assert clock._build_date(dt.date(2026, 11, 1)) == dt.date(2026, 12, 24)
