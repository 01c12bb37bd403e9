"""Store one validated push: keep a day only when its revision is higher than the one held.

Counts are absolute per (kiosk, install, day, category), so re-applying a push, applying a
duplicate or a late one changes nothing, and a new install of the same kiosk (reflashed
card) adds its own rows beside the old ones, up to kiosks.MAX_INSTALLS installs. All writes
of a push happen in one transaction that starts by claiming the kiosk's row (a revoked
kiosk files nothing): on PostgreSQL that serialises the pushes of one kiosk, on SQLite
`BEGIN IMMEDIATE` serialises every writer. A push is a handful of statements: the claim,
the installs, one upsert of the day revisions that keeps only higher ones and answers
which, one upsert of their counts. A refused push (revoked, 4th install, daily ceiling,
a day in the future) raises inside the transaction, which rolls back: nothing of it is kept.
Times are kept on the hour only (kiosks.on_the_hour).
"""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

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
        kept = _keep_newer(conn, kiosk_id, push.install_id, wanted.values(), hour)
        newer = [e for day, e in wanted.items() if day in kept]
    if newer:
        if len(installs) > 1:
            _check_with_other_installs(conn, kiosk_id, push, newer, daily_ceiling)
        _file_counts(conn, kiosk_id, push.install_id, newer)
        file_extras(conn, kiosk_id, push.install_id, newer)
    return CountsAnswer(
        accepted=[Accepted(day=e.day, revision=e.revision) for e in push.days],
        updated=len(newer), server_time=now)


def _upserts(dialect) -> tuple:
    """The two upserts of a push, built once per dialect (both have on_conflict_do_update;
    their `insert` functions differ) and run with a list of rows, never compiled again.
    SQLAlchemy's insertmanyvalues sends the rows of a statement with RETURNING as one
    multi-row INSERT."""
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    revisions = insert_(day_revisions)
    keep_newer = revisions.on_conflict_do_update(
        index_elements=list(day_revisions.primary_key.columns),
        set_={"revision": revisions.excluded.revision,
              "received_at": revisions.excluded.received_at},
        where=revisions.excluded.revision > day_revisions.c.revision,
    ).returning(day_revisions.c.day)
    rows = insert_(counts)
    file_counts = rows.on_conflict_do_update(
        index_elements=list(counts.primary_key.columns), set_={"count": rows.excluded["count"]})
    if dialect == "postgresql":
        # RETURNING, though nothing reads it, makes SQLAlchemy send the rows as one
        # multi-row INSERT; without it psycopg runs one INSERT per row (8 a day), each a
        # round of the server's. sqlite3's executemany is faster as it is.
        file_counts = file_counts.returning(counts.c.day)
    return keep_newer, file_counts


_UPSERTS = {dialect: _upserts(dialect) for dialect in ("postgresql", "sqlite")}


def _keep_newer(conn, kiosk_id: int, install_id: str, entries, hour: dt.datetime) -> set:
    """One statement: file each day's revision where it is new or higher than the one held
    (the revision rule); returns the days it filed."""
    rows = [{"kiosk_id": kiosk_id, "install_id": install_id, "day": e.day,
             "revision": e.revision, "received_at": hour} for e in entries]
    return set(conn.execute(_UPSERTS[conn.dialect.name][0], rows).scalars())


def _file_counts(conn, kiosk_id: int, install_id: str, newer) -> None:
    """Upsert every category of the days kept (a category missing from the push is 0)."""
    conn.execute(_UPSERTS[conn.dialect.name][1], [
        {"kiosk_id": kiosk_id, "install_id": install_id, "day": e.day,
         "category": category, "count": e.counts.get(category, 0)}
        for e in newer for category in CATEGORY_IDS])


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
