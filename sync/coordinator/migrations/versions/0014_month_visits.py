"""Each kiosk's visits of a month beside its days received, in `month_days` (issue 15).

The annual report compares a year with the one before: that year's visits per month and
kiosk, per category, and its days received. Per month and kiosk they were a GROUP BY over
the year's `month_counts` rows (eight per kiosk and month), most of what the comparison
cost; the report reads the previous year's `month_days` rows anyway, so they now carry the
visits too.

The `counts` triggers keep `visits` exact for every writer, as the 0012 triggers keep the
rest: a count that changes by n adds n (a zero count adds nothing, so a push's zeros cost
no statement). A row of `month_days` can now hold visits with no day received (counts
written without their day): it goes only when both are zero.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

rollups = importlib.import_module("sync.coordinator.migrations.versions.0012_month_rollups")

ADD_VISITS = """
INSERT INTO month_days (month, kiosk_id, days, visits) VALUES ({month}, {row}.kiosk_id, 0, {amount})
ON CONFLICT (month, kiosk_id) DO UPDATE SET visits = month_days.visits + excluded.visits
"""
DROP_EMPTY = ("DELETE FROM month_days WHERE month = {month} AND kiosk_id = {row}.kiosk_id "
              "AND days = 0 AND visits = 0")
# A day's row now also goes only when no visit is left on it.
DROP_EMPTY_DAYS = rollups.DROP_EMPTY_DAYS + " AND visits = 0"
# When each `counts` event changes the visits (UPDATE: already the 0012 trigger's condition).
CHANGES = {"INSERT": "new.count <> 0", "UPDATE": rollups.COUNT_CHANGED, "DELETE": "old.count <> 0"}


def _visits_statements(dialect: dict) -> dict[str, list[str]]:
    new, old = dialect["month"].format(row="new"), dialect["month"].format(row="old")
    return {
        "INSERT": [ADD_VISITS.format(row="new", month=new, amount="new.count")],
        "UPDATE": [ADD_VISITS.format(row="new", month=new, amount="new.count - old.count"),
                   DROP_EMPTY.format(row="new", month=new)],
        "DELETE": [ADD_VISITS.format(row="old", month=old, amount="-old.count"),
                   DROP_EMPTY.format(row="old", month=old)],
    }


def upgrade() -> None:
    op.add_column("month_days", sa.Column("visits", sa.Integer, nullable=False,
                                          server_default="0"))
    # month_counts is exact (0012): the visits are its cells summed.
    op.execute("UPDATE month_days SET visits = COALESCE((SELECT SUM(m.count) FROM month_counts m "
               "WHERE m.month = month_days.month AND m.kiosk_id = month_days.kiosk_id), 0)")
    op.execute("INSERT INTO month_days (month, kiosk_id, days, visits) "
               "SELECT m.month, m.kiosk_id, 0, SUM(m.count) FROM month_counts m "
               "WHERE NOT EXISTS (SELECT 1 FROM month_days d "
               "WHERE d.month = m.month AND d.kiosk_id = m.kiosk_id) "
               "GROUP BY m.month, m.kiosk_id HAVING SUM(m.count) <> 0")
    _triggers(visits=True)


def _triggers(visits: bool) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    dialect = rollups.POSTGRES if postgres else rollups.SQLITE
    days = rollups._days_statements(dialect, DROP_EMPTY_DAYS if visits else
                                    rollups.DROP_EMPTY_DAYS)
    if postgres:
        # One function call per row, as before: the visits are a guarded branch of it.
        added = {event: f"IF {CHANGES[event]} THEN {rollups._body(statements)} END IF;"
                 for event, statements in _visits_statements(dialect).items()} if visits else {}
        rollups._pg_function("counts_rollup", {
            event: f"{rollups._body(statements)} {added.get(event, '')}"
            for event, statements in rollups._counts_statements(dialect).items()},
            "RETURN NULL;")
        rollups.pg_day_function(days)
        return
    op.execute("DROP TRIGGER day_revisions_delete_rollup")
    rollups.sqlite_day_trigger("DELETE", days["DELETE"])
    for event, statements in _visits_statements(dialect).items():
        if visits:
            op.execute(f"CREATE TRIGGER counts_{event.lower()}_visits AFTER "
                       f"{rollups.COUNTS_EVENTS[event]} ON counts FOR EACH ROW "
                       f"WHEN {CHANGES[event]} BEGIN {rollups._body(statements)} END")
        else:
            op.execute(f"DROP TRIGGER counts_{event.lower()}_visits")


def downgrade() -> None:
    _triggers(visits=False)
    op.execute("DELETE FROM month_days WHERE days = 0")
    op.drop_column("month_days", "visits")
