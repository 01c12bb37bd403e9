"""Store one validated push: keep a day only when its revision is higher than the one held.

Counts are absolute per (kiosk, install, day, category), so re-applying a push, applying a
duplicate or a late one changes nothing, and a new install of the same kiosk (reflashed
card) adds its own rows beside the old ones. All writes of a push happen in one transaction
that starts by updating the kiosk's row: on PostgreSQL that row lock serialises the pushes
of one kiosk, on SQLite `BEGIN IMMEDIATE` serialises every writer.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, delete, insert, select, update

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator.places import store_profile
from sync.coordinator.schema import counts, day_revisions, kiosks
from sync.protocol import Accepted, CountsAnswer, CountsPush


def ingest(engine: Engine, kiosk_id: int, push: CountsPush,
           now: dt.datetime | None = None) -> CountsAnswer:
    now = now or dt.datetime.now(dt.UTC)
    skew = (push.sent_at - now).total_seconds()
    wanted = {entry.day: entry for entry in push.days}
    with engine.begin() as conn:
        conn.execute(update(kiosks).where(kiosks.c.id == kiosk_id).values(
            last_contact_at=now, clock_skew_s=skew, clock_trusted=push.clock_trusted,
            catalogue_version=push.catalogue_version))
        store_profile(conn, kiosk_id, push.profile, now)
        held = {}
        if wanted:
            held = dict(conn.execute(
                select(day_revisions.c.day, day_revisions.c.revision).where(
                    day_revisions.c.kiosk_id == kiosk_id,
                    day_revisions.c.install_id == push.install_id,
                    day_revisions.c.day.in_(list(wanted)))).all())
        newer = [e for day, e in wanted.items() if day not in held or e.revision > held[day]]
        if newer:
            days = [e.day for e in newer]
            mine = and_(counts.c.kiosk_id == kiosk_id, counts.c.install_id == push.install_id,
                        counts.c.day.in_(days))
            conn.execute(delete(counts).where(mine))
            conn.execute(delete(day_revisions).where(
                day_revisions.c.kiosk_id == kiosk_id,
                day_revisions.c.install_id == push.install_id,
                day_revisions.c.day.in_(days)))
            conn.execute(insert(day_revisions), [
                {"kiosk_id": kiosk_id, "install_id": push.install_id, "day": e.day,
                 "revision": e.revision, "received_at": now} for e in newer])
            conn.execute(insert(counts), [
                {"kiosk_id": kiosk_id, "install_id": push.install_id, "day": e.day,
                 "category": category, "count": e.counts.get(category, 0)}
                for e in newer for category in CATEGORY_IDS])
    return CountsAnswer(
        accepted=[Accepted(day=e.day, revision=e.revision) for e in push.days],
        updated=len(newer), server_time=now)
