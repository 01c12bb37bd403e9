"""Shared helpers for the deployment tests: paths and the system tools they need."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def require_tool(name: str, package: str) -> str:
    """The tool's path; a missing tool fails the test loudly instead of skipping it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: apt-get install {package} (scripts/setup.sh test does)")
    return path


