"""Filing a push's workshops and exit answers: absolute per (kiosk, install, day).

`ingest` calls `file_extras` inside its transaction for exactly the days whose revision
is new (the revision rule), after it replaced their counts: the day's old rows go and the
new revision's rows come, so a replay, a transfer and a later push of the same revision
count once, and a newer revision without workshops leaves none.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert

from sync.coordinator.schema import exit_answers, workshops


def _forget(table):
    return delete(table).where(table.c.kiosk_id == bindparam("k"),
                               table.c.install_id == bindparam("i"),
                               table.c.day == bindparam("d"))


# Built once: most pushes carry none, yet a newer revision must clear what an older one
# filed, and building a statement per push cost more than the rest of the push.
_FORGET = (_forget(workshops), _forget(exit_answers))


def file_extras(conn, kiosk_id: int, install_id: str, newer) -> None:
    """Replace the workshops and exit answers of the `newer` days (DayCounts) of one install."""
    keys = [{"k": kiosk_id, "i": install_id, "d": e.day} for e in newer]
    for statement in _FORGET:
        conn.execute(statement, keys)
    rows = [{"kiosk_id": kiosk_id, "install_id": install_id, "day": e.day, "theme": theme,
             "sessions": w.sessions, "participants": w.participants}
            for e in newer for theme, w in (e.workshops or {}).items()]
    if rows:
        conn.execute(insert(workshops), rows)
    rows = [{"kiosk_id": kiosk_id, "install_id": install_id, "day": e.day, "answer": answer,
             "count": n}
            for e in newer for answer, n in (e.exits or {}).items() if n]
    if rows:
        conn.execute(insert(exit_answers), rows)
