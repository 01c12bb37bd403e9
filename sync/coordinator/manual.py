"""Paper tallies: a commune's counts by category for a period, entered by the coordinator
when its kiosk was missing or broken (issue 11 point 4).

The rule, stated on the pages and in docs/coordinator.md: hand figures are NEVER added to a
kiosk's counts. Every report shows them apart, in their own rows marked "saisi à la main",
summed in their own line; the kiosks' totals stay the kiosks' counts. A report period
counts an entry only when the entry's whole period lies inside it (a quarter's tally is
not cut into months: nobody knows how its visits spread); the statistics page lists the
entries that straddle its period, uncounted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from kiosk import catalogue
from sync.coordinator.schema import manual_counts, manual_entries

if TYPE_CHECKING:  # reports reads this module: no import back at run time
    from sync.coordinator.reports import Period

MAX_COUNT = 99_999
MAX_NOTE = 200
MAX_COMMUNE = 120
MARK = "saisi à la main"
RULE = ("Les chiffres saisis à la main (relevé papier) ne sont jamais ajoutés aux chiffres "
        "des bornes : ils sont montrés à part, avec leur propre total. Une saisie compte dans "
        "une période seulement si toute sa période est dedans.")


def category_ids() -> tuple[str, ...]:
    return catalogue.load().ids


class ManualError(ValueError):
    """A refused entry; the message is one plain French sentence for the form."""


@dataclass(frozen=True)
class ManualEntry:
    id: int
    commune: str
    start: dt.date
    end: dt.date
    note: str
    counts: dict[str, int]
    entered_at: dt.datetime
    entered_by: str

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def label(self) -> str:
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"


@dataclass(frozen=True)
class Draft:
    """A checked entry, before it is stored."""

    commune: str
    start: dt.date
    end: dt.date
    counts: dict[str, int]
    note: str


def one_line(text: str, limit: int, what: str) -> str:
    """`text` stripped, on one line, at most `limit` characters; ManualError otherwise."""
    clean = " ".join((text or "").split())
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in clean):
        raise ManualError(f"{what} contient un caractère invisible : retirez-le.")
    if len(clean) > limit:
        raise ManualError(f"{what} est trop long : {limit} caractères au plus.")
    return clean


def check_commune(text: str) -> str:
    commune = one_line(text, MAX_COMMUNE, "Le nom de la commune")
    if not commune:
        raise ManualError("Écrivez le nom de la commune.")
    return commune


def parse_count(text: str, label: str) -> int:
    raw = (text or "").strip()
    if not raw:
        return 0
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_COUNT:
        raise ManualError(f"« {label} » : écrivez un nombre entier de 0 à {MAX_COUNT}.")
    return int(raw)


def check_draft(commune: str, period: Period, counts: dict[str, int], note: str,
                today: dt.date) -> Draft:
    """A Draft, or ManualError: the period is over or under way, one visit at least."""
    if period.start > today:
        raise ManualError("La période n'a pas encore commencé : on ne saisit que des jours passés.")
    unknown = set(counts) - set(category_ids())
    if unknown:
        raise ManualError("Une catégorie inconnue a été envoyée : rechargez la page.")
    if not any(counts.values()):
        raise ManualError("Écrivez au moins un nombre de visites plus grand que 0.")
    return Draft(check_commune(commune), period.start, period.end,
                 {c: counts.get(c, 0) for c in category_ids()},
                 one_line(note, MAX_NOTE, "La note"))


def _on_the_hour(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _values(draft: Draft) -> dict:
    return {"commune": draft.commune, "first_day": draft.start, "last_day": draft.end,
            "note": draft.note}


def add_entry(engine: Engine, draft: Draft, by: str, now: dt.datetime) -> int:
    with engine.begin() as conn:
        entry_id = conn.execute(insert(manual_entries).values(
            **_values(draft), entered_at=_on_the_hour(now), entered_by=by)).inserted_primary_key[0]
        conn.execute(insert(manual_counts), [
            {"entry_id": entry_id, "category": c, "count": n} for c, n in draft.counts.items()])
    return entry_id


def update_entry(engine: Engine, entry_id: int, draft: Draft, by: str, now: dt.datetime) -> bool:
    """Replace an entry's period, counts and note; False when it no longer exists."""
    with engine.begin() as conn:
        done = conn.execute(update(manual_entries).where(manual_entries.c.id == entry_id).values(
            **_values(draft), entered_at=_on_the_hour(now), entered_by=by)).rowcount
        if not done:
            return False
        conn.execute(delete(manual_counts).where(manual_counts.c.entry_id == entry_id))
        conn.execute(insert(manual_counts), [
            {"entry_id": entry_id, "category": c, "count": n} for c, n in draft.counts.items()])
    return True


