"""docs/store.md's allowlist table is the code's `ALLOWED_KEYS`, key for key."""

import re
from pathlib import Path

from kiosk.store import ALLOWED_KEYS, ARCHIVE_TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "store.md"
CODE = re.compile(r"^`([a-z_]+)`$")


def documented_allowlist(text: str) -> dict[str, set[str]]:
    """The rows of the table under "### The allowlist": a blank table cell repeats the
    table of the row above."""
    section = text.split("### The allowlist", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header[:3] == ["table", "doc id", "key"], header
    allowlist: dict[str, set[str]] = {}
    table = None
    for row in rows[2:]:  # after the header and its --- line
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if cells[0]:
            table = CODE.match(cells[0]).group(1)
        key = CODE.match(cells[2])
        assert table and key, f"docs/store.md: cannot read the row {row!r}"
        allowlist.setdefault(table, set()).add(key.group(1))
    return allowlist


def test_the_documented_allowlist_is_the_code_s():
    text = DOC.read_text("utf-8")
    assert documented_allowlist(text) == {t: set(keys) for t, keys in ALLOWED_KEYS.items()}
    assert f"`archive.json` holds {' and '.join(f'`{t}`' for t in ARCHIVE_TABLES)} only" in text


def test_the_check_reads_a_drifted_table_as_different():
    text = DOC.read_text("utf-8").replace("| `clock` | | `vouched_offset` |",
                                          "| `clock` | | `vouched_days` |")
    assert documented_allowlist(text)["clock"] != set(ALLOWED_KEYS["clock"])
