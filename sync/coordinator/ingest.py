"""Store one validated push: keep a day only when its revision is higher than the one held.

Counts are absolute per (kiosk, install, day, category), so re-applying a push, applying a
duplicate or a late one changes nothing, and a new install of the same kiosk (reflashed
card) adds its own rows beside the old ones, up to kiosks.MAX_INSTALLS installs. All writes
of a push happen in one transaction that starts by claiming the kiosk's row (a revoked
kiosk files nothing): on PostgreSQL that serialises the pushes of one kiosk, on SQLite
`BEGIN IMMEDIATE` serialises every writer. A push is a handful of statements: the claim,
the installs, one upsert of the day revisions that keeps only higher ones and answers
which, one upsert of their counts (on PostgreSQL these two are one statement). A refused
push (revoked, 4th install, daily ceiling, a day in the future) raises inside the
transaction, which rolls back: nothing of it is kept. Times are kept on the hour only
(kiosks.on_the_hour).
"""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import Connection, Date, Engine, Integer, String, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator.extras import file_extras
from sync.coordinator.kiosks import admit_install, claim_kiosk, on_the_hour
from sync.coordinator.places import store_profile
from sync.coordinator.schema import counts, day_revisions
from sync.protocol import Accepted, CountsAnswer, CountsPush, latest_day

#: Visits one kiosk may file for one day, all installs and categories together.
DEFAULT_DAILY_CEILING = 2000
CEILING_ENV = "KIOSK_COORDINATOR_DAILY_CEILING"


class Refused(ValueError):
    """A push refused whole before anything is written; `field` names the body's field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class OverCeiling(Refused):
    """A day whose visits exceed the kiosk's daily ceiling."""


class FutureDay(Refused):
    """A day after tomorrow by the coordinator's clock (a kiosk's clock gone wrong)."""


def refuse_future_days(push: CountsPush, now: dt.datetime) -> None:
    """FutureDay for the first day after `protocol.latest_day(now)`."""
    latest = latest_day(now)
    for index, entry in enumerate(push.days):
        if entry.day > latest:
            raise FutureDay(f"days[{index}].day", f"{entry.day.isoformat()} is in the future "
                            f"(latest accepted: {latest.isoformat()})")


def daily_ceiling_from_env() -> int:
    """$KIOSK_COORDINATOR_DAILY_CEILING (ASCII digits, at least 1), else the default."""
    raw = os.environ.get(CEILING_ENV, "").strip()
    if not raw:
        return DEFAULT_DAILY_CEILING
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValueError(f"{CEILING_ENV} must be a whole number >= 1, not {raw!r}")
    return int(raw)


def _over(index: int, total: int, ceiling: int) -> OverCeiling:
    return OverCeiling(f"days[{index}].counts",
                       f"{total} visits in one day is over this kiosk's daily ceiling of "
                       f"{ceiling}")


def ingest(engine: Engine, kiosk_id: int, push: CountsPush, now: dt.datetime | None = None,
           *, daily_ceiling: int = DEFAULT_DAILY_CEILING) -> CountsAnswer:
    """File `push` in a transaction of its own (see file_push)."""
    with engine.begin() as conn:
        return file_push(conn, kiosk_id, push, now, daily_ceiling=daily_ceiling)


def file_push(conn: Connection, kiosk_id: int, push: CountsPush,
              now: dt.datetime | None = None, *,
              daily_ceiling: int = DEFAULT_DAILY_CEILING) -> CountsAnswer:
    """File `push` inside the caller's transaction (or savepoint: groupcommit.py), which
    must roll back when this raises."""
    now = now or dt.datetime.now(dt.UTC)
    refuse_future_days(push, now)
    for index, entry in enumerate(push.days):
        if sum(entry.counts.values()) > daily_ceiling:
            raise _over(index, sum(entry.counts.values()), daily_ceiling)
    # Minutes of skew say nothing of when a visit happened, and keep the dashboard's warning.
    skew = round((push.sent_at - now).total_seconds() / 60) * 60.0
    hour = on_the_hour(now)
    wanted = {entry.day: entry for entry in push.days}
    newer = []
    claim_kiosk(conn, kiosk_id, last_contact_at=hour, clock_skew_s=skew,
                clock_trusted=push.clock_trusted, catalogue_version=push.catalogue_version)
    installs = admit_install(conn, kiosk_id, push.install_id, now)
    store_profile(conn, kiosk_id, push.profile, now)
    if wanted:
        kept = _file_days(conn, kiosk_id, push.install_id, wanted.values(), hour)
        newer = [e for day, e in wanted.items() if day in kept]
    if newer:
        if len(installs) > 1:  # raises after the counts were filed: all rolls back
            _check_with_other_installs(conn, kiosk_id, push, newer, daily_ceiling)
        file_extras(conn, kiosk_id, push.install_id, newer)
    return CountsAnswer(
        accepted=[Accepted(day=e.day, revision=e.revision) for e in push.days],
        updated=len(newer), server_time=now)


