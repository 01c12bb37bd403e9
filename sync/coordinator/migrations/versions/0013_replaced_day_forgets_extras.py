"""A day's workshops and exit answers go when its revision is replaced, by a trigger (issue 15).

A newer revision of a day replaces everything the older one filed: its counts (upserted
over) and its workshops and exit answers (deleted, then the new revision's inserted). The
two deletes ran on every push, though most days carry neither, and were a fifth of a
push's database time on SQLite and two more rounds to PostgreSQL. The database now runs
them itself, inside the statement that replaces the revision, and only then.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

FORGET = " ".join(
    f"DELETE FROM {table} WHERE kiosk_id = old.kiosk_id AND install_id = old.install_id "
    f"AND day = old.day;" for table in ("workshops", "exit_answers"))
REPLACED = "new.revision <> old.revision"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION day_replaced_forget_extras() RETURNS trigger "
                   f"LANGUAGE plpgsql AS $forget$ BEGIN {FORGET} RETURN NULL; END $forget$")
        op.execute("CREATE TRIGGER day_revisions_replaced_extras AFTER UPDATE OF revision "
                   f"ON day_revisions FOR EACH ROW WHEN ({REPLACED}) "
                   "EXECUTE FUNCTION day_replaced_forget_extras()")
    else:
        op.execute("CREATE TRIGGER day_revisions_replaced_extras AFTER UPDATE OF revision "
                   f"ON day_revisions FOR EACH ROW WHEN {REPLACED} BEGIN {FORGET} END")


def downgrade() -> None:
    op.execute("DROP TRIGGER day_revisions_replaced_extras"
               + (" ON day_revisions" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION day_replaced_forget_extras()")
