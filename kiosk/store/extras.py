"""Workshops and exit answers in the days table, under the day's revision rule.

They live in the day's document beside `counts` (records.py), so every change bumps the
day's revision and travels with the day: archived, acknowledged and sent like the visits.
Workshops are kept as sessions per number of participants, per theme::

    "workshops": {"securite_numerique": {"8": 1, "5": 2}}, "exits": {"oui": 3, "non": 1}

which gives the aggregates a push carries (sessions and participants per theme) and still
lets the mediator take back exactly one workshop of a given size after a restart. Nothing
says when in the day, nor who.
"""

from __future__ import annotations

import datetime as dt

from kiosk.extras import (
    MAX_EXITS,
    MAX_WORKSHOPS,
    check_answer,
    check_participants,
    check_theme,
)


def workshop_sizes(doc: dict | None) -> dict[str, dict[int, int]]:
    """{theme: {participants: sessions}} of a day document (empty for no day)."""
    return {theme: {int(n): k for n, k in sorted(sizes.items(), key=lambda i: int(i[0]))}
            for theme, sizes in (doc or {}).get("workshops", {}).items()}


def exit_counts(doc: dict | None) -> dict[str, int]:
    """{answer: n} of a day document, zeros left out."""
    return dict((doc or {}).get("exits", {}))


def change_workshop(book, day: dt.date, theme: str, participants: int, delta: int) -> bool:
    """Add (+1) or take back (-1) one workshop of `theme` with `participants`; False when
    there was none to take back. Bumps the day's revision (the writer, inside writing())."""
    check_theme(theme)
    check_participants(participants)
    doc = book.find(day)
    sizes = {t: dict(s) for t, s in (doc or {}).get("workshops", {}).items()}
    by_size = sizes.setdefault(theme, {})
    key = str(participants)
    new = by_size.get(key, 0) + delta
    if new < 0:
        return False
    if delta > 0 and sum(by_size.values()) >= MAX_WORKSHOPS:
        raise ValueError(f"at most {MAX_WORKSHOPS} workshops of one theme a day")
    by_size[key] = new
    sizes = {t: {n: k for n, k in s.items() if k} for t, s in sizes.items()}
    book.write(day, doc, dict(doc["counts"]) if doc else {}, vouched=False,
               extras={"workshops": {t: s for t, s in sizes.items() if s}})
    return True


def add_exit(book, day: dt.date, answer: str) -> int:
    """Count one exit answer on `day`; its new count. Bumps the day's revision."""
    check_answer(answer)
    doc = book.find(day)
    exits = exit_counts(doc)
    if exits.get(answer, 0) >= MAX_EXITS:
        return exits[answer]
    exits[answer] = exits.get(answer, 0) + 1
    book.write(day, doc, dict(doc["counts"]) if doc else {}, vouched=True,
               extras={"exits": exits})
    return exits[answer]
