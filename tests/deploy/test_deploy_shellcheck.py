"""Every shell script under deploy/ passes shellcheck (warnings and style notes included)."""

from __future__ import annotations

import subprocess

import pytest
from deploy_helpers import DEPLOY, require_tool


def shell_scripts():
    found = []
    for path in sorted(DEPLOY.rglob("*")):
        if not path.is_file():
            continue
        with open(path, "rb") as f:
            first = f.readline()
        if path.suffix == ".sh" or (first.startswith(b"#!") and b"sh" in first):
            found.append(path)
    return found


def test_the_scripts_are_found():
    names = {p.name for p in shell_scripts()}
    assert {"install-pi.sh", "backup.sh"} <= names


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_shellcheck_clean(script):
    shellcheck = require_tool("shellcheck", "shellcheck")
    result = subprocess.run([shellcheck, "--severity=style", "--external-sources", str(script)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_scripts_are_executable(script):
    assert script.stat().st_mode & 0o111, f"{script} is not executable (chmod +x)"


def test_shellcheck_does_catch_a_bad_script(tmp_path):
    shellcheck = require_tool("shellcheck", "shellcheck")
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/bash\nrm -rf $1/*\n")
    assert subprocess.run([shellcheck, str(bad)], capture_output=True).returncode != 0
