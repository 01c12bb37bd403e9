"""The qualitative report (issue 12 point 5): per quarter and per commune, three short notes
(what went well, difficulties, needs) written by the coordinator, or by a commune's own
account for its commune; shown beside the figures of the annual report.

Plain text only, length-limited, escaped by the templates. `notes_for_year` is the data
the annual page (and the PDF made from the same figures) reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.engine import Engine

from sync.coordinator.manual import check_commune
from sync.coordinator.schema import quarter_notes

MAX_CHARS = 1000
FIELDS = {  # column -> the form's French label
    "went_well": "Ce qui a bien marché",
    "difficulties": "Les difficultés",
    "needs": "Les besoins",
}


class NoteError(ValueError):
    """A refused note; the message is one plain French sentence."""


@dataclass(frozen=True)
class QuarterNote:
    commune: str
    quarter: str  # "2026-Q3"
    went_well: str
    difficulties: str
    needs: str
    updated_at: dt.datetime
    updated_by: str

    def items(self) -> list[tuple[str, str]]:
        """(label, text) of the fields that hold something, in the report's order."""
        return [(label, getattr(self, name)) for name, label in FIELDS.items()
                if getattr(self, name)]


def clean_text(text: str, label: str) -> str:
    """Plain text: line breaks kept (at most two in a row), other control characters
    refused, at most MAX_CHARS characters."""
    lines = [" ".join(line.split()) for line in (text or "").replace("\r\n", "\n").split("\n")]
    clean = "\n".join(lines).strip()
    while "\n\n\n" in clean:
        clean = clean.replace("\n\n\n", "\n\n")
    if any((ord(ch) < 32 and ch != "\n") or 127 <= ord(ch) < 160 for ch in clean):
        raise NoteError(f"« {label} » contient un caractère invisible : retirez-le.")
    if len(clean) > MAX_CHARS:
        raise NoteError(f"« {label} » est trop long : {MAX_CHARS} caractères au plus "
                        f"(il en a {len(clean)}).")
    return clean


def checked_fields(form: dict[str, str]) -> dict[str, str]:
    return {name: clean_text(form.get(name, ""), label) for name, label in FIELDS.items()}


def _row(r) -> QuarterNote:
    return QuarterNote(r.commune, r.quarter, r.went_well, r.difficulties, r.needs,
                       r.updated_at, r.updated_by)


def get_note(engine: Engine, commune: str, quarter: str) -> QuarterNote | None:
    with engine.connect() as conn:
        row = conn.execute(select(quarter_notes).where(
            quarter_notes.c.commune == commune, quarter_notes.c.quarter == quarter)).first()
    return _row(row) if row else None


def save_note(engine: Engine, commune: str, quarter: str, fields: dict[str, str], by: str,
              now: dt.datetime) -> QuarterNote | None:
    """Store the quarter's notes for `commune` (checked fields); all empty removes them."""
    commune = check_commune(commune)
    key = (quarter_notes.c.commune == commune, quarter_notes.c.quarter == quarter)
    stamp = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    with engine.begin() as conn:
        if not any(fields.values()):
            conn.execute(delete(quarter_notes).where(*key))
            return None
        values = {**fields, "updated_at": stamp, "updated_by": by}
        if not conn.execute(update(quarter_notes).where(*key).values(**values)).rowcount:
            conn.execute(insert(quarter_notes).values(commune=commune, quarter=quarter, **values))
    return get_note(engine, commune, quarter)


def notes_for_quarter(engine: Engine, quarter: str) -> dict[str, QuarterNote]:
    with engine.connect() as conn:
        rows = conn.execute(select(quarter_notes).where(quarter_notes.c.quarter == quarter))
        return {r.commune: _row(r) for r in rows}


def notes_for_year(conn: Connection, year: int) -> dict[str, list[QuarterNote]]:
    """Commune -> its notes of `year`, quarter by quarter (communes in alphabetical order)."""
    rows = conn.execute(select(quarter_notes).where(
        quarter_notes.c.quarter.in_([f"{year}-Q{q}" for q in range(1, 5)]))
        .order_by(quarter_notes.c.commune, quarter_notes.c.quarter))
    result: dict[str, list[QuarterNote]] = {}
    for r in rows:
        result.setdefault(r.commune, []).append(_row(r))
    return result
