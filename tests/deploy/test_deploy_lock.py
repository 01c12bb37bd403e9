"""requirements/: the committed locks cover every dependency pyproject.toml names (within
its ranges, each pin with hashes), are fresh (scripts/lock --check), and a lock older than
pyproject.toml is caught with one line."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest
from deploy_helpers import REPO
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
LOCKS = {"kiosk": [], "coordinator": ["coordinator"], "test": ["coordinator", "test"]}


def pins(name: str) -> dict[str, tuple[str, int]]:
    """package -> (version, number of hashes) of requirements/<name>.txt."""
    text = (REPO / "requirements" / f"{name}.txt").read_text()
    found = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = re.match(r"([A-Za-z0-9._-]+)(\[[^]]*\])?==([^ \\;\n]+)", block)
        if head:
            found[canonicalize_name(head[1])] = (head[3], block.count("--hash=sha256:"))
    return found


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_dependency_is_pinned_within_its_range_with_hashes(lock):
    locked = pins(lock)
    wanted = [*PROJECT["dependencies"]]
    for extra in LOCKS[lock]:
        wanted += PROJECT["optional-dependencies"][extra]
    assert wanted
    for line in wanted:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is not in requirements/{lock}.txt: run scripts/lock"
        version, _ = locked[name]
        assert req.specifier.contains(version, prereleases=True), f"{name}=={version} is outside {req}"
    for name, (version, hashes) in locked.items():
        assert hashes >= 1, f"{name}=={version} has no hash"


def test_the_kiosk_lock_holds_no_server_or_test_package():
    kiosk = pins("kiosk")
    for line in PROJECT["optional-dependencies"]["coordinator"] + PROJECT["optional-dependencies"]["test"]:
        name = canonicalize_name(Requirement(line).name)
        if name not in {canonicalize_name(Requirement(d).name) for d in PROJECT["dependencies"]}:
            assert name not in kiosk, f"{name} would be installed on every Pi"


def lock_check(tree) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(tree / "scripts/lock"), "--check"], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def copy(tmp_path):
    """The lock script, pyproject.toml and requirements/ in a scratch tree."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts/lock", tmp_path / "scripts/lock")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(REPO / "requirements", tmp_path / "requirements")
    return tmp_path


def test_the_committed_locks_are_fresh(copy):
    result = lock_check(copy)
    assert result.returncode == 0, result.stderr


def test_a_dependency_added_to_pyproject_makes_the_lock_stale(copy):
    pyproject = copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pillow>=10",', '"pillow>=10",\n    "rich>=13",', 1))
    result = lock_check(copy)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "run scripts/lock" in result.stderr


def test_a_changed_range_makes_the_lock_stale_but_not_a_description_edit(copy):
    pyproject = copy / "pyproject.toml"
    original = pyproject.read_text()
    pyproject.write_text(original.replace('description = "', 'description = "New: ', 1))
    assert lock_check(copy).returncode == 0
    pyproject.write_text(original.replace('"fastapi>=0.110"', '"fastapi>=0.111"', 1))
    assert lock_check(copy).returncode == 1


def test_setup_stops_on_a_stale_lock_before_installing_anything(copy):
    shutil.copy(REPO / "scripts/setup.sh", copy / "scripts/setup.sh")
    pyproject = copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pillow>=10",', '"pillow>=11",', 1))
    (copy / ".venv/bin").mkdir(parents=True)
    (copy / ".venv/bin/python").symlink_to(shutil.which("python3"))
    result = subprocess.run(["bash", str(copy / "scripts/setup.sh"), "kiosk"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("lock: requirements/") and result.stderr.count("\n") == 1
    assert not list((copy / ".venv").glob(".installed-*"))
