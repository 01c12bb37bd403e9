"""Month rollups kept by the database, so a year's report reads a few thousand rows (issue 15).

`month_counts` holds the counts summed per (month, kiosk, category) and `month_days` the
distinct days received per (month, kiosk), all installs together. Triggers keep them exact
for every writer (pushes, offline transfer imports, direct inserts), so the push code runs
no statement more; the upgrade fills them from the rows already there. Primary keys of
`counts` and `day_revisions` are never rewritten (a push only changes a count or a
revision), so only inserts, count updates and deletes need a trigger. The month leads both
keys: a report reads a year as one range.

A day counts once however many installs sent it, so the `day_revisions` triggers ask
whether another row holds the kiosk's day. They must see the rows of their own statement
that came before them, not after: SQLite runs row triggers as each row is written; on
PostgreSQL an AFTER row trigger sees the whole statement done, so these run BEFORE the row
(the insert's check then also covers a row that will conflict into an update). An index on
(day, kiosk_id) replaces the one on day alone for that check; period reads by day are served
as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ADD_COUNT = """
INSERT INTO month_counts (month, kiosk_id, category, count)
VALUES ({month}, {row}.kiosk_id, {row}.category, {amount})
ON CONFLICT (month, kiosk_id, category) DO UPDATE SET count = month_counts.count + excluded.count
"""
# After a delete, a cell left at zero with no row behind it goes, as a GROUP BY would show it.
DROP_EMPTY_COUNT = """
DELETE FROM month_counts WHERE month = {month} AND kiosk_id = old.kiosk_id
AND category = old.category AND count = 0 AND NOT EXISTS (
    SELECT 1 FROM counts c WHERE c.day >= {month} AND c.day < {next_month}
    AND c.kiosk_id = old.kiosk_id AND c.category = old.category)