def _newer_only(revisions):
    """The revision rule, on an INSERT into day_revisions: a day is written when it is new
    or its revision is higher than the one held, and only those days are returned."""
    return revisions.on_conflict_do_update(
        index_elements=list(day_revisions.primary_key.columns),
        set_={"revision": revisions.excluded.revision,
              "received_at": revisions.excluded.received_at},
        where=revisions.excluded.revision > day_revisions.c.revision,
    ).returning(day_revisions.c.day)


def _absolute(rows):
    """An INSERT into counts that replaces a held count (counts are absolute)."""
    return rows.on_conflict_do_update(index_elements=list(counts.primary_key.columns),
                                      set_={"count": rows.excluded["count"]})


def _sqlite_upserts() -> tuple:
    """SQLite's two upserts, built once and run with a list of rows (sqlite3's executemany)."""
    return _newer_only(sqlite.insert(day_revisions)), _absolute(sqlite.insert(counts))


def _postgresql_filing():
    """PostgreSQL's one statement for a push's days: the revision upsert as a CTE, and the
    counts of the days it kept, each column of rows sent as one array (`unnest`), so the
    statement is built once whatever the number of days. One round trip instead of two,
    and the rule is the same `_newer_only`. RETURNING the days of the counts filed: every
    day kept files a count for every category."""
    def rows(**columns):
        return func.unnest(*(bindparam(name, type_=ARRAY(kind)) for name, kind in
                             columns.items())).table_valued(*columns).render_derived()

    kiosk = bindparam("kiosk_id", type_=Integer)
    install = bindparam("install_id", type_=String)
    days = rows(day=Date, revision=Integer)
    kept = _newer_only(postgresql.insert(day_revisions).from_select(
        ["kiosk_id", "install_id", "day", "revision", "received_at"],
        select(kiosk, install, days.c.day, days.c.revision,
               bindparam("received_at", type_=day_revisions.c.received_at.type)),
    )).cte("kept")
    cells = rows(cell_day=Date, category=String, count=Integer)
    return _absolute(postgresql.insert(counts).from_select(
        ["kiosk_id", "install_id", "day", "category", "count"],
        select(kiosk, install, cells.c.cell_day, cells.c.category, cells.c.count)
        .join_from(cells, kept, cells.c.cell_day == kept.c.day),
    )).returning(counts.c.day).add_cte(kept)


_KEEP_NEWER, _FILE_COUNTS = _sqlite_upserts()
_FILE_DAYS = _postgresql_filing()


def _file_days(conn, kiosk_id: int, install_id: str, entries, hour: dt.datetime) -> set:
    """File each day's revision where it is new or higher than the one held (the revision
    rule), and every category's count of those days (a category missing from the push is
    0); returns the days filed."""
    entries = list(entries)
    if conn.dialect.name == "postgresql":
        return set(conn.execute(_FILE_DAYS, {
            "kiosk_id": kiosk_id, "install_id": install_id, "received_at": hour,
            "day": [e.day for e in entries], "revision": [e.revision for e in entries],
            "cell_day": [e.day for e in entries for _ in CATEGORY_IDS],
            "category": [category for _ in entries for category in CATEGORY_IDS],
            "count": [e.counts.get(category, 0) for e in entries for category in CATEGORY_IDS],
        }).scalars())
    kept = set(conn.execute(_KEEP_NEWER, [
        {"kiosk_id": kiosk_id, "install_id": install_id, "day": e.day, "revision": e.revision,
         "received_at": hour} for e in entries]).scalars())
    if kept:
        conn.execute(_FILE_COUNTS, [
            {"kiosk_id": kiosk_id, "install_id": install_id, "day": e.day,
             "category": category, "count": e.counts.get(category, 0)}
            for e in entries if e.day in kept for category in CATEGORY_IDS])
    return kept


def _check_with_other_installs(conn, kiosk_id: int, push: CountsPush, newer, ceiling: int):
    """The ceiling is per kiosk: a day's visits from its other installs count too."""
    others = dict(conn.execute(
        select(counts.c.day, func.sum(counts.c.count)).where(
            counts.c.kiosk_id == kiosk_id, counts.c.install_id != push.install_id,
            counts.c.day.in_([e.day for e in newer])).group_by(counts.c.day)).all())
    index = {e.day: i for i, e in enumerate(push.days)}
    for entry in newer:
        total = sum(entry.counts.values()) + int(others.get(entry.day) or 0)
        if total > ceiling:
            raise _over(index[entry.day], total, ceiling)
