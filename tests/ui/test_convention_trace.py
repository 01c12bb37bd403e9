"""docs/convention-trace.md stays true: every clause a visitor needs has a row, and every
traced message is still said by its screen and translated in French and English."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "docs" / "convention-trace.md"
LOCALE = ROOT / "assets" / "locale"

#: The convention's clauses that concern a visitor (annex 3, its data notice, the articles
#: on the mandate, the commune's responsibility, minors and free help, annex 1's facts).
CLAUSES = {
    "A3.0", "Art.4.2-recommended", "Art.4.2-no-guarantee", "A3.1", "A3.2-necessary",
    "A3.2-other-use", "A3.2-delete", "A3.3-rights", "A3.3-clear", "A3.3-every-action",
    "A3.4-confidential", "A3.4-secure", "A3.5", "A3.6 / Art.4.2-commune", "Art.3.2-minors",
    "Art.3.2-no-personal-data", "N3-what", "N3-basis", "N3-duration", "N3-recipients",
    "N3-rights", "N3-contact", "N1-dpo", "Art.3.2-free", "A1.3-form", "A1.3-appointment",
    "A1.2", "A1.5",
}


def trace_rows() -> list[tuple[str, str, list[str]]]:
    """(clause, screen, [message ids]) for each row of the table."""
    rows = []
    for line in TRACE.read_text("utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("clause", "---"):
            continue
        rows.append((cells[0], cells[2], re.findall(r"`([^`]+)`", cells[3])))
    return rows


def extracted() -> dict[str, set[str]]:
    """Message id -> the source files that say it, as the catalogue tool extracts them."""
    sys.path.insert(0, str(LOCALE))
    try:
        from update import extract
    finally:
        sys.path.remove(str(LOCALE))
    found: dict[str, set[str]] = {}
    for message in extract():
        found.setdefault(message.id, set()).update(path for path, _ in message.locations)
    return found


def catalogue(lang: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with (LOCALE / lang / "LC_MESSAGES" / "kiosk.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and not m.context}


def test_every_visitor_clause_is_traced():
    rows = trace_rows()
    assert {clause for clause, _, _ in rows} == CLAUSES
    assert all(ids for _, _, ids in rows), "a row traces no message"


def test_every_traced_message_is_still_on_its_screen():
    found = extracted()
    missing = [(clause, text) for clause, screen, ids in trace_rows() for text in ids
               if f"screens/{screen}.py" not in found.get(text, set())]
    assert missing == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_traced_message_is_translated(lang):
    said = catalogue(lang)
    untranslated = [text for _, _, ids in trace_rows() for text in ids
                    if not said.get(text)]
    assert untranslated == []
    if lang == "en":
        assert all(said[text] != text for _, _, ids in trace_rows() for text in ids)
