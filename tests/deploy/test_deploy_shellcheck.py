"""Every shell script under deploy/ and scripts/, and .ci/run, passes shellcheck (warnings
and style notes included)."""

from __future__ import annotations

import subprocess

import pytest
from deploy_helpers import DEPLOY, REPO, require_tool


def shell_scripts():
    found = []
    candidates = [*DEPLOY.rglob("*"), *(REPO / "scripts").rglob("*"), REPO / ".ci/run"]
    for path in sorted(candidates):
        if not path.is_file():
            continue
        with open(path, "rb") as f:
            first = f.readline()
        if path.suffix == ".sh" or (first.startswith(b"#!") and b"sh" in first):
            found.append(path)
    return found


def test_the_scripts_are_found():
    names = {p.name for p in shell_scripts()}
    assert {"install-pi.sh", "backup.sh", "emulate.sh", "chroot-lib.sh", "lock", "setup.sh",
            "run"} <= names


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(REPO)))
def test_shellcheck_clean(script):
    shellcheck = require_tool("shellcheck", "shellcheck")
    result = subprocess.run([shellcheck, "--severity=style", "--external-sources", str(script)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(REPO)))
def test_scripts_are_executable(script):
    if not script.read_bytes().startswith(b"#!"):
        pytest.skip("a library sourced by other scripts (no #! line)")
    assert script.stat().st_mode & 0o111, f"{script} is not executable (chmod +x)"


def test_shellcheck_does_catch_a_bad_script(tmp_path):
    shellcheck = require_tool("shellcheck", "shellcheck")
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/bash\nrm -rf $1/*\n")
    assert subprocess.run([shellcheck, str(bad)], capture_output=True).returncode != 0
