"""deploy/install-pi.sh run for real with --root --files-only into a temporary tree (as root:
it chowns). apt, useradd, venv and systemctl are only printed there; every file is written, with
its owner and mode, and a second run must leave the tree exactly as it was.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from deploy_helpers import DEPLOY, require_tool

from kiosk.config import load

INSTALLER = DEPLOY / "install-pi.sh"
USER = "nobody"  # an account every Debian has; the real install creates `kiosk`
GROUP = grp.getgrgid(pwd.getpwnam(USER).pw_gid).gr_name
CMDLINE = "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 rootwait\n"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the installer chowns files: run as root")


def run(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["bash", str(INSTALLER), "--root", str(root), "--files-only", "--user", USER, *args],
        capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def manifest(root: Path) -> dict[str, tuple]:
    """Every path with its type, mode, owner, content digest, inode and mtime."""
    entries = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            what = ("link", os.readlink(path))
        elif stat.S_ISDIR(st.st_mode):
            what = ("dir",)
        else:
            what = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
        entries[str(path.relative_to(root))] = (
            *what, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_ino, st.st_mtime_ns)
    return entries


def owner_mode(path: Path) -> tuple[str, str, int]:
    st = path.stat()
    return pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name, stat.S_IMODE(st.st_mode)


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "pi"
    (root / "boot/firmware").mkdir(parents=True)
    (root / "boot/firmware/cmdline.txt").write_text(CMDLINE)
    return root


EXPECTED = {
    "etc/permanence-kiosk": ("root", GROUP, 0o750),
    "etc/permanence-kiosk/config.toml": ("root", GROUP, 0o640),
    "etc/permanence-kiosk/token": (USER, GROUP, 0o600),
    "var/lib/permanence-kiosk": (USER, GROUP, 0o750),
    "opt/permanence-kiosk": ("root", "root", 0o755),
    "opt/permanence-kiosk/README.md": ("root", "root", 0o644),
    "etc/systemd/system/permanence-kiosk.service": ("root", "root", 0o644),
    "etc/systemd/system/permanence-kiosk.service.d/display.conf": ("root", "root", 0o644),
    "etc/sysctl.d/90-permanence-kiosk.conf": ("root", "root", 0o644),
    "etc/systemd/journald.conf.d/90-permanence-kiosk.conf": ("root", "root", 0o644),
    "etc/systemd/logind.conf.d/90-permanence-kiosk.conf": ("root", "root", 0o644),
}


def test_first_run_writes_every_file_with_owner_and_mode(tree):
    result = run(tree)
    for rel, expected in EXPECTED.items():
        assert (tree / rel).exists(), f"{rel} missing; output:\n{result.stdout}"
        assert owner_mode(tree / rel) == expected, rel
    unit = (tree / "etc/systemd/system/permanence-kiosk.service").read_text()
    assert unit == (DEPLOY / "systemd/permanence-kiosk.service").read_text()
    config = tree / "etc/permanence-kiosk/config.toml"
    assert config.read_text() == (DEPLOY / "config.example.toml").read_text()
    assert load(config).kiosk.data_dir == Path("/var/lib/permanence-kiosk")
    assert (tree / "etc/permanence-kiosk/token").read_text() == ""
    assert "kernel.sysrq = 0" in (tree / "etc/sysctl.d/90-permanence-kiosk.conf").read_text()
    words = (tree / "boot/firmware/cmdline.txt").read_text().split()
    assert words[: len(CMDLINE.split())] == CMDLINE.split()
    assert {"consoleblank=0", "vt.global_cursor_default=0"} <= set(words)
    # What --root cannot do is said, not done.
    for line in ("would run: apt-get install", "libmtdev1", "would run: systemctl enable permanence-kiosk.service",
                 "would run: systemctl mask getty@tty1.service ctrl-alt-del.target",
                 "no coordinator extras"):
        assert line in result.stdout, line


def test_second_run_changes_nothing(tree):
    run(tree)
    before = manifest(tree)
    second = run(tree)
    assert manifest(tree) == before
    assert "nothing changed" in second.stdout


def test_administrator_edits_are_kept_and_modes_repaired(tree):
    run(tree)
    config = tree / "etc/permanence-kiosk/config.toml"
    config.write_text('[kiosk]\ndata_dir = "/var/lib/permanence-kiosk"\n[coordinator]\n'
                      'url = ""\ntoken_file = ""\n')
    config.chmod(0o644)
    run(tree)
    assert config.read_text().startswith("[kiosk]\ndata_dir")
    assert owner_mode(config) == ("root", GROUP, 0o640)


def test_token_and_config_given_on_the_command_line(tree, tmp_path):
    token = tmp_path / "token"
    token.write_text("Zk3q9Jm1b7Vx2Lr8Tn4Wc6Ys0Pd5Hf\n")
    config = tmp_path / "crolles.toml"
    config.write_text('[kiosk]\ndata_dir = "/var/lib/permanence-kiosk"\n[coordinator]\n'
                      'url = "https://stats.example.org"\ntoken_file = "/etc/permanence-kiosk/token"\n')
    run(tree, "--token", str(token), "--config", str(config))
    assert (tree / "etc/permanence-kiosk/token").read_text() == token.read_text()
    assert owner_mode(tree / "etc/permanence-kiosk/token") == (USER, GROUP, 0o600)
    assert (tree / "etc/permanence-kiosk/config.toml").read_text() == config.read_text()


@pytest.mark.parametrize("content", ["", "short\n", "Zk3q9Jm1b7Vx2Lr8Tn4Wc6\nsecond line\n"])
def test_a_bad_token_file_is_refused_and_nothing_changes(tree, tmp_path, content):
    run(tree)
    before = manifest(tree)
    token = tmp_path / "token"
    token.write_text(content)
    result = run(tree, "--token", str(token), check=False)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "token" in result.stderr
    assert manifest(tree) == before


def test_touch_display_2_turns_the_picture(tree):
    run(tree, "--display", "720x1280")
    dropin = (tree / "etc/systemd/system/permanence-kiosk.service.d/display.conf").read_text()
    assert "Environment=KCFG_GRAPHICS_ROTATION=90" in dropin
    run(tree, "--display", "720x1280", "--rotation", "270")
    dropin = (tree / "etc/systemd/system/permanence-kiosk.service.d/display.conf").read_text()
    assert "Environment=KCFG_GRAPHICS_ROTATION=270" in dropin


@pytest.mark.parametrize("args", [["--rotation", "45"], ["--display", "1024x600"], ["--bogus"],
                                  ["--package", "/nonexistent.whl"], ["--config", "/nonexistent"]])
def test_bad_arguments_give_one_clear_line(tree, args):
    result = run(tree, *args, check=False)
    assert result.returncode != 0
    assert result.stderr.startswith("install-pi: error: ") and result.stderr.count("\n") == 1
    assert not (tree / "etc").exists()


def test_dry_run_writes_nothing(tree):
    before = manifest(tree)
    result = run(tree, "--dry-run")
    assert manifest(tree) == before
    assert "would write /etc/permanence-kiosk/config.toml" in result.stdout


def test_rollback_swaps_current_and_previous(tree):
    releases = tree / "opt/permanence-kiosk/releases"
    for name in ("0.1.0-aaaaaaaaaaaa", "0.2.0-bbbbbbbbbbbb"):
        (releases / name / "bin").mkdir(parents=True)
        (releases / name / ".complete").touch()
    (tree / "opt/permanence-kiosk/current").symlink_to("/opt/permanence-kiosk/releases/0.2.0-bbbbbbbbbbbb")
    (tree / "opt/permanence-kiosk/previous").symlink_to("/opt/permanence-kiosk/releases/0.1.0-aaaaaaaaaaaa")
    result = run(tree, "--rollback")
    assert os.readlink(tree / "opt/permanence-kiosk/current").endswith("0.1.0-aaaaaaaaaaaa")
    assert os.readlink(tree / "opt/permanence-kiosk/previous").endswith("0.2.0-bbbbbbbbbbbb")
    assert "would run: systemctl restart permanence-kiosk.service" in result.stdout


def test_rollback_without_a_previous_release_fails_clearly(tree):
    result = run(tree, "--rollback", check=False)
    assert result.returncode != 0 and "no previous release" in result.stderr


def test_installed_unit_and_its_display_dropin_pass_systemd_analyze_verify(tree):
    tool = require_tool("systemd-analyze", "systemd")
    run(tree, "--display", "720x1280")
    shutil.copytree("/usr/lib/systemd/system", tree / "usr/lib/systemd/system", symlinks=True)
    program = tree / "opt/permanence-kiosk/current/bin/kiosk"  # the release pip would build
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    result = subprocess.run([tool, "verify", "--man=no", f"--root={tree}", "permanence-kiosk.service"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    # verify reads the drop-ins too: a bad key there is reported.
    (tree / "etc/systemd/system/permanence-kiosk.service.d/zz-typo.conf").write_text("[Service]\nRestartSecs=1\n")
    result = subprocess.run([tool, "verify", "--man=no", f"--root={tree}", "permanence-kiosk.service"],
                            capture_output=True, text=True, timeout=60)
    assert "RestartSecs" in result.stderr


def test_dry_run_on_this_machine_changes_nothing():
    """Without --root the real paths are checked (dpkg, the kiosk user), yet nothing is written."""
    paths = [Path(p) for p in ("/etc/permanence-kiosk", "/opt/permanence-kiosk",
                               "/var/lib/permanence-kiosk", "/etc/systemd/system/permanence-kiosk.service")]
    before = {p: p.exists() for p in paths}
    result = subprocess.run(["bash", str(INSTALLER), "--dry-run"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert {p: p.exists() for p in paths} == before
    assert "would run: systemctl enable permanence-kiosk.service" in result.stdout
    assert result.stdout.rstrip().endswith(("nothing changed", "run again without --dry-run to make them"))


def test_root_mode_refuses_a_tree_that_is_not_a_system_root(tree):
    """Without --files-only, --root runs the installer inside DIR: a bare tree has no
    system to run it in, which is said in one line, and nothing is written."""
    before = manifest(tree)
    result = subprocess.run(["bash", str(INSTALLER), "--root", str(tree), "--user", USER],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.startswith("install-pi: error: ") and result.stderr.count("\n") == 1
    assert "not a Debian/Raspberry Pi OS root" in result.stderr and "--files-only" in result.stderr
    assert manifest(tree) == before


def test_not_booted_enables_without_starting_or_applying_kernel_settings(tree):
    result = run(tree, "--not-booted")
    assert "would run: systemctl enable permanence-kiosk.service" in result.stdout
    assert "would run: systemctl enable systemd-timesyncd.service fake-hwclock.service" in result.stdout
    assert "--now" not in result.stdout and "sysctl --system" not in result.stdout
    assert "restart" not in result.stdout
    assert "the sysctl settings apply at the next boot" in result.stdout


def test_the_installer_installs_what_it_calls():
    """sysctl comes from procps, which a minimal Debian root lacks."""
    text = INSTALLER.read_text()
    packages = text.split("APT_PACKAGES=(", 1)[1].split(")", 1)[0].split()
    assert "procps" in packages and "sysctl" in text
    assert "groupadd --system" in text  # render and input are created when missing
