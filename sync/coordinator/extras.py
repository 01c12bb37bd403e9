"""Filing a push's workshops and exit answers: absolute per (kiosk, install, day).

`ingest` calls `file_extras` inside its transaction for exactly the days whose revision
is new (the revision rule), after it replaced their counts. A replaced revision's
workshops and exit answers are already gone by then: the database deletes them in the
statement that replaces the revision (trigger `day_revisions_replaced_extras`, migration
0013), so a push without any, most of them, costs no statement here. A replay, a transfer
and a later push of the same revision count once, and a newer revision without workshops
leaves none.
"""

from __future__ import annotations

from sqlalchemy import insert

from sync.coordinator.schema import exit_answers, workshops


def file_extras(conn, kiosk_id: int, install_id: str, newer) -> None:
    """File the workshops and exit answers of the `newer` days (DayCounts) of one install."""
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
