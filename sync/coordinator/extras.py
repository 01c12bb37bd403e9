"""Filing a push's workshops and exit answers: absolute per (kiosk, install, day).

`ingest` calls `file_extras` inside its transaction for exactly the days whose revision
is new (the revision rule), after it replaced their counts: the day's old rows go and the
new revision's rows come, so a replay, a transfer and a later push of the same revision
count once, and a newer revision without workshops leaves none.
"""

from __future__ import annotations

from sqlalchemy import delete, insert

from sync.coordinator.schema import exit_answers, workshops


def file_extras(conn, kiosk_id: int, install_id: str, newer) -> None:
    """Replace the workshops and exit answers of the `newer` days (DayCounts) of one install."""
    days = [e.day for e in newer]
    for table in (workshops, exit_answers):
        conn.execute(delete(table).where(table.c.kiosk_id == kiosk_id,
                                         table.c.install_id == install_id,
                                         table.c.day.in_(days)))
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