"""
ADD_DAY = """
INSERT INTO month_days (month, kiosk_id, days) VALUES ({month}, {row}.kiosk_id, {amount})
ON CONFLICT (month, kiosk_id) DO UPDATE SET days = month_days.days + excluded.days
"""
DROP_EMPTY_DAYS = "DELETE FROM month_days WHERE month = {month} AND kiosk_id = old.kiosk_id AND days = 0"
# Is the kiosk's day held by a row (other than `{row}`'s own install, with `other`)?
HELD = ("EXISTS (SELECT 1 FROM day_revisions d WHERE d.day = {row}.day "
        "AND d.kiosk_id = {row}.kiosk_id{other})")
OTHER = " AND d.install_id <> {row}.install_id"

SQLITE = {"month": "date({row}.day, 'start of month')",
          "next_month": "date(old.day, 'start of month', '+1 month')"}
POSTGRES = {"month": "date_trunc('month', {row}.day)::date",
            "next_month": "(date_trunc('month', old.day) + interval '1 month')::date"}


def _counts_statements(dialect: dict) -> dict[str, list[str]]:
    new, old = dialect["month"].format(row="new"), dialect["month"].format(row="old")
    return {
        "INSERT": [ADD_COUNT.format(row="new", month=new, amount="new.count")],
        "UPDATE": [ADD_COUNT.format(row="new", month=new, amount="new.count - old.count")],
        "DELETE": [ADD_COUNT.format(row="old", month=old, amount="-old.count"),
                   DROP_EMPTY_COUNT.format(month=old, next_month=dialect["next_month"])],
    }


def _days_statements(dialect: dict) -> dict[str, list[str]]:
    new, old = dialect["month"].format(row="new"), dialect["month"].format(row="old")
    return {"INSERT": [ADD_DAY.format(row="new", month=new, amount="1")],
            "DELETE": [ADD_DAY.format(row="old", month=old, amount="-1"),
                       DROP_EMPTY_DAYS.format(month=old)]}


# SQLite runs a row trigger once its row is written: "held" then means by another install
# on insert, by any row on delete; on PostgreSQL (BEFORE) the other way round.
SQLITE_DAY_HELD = {"INSERT": HELD.format(row="new", other=OTHER.format(row="new")),
                   "DELETE": HELD.format(row="old", other="")}
PG_DAY_HELD = {"INSERT": HELD.format(row="new", other=""),
               "DELETE": HELD.format(row="old", other=OTHER.format(row="old"))}
COUNTS_EVENTS = {"INSERT": "INSERT", "UPDATE": "UPDATE OF count", "DELETE": "DELETE"}
COUNT_CHANGED = "new.count <> old.count"


def upgrade() -> None:
    op.create_table(
        "month_counts",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("kiosk_id", sa.Integer, primary_key=True),
        sa.Column("category", sa.String(40), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "month_days",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("kiosk_id", sa.Integer, primary_key=True),
        sa.Column("days", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    op.drop_index("ix_day_revisions_day", "day_revisions")
    op.create_index("ix_day_revisions_day_kiosk", "day_revisions", ["day", "kiosk_id"])
    postgres = op.get_bind().dialect.name == "postgresql"
    month = (POSTGRES if postgres else SQLITE)["month"].format(row="r")
    op.execute(f"INSERT INTO month_counts (month, kiosk_id, category, count) "
               f"SELECT {month}, r.kiosk_id, r.category, SUM(r.count) FROM counts r "
               f"GROUP BY {month}, r.kiosk_id, r.category")
    op.execute(f"INSERT INTO month_days (month, kiosk_id, days) "
               f"SELECT {month}, r.kiosk_id, COUNT(*) "
               f"FROM (SELECT DISTINCT kiosk_id, day FROM day_revisions) r "
               f"GROUP BY {month}, r.kiosk_id")
    if postgres:
        _pg_triggers()
    else:
        _sqlite_triggers()


def _body(statements: list[str]) -> str:
    return " ".join(f"{statement.strip()};" for statement in statements)


def _sqlite_triggers() -> None:
    for event, statements in _counts_statements(SQLITE).items():
        when = f"WHEN {COUNT_CHANGED}" if event == "UPDATE" else ""
        op.execute(f"CREATE TRIGGER counts_{event.lower()}_rollup AFTER {COUNTS_EVENTS[event]} "
                   f"ON counts FOR EACH ROW {when} BEGIN {_body(statements)} END")
    for event, statements in _days_statements(SQLITE).items():
        op.execute(f"CREATE TRIGGER day_revisions_{event.lower()}_rollup AFTER {event} "
                   f"ON day_revisions FOR EACH ROW WHEN NOT {SQLITE_DAY_HELD[event]} "
                   f"BEGIN {_body(statements)} END")


def _pg_function(name: str, branches: dict[str, str], end: str) -> None:
    cases = " ".join(f"IF TG_OP = '{event}' THEN {body} END IF;"
                     for event, body in branches.items())
    op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
               f"AS $rollup$ BEGIN {cases} {end} END $rollup$")


def _pg_triggers() -> None:
    _pg_function("counts_rollup", {event: _body(statements) for event, statements
                                   in _counts_statements(POSTGRES).items()}, "RETURN NULL;")
    for event in COUNTS_EVENTS:
        when = f"WHEN ({COUNT_CHANGED})" if event == "UPDATE" else ""
        op.execute(f"CREATE TRIGGER counts_{event.lower()}_rollup AFTER {COUNTS_EVENTS[event]} "
                   f"ON counts FOR EACH ROW {when} EXECUTE FUNCTION counts_rollup()")
    # A BEFORE trigger must hand the row back for the insert or delete to go on.
    # Two installs' pushes of one new day at once would each miss the other's uncommitted
    # row: locking the month's cell first (adding 0) makes the second wait for the first to
    # commit, and its check, a statement of its own, then sees the first's row.
    lock = {event: ADD_DAY.format(row=row, month=POSTGRES["month"].format(row=row), amount="0")
            for event, row in (("INSERT", "new"), ("DELETE", "old"))}
    _pg_function("day_revisions_rollup", {
        event: f"{lock[event]}; IF NOT {PG_DAY_HELD[event]} THEN {_body(statements)} END IF;"
        for event, statements in _days_statements(POSTGRES).items()},
        "IF TG_OP = 'DELETE' THEN RETURN old; END IF; RETURN new;")
    for event in ("INSERT", "DELETE"):
        op.execute(f"CREATE TRIGGER day_revisions_{event.lower()}_rollup BEFORE {event} "
                   f"ON day_revisions FOR EACH ROW EXECUTE FUNCTION day_revisions_rollup()")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, events in (("counts", COUNTS_EVENTS), ("day_revisions", ("INSERT", "DELETE"))):
        for event in events:
            op.execute(f"DROP TRIGGER {table}_{event.lower()}_rollup"
                       + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION {table}_rollup()")
    op.drop_index("ix_day_revisions_day_kiosk", "day_revisions")
    op.create_index("ix_day_revisions_day", "day_revisions", ["day"])
    op.drop_table("month_days")
    op.drop_table("month_counts")
