"""Dashboard routes (being written): for now the dashboard attaches nothing."""

from __future__ import annotations


def install(app, *, secret_key: str | None = None) -> None:
    return None
