"""The environment the tests run in (built from the lock files) honours pyproject.toml's
version floors, which sit past published security advisories (docs/security.md): a lock
that pins an older, vulnerable release fails here instead of shipping."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in ("coordinator", "test"):
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize("req", requirements(), ids=lambda r: r.name)
def test_installed_version_meets_the_floor(req):
    try:
        installed = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        pytest.fail(f"{req.name} is not installed: scripts/setup.sh test installs it")
    assert req.specifier.contains(installed, prereleases=True), \
        f"{req.name} {installed} does not satisfy {req.specifier} (see docs/security.md)"


def test_docs_security_names_the_floors_of_pyproject():
    """Each row of docs/security.md's dependency table gives the floor pyproject.toml has."""
    text = (ROOT / "docs" / "security.md").read_text("utf-8")
    table = text.split("### Dependencies", 1)[1].split("\n\n", 2)[1]
    floors = {r.name.lower(): r.specifier for r in requirements()}
    rows = [line.split("|")[1:3] for line in table.splitlines()[2:] if line.startswith("|")]
    assert len(rows) >= 6
    for names, versions in rows:
        for name, version in zip(names.split("/"), versions.split("/"), strict=True):
            name, version = name.split("(")[0].strip(), version.strip()
            assert f">={version}" in {str(s) for s in floors[name]}, (name, floors[name])