def remove_entry(engine: Engine, entry_id: int) -> bool:
    with engine.begin() as conn:
        conn.execute(delete(manual_counts).where(manual_counts.c.entry_id == entry_id))
        return bool(conn.execute(delete(manual_entries)
                                 .where(manual_entries.c.id == entry_id)).rowcount)


def _load(engine: Engine, *where) -> list[ManualEntry]:
    with engine.connect() as conn:
        rows = conn.execute(select(manual_entries).where(*where).order_by(
            manual_entries.c.commune, manual_entries.c.first_day, manual_entries.c.id)).all()
        ids = [r.id for r in rows]
        per_entry: dict[int, dict[str, int]] = {i: {} for i in ids}
        if ids:
            for entry_id, cat, n in conn.execute(
                    select(manual_counts.c.entry_id, manual_counts.c.category,
                           manual_counts.c.count).where(manual_counts.c.entry_id.in_(ids))):
                per_entry[entry_id][cat] = n
    cats = category_ids()
    return [ManualEntry(r.id, r.commune, r.first_day, r.last_day, r.note,
                        {c: per_entry[r.id].get(c, 0) for c in cats},
                        r.entered_at, r.entered_by) for r in rows]


def get_entry(engine: Engine, entry_id: int) -> ManualEntry | None:
    found = _load(engine, manual_entries.c.id == entry_id)
    return found[0] if found else None


def list_entries(engine: Engine, commune: str | None = None) -> list[ManualEntry]:
    return _load(engine, *([manual_entries.c.commune == commune] if commune else []))


def _commune(commune: str | None) -> list:
    return [manual_entries.c.commune == commune] if commune else []


def entries_within(engine: Engine, period: Period, commune: str | None = None
                   ) -> list[ManualEntry]:
    """The entries whose whole period lies inside `period`: those a report counts."""
    return _load(engine, manual_entries.c.first_day >= period.start,
                 manual_entries.c.last_day <= period.end, *_commune(commune))


def entries_straddling(engine: Engine, period: Period, commune: str | None = None
                       ) -> list[ManualEntry]:
    """The entries that overlap `period` without lying inside it: shown, never counted."""
    overlapping = _load(engine, manual_entries.c.first_day <= period.end,
                        manual_entries.c.last_day >= period.start, *_commune(commune))
    return [e for e in overlapping if e.start < period.start or e.end > period.end]


def totals(entries: list[ManualEntry]) -> dict[str, int]:
    """Category -> sum over `entries` (the hand line of a report, apart from the kiosks)."""
    result = dict.fromkeys(category_ids(), 0)
    for entry in entries:
        for cat, n in entry.counts.items():
            result[cat] = result.get(cat, 0) + n
    return result


@dataclass(frozen=True)
class HandFigures:
    """What a page shows of a period's hand figures: counted entries, their own totals, and
    the entries that straddle the period (listed, not counted)."""

    entries: list[ManualEntry]
    straddling: list[ManualEntry]

    @property
    def totals(self) -> dict[str, int]:
        return totals(self.entries)

    @property
    def total(self) -> int:
        return sum(e.total for e in self.entries)


def hand_figures(engine: Engine, period: Period, commune: str | None = None) -> HandFigures:
    return HandFigures(entries_within(engine, period, commune),
                       entries_straddling(engine, period, commune))
