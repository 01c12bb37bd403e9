"""deploy/pi/readonly-root.sh with --root: the fstab block for the data partition, the saved
clock on it, the overlay word on the kernel command line, each step idempotent."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from deploy_helpers import DEPLOY

SCRIPT = DEPLOY / "pi/readonly-root.sh"
FSTAB = "proc /proc proc defaults 0 0\nPARTUUID=4e639091-02 / ext4 defaults,noatime 0 1\n"
CMDLINE = "console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait\n"


def run(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["bash", str(SCRIPT), *args, "--root", str(root)],
                            capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def snapshot(root: Path) -> dict[str, tuple]:
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        body = os.readlink(p) if p.is_symlink() else (p.read_bytes() if p.is_file() else b"")
        out[str(p.relative_to(root))] = (body, st.st_mode, st.st_mtime_ns)
    return out


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "boot/firmware").mkdir(parents=True)
    (tmp_path / "boot/firmware/cmdline.txt").write_text(CMDLINE)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/fstab").write_text(FSTAB)
    return tmp_path


def fstab_entries(root: Path) -> dict[str, list[str]]:
    entries = {}
    for line in (root / "etc/fstab").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            fields = line.split()
            entries[fields[1]] = fields
    return entries


def test_enable_refuses_without_a_data_partition(tree):
    result = run(tree, "enable", check=False)
    assert result.returncode != 0 and "no data partition yet" in result.stderr
    assert (tree / "boot/firmware/cmdline.txt").read_text() == CMDLINE


def test_data_partition_mounted_noatime_with_counts_and_clock_on_it(tree):
    run(tree, "data", "/dev/mmcblk0p3")
    entries = fstab_entries(tree)
    assert entries["/"][0] == "PARTUUID=4e639091-02"  # the existing lines are kept
    data = entries["/data"]
    assert data[0] == "LABEL=PKDATA" and data[2] == "ext4" and "noatime" in data[3].split(",")
    assert data[5] == "2"  # checked by fsck at every boot: power cuts happen daily
    assert entries["/var/lib/permanence-kiosk"][:3] == ["/data/permanence-kiosk", "/var/lib/permanence-kiosk", "none"]
    assert entries["/var/lib/systemd/timesync"][0] == "/data/timesync"
    assert os.readlink(tree / "etc/fake-hwclock.data") == "/data/fake-hwclock.data"
    dropin = (tree / "etc/systemd/system/fake-hwclock.service.d/data-partition.conf").read_text()
    assert "RequiresMountsFor=/data" in dropin
    assert (tree / "etc/systemd/system/permanence-kiosk-clock-save.timer").read_text() == \
        (DEPLOY / "systemd/permanence-kiosk-clock-save.timer").read_text()


def test_every_step_is_idempotent(tree):
    run(tree, "data", "/dev/mmcblk0p3")
    run(tree, "enable")
    before = snapshot(tree)
    assert "nothing changed" in run(tree, "data", "/dev/mmcblk0p3").stdout
    assert "nothing changed" in run(tree, "enable").stdout
    assert snapshot(tree) == before
    assert (tree / "etc/fstab").read_text().count("LABEL=PKDATA") == 1


def test_enable_keeps_data_writable_and_disable_undoes_it(tree):
    run(tree, "data", "/dev/mmcblk0p3")
    result = run(tree, "enable")
    words = (tree / "boot/firmware/cmdline.txt").read_text().split()
    # recurse=0: Bookworm's overlayroot would otherwise put /data in RAM as well.
    assert words[0] == "overlayroot=tmpfs:recurse=0"
    assert words[1:] == CMDLINE.split()
    assert "would run: raspi-config nonint enable_overlayfs" in result.stdout
    assert "reboot" in result.stdout
    run(tree, "disable")
    assert (tree / "boot/firmware/cmdline.txt").read_text() == CMDLINE


def test_raspi_configs_plain_overlay_word_is_replaced(tree):
    (tree / "boot/firmware/cmdline.txt").write_text("overlayroot=tmpfs " + CMDLINE)
    run(tree, "data", "/dev/mmcblk0p3")
    run(tree, "enable")
    words = (tree / "boot/firmware/cmdline.txt").read_text().split()
    assert [w for w in words if w.startswith("overlayroot")] == ["overlayroot=tmpfs:recurse=0"]


@pytest.mark.parametrize("args, message", [
    ([], "say what to do"), (["data"], "give the partition"),
    (["reboot-now"], "unknown argument"), (["enable", "disable"], "one command at a time"),
])
def test_bad_arguments_give_one_clear_line(tree, args, message):
    result = run(tree, *args, check=False)
    assert result.returncode != 0 and message in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("args, message", [
    ([], "give the card's device"), (["/dev/null"], "not a block device"),
    (["/dev/sdz", "--data-size-mib", "12"], "at least 256"), (["--wipe"], "unknown argument"),
])
def test_prepare_card_refuses_bad_arguments_before_touching_anything(args, message):
    result = subprocess.run(["bash", str(DEPLOY / "pi/prepare-card.sh"), *args],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and message in result.stderr
    assert result.stderr.count("\n") == 1
