"""overdue_count: per agency, the open lead assignments overdue on overdue_day.day, kept by
triggers on assignment

/overdue counted what is overdue by reading every overdue assignment's index entry: at a
million assignments a third overdue, some 270,000 entries a call. The counts are now kept:
a row per agency, changed by the statement that changes an assignment (inserted, deleted,
its status, role, agency or deadline in force changed, whoever writes it: the bot, an
import, a task's due date moving through the 0017 triggers). They count against one day,
overdue_day.day, which services.overdue_counts moves as days pass (the sweep moves it to
today) by adding the assignments due in between; /overdue on any day reads the counts and
the assignments due between that day and the counted one. Until the day is first set
(NULL) nothing is counted and /overdue reads the assignments as before.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "IN ('not_started', 'in_progress', 'blocked', 'awaiting')"


def _counted(row: str) -> str:
    """Whether an assignment row (OLD or NEW) is counted as overdue on the counted day."""
    return (
        f"{row}.role = 'lead' AND {row}.status {_OPEN} "
        f"AND {row}.deadline < (SELECT day FROM overdue_day WHERE id = 1)"
    )


_CHANGED = (
    "OLD.status IS DISTINCT FROM NEW.status OR OLD.role IS DISTINCT FROM NEW.role "
    "OR OLD.agency_id IS DISTINCT FROM NEW.agency_id "
    "OR OLD.deadline IS DISTINCT FROM NEW.deadline"
)
_ENTER = (
    "INSERT INTO overdue_count (agency_id, n) VALUES (NEW.agency_id, 1) "
    "ON CONFLICT (agency_id) DO UPDATE SET n = overdue_count.n + 1"
)
_LEAVE = "UPDATE overdue_count SET n = n - 1 WHERE agency_id = OLD.agency_id"

_POSTGRES_UP = [
    f"""
CREATE FUNCTION overdue_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF {_counted("OLD")} THEN {_LEAVE}; END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF {_counted("NEW")} THEN {_ENTER}; END IF;
    END IF;
    RETURN NULL;
END $$
""",
    # After the 0017 trigger has set the deadline in force (BEFORE ... ON assignment).
    "CREATE TRIGGER overdue_count_write AFTER INSERT OR DELETE ON assignment "
    "FOR EACH ROW EXECUTE FUNCTION overdue_count()",
    f"CREATE TRIGGER overdue_count_update AFTER UPDATE ON assignment FOR EACH ROW "
    f"WHEN ({_CHANGED}) EXECUTE FUNCTION overdue_count()",
]
_POSTGRES_DOWN = [
    "DROP TRIGGER overdue_count_update ON assignment",
    "DROP TRIGGER overdue_count_write ON assignment",
    "DROP FUNCTION overdue_count()",
]
# SQLite sets the deadline in force by an UPDATE after the insert (0017), which the update
# triggers count; the insert trigger counts the row as inserted.
_SQLITE_CHANGED = _CHANGED.replace("IS DISTINCT FROM", "IS NOT")
_SQLITE_UP = [
    f"CREATE TRIGGER overdue_count_insert AFTER INSERT ON assignment "
    f"WHEN {_counted('NEW')} BEGIN {_ENTER}; END",
    f"CREATE TRIGGER overdue_count_delete AFTER DELETE ON assignment "
    f"WHEN {_counted('OLD')} BEGIN {_LEAVE}; END",
    f"CREATE TRIGGER overdue_count_leave AFTER UPDATE ON assignment "
    f"WHEN ({_SQLITE_CHANGED}) AND {_counted('OLD')} BEGIN {_LEAVE}; END",
    f"CREATE TRIGGER overdue_count_enter AFTER UPDATE ON assignment "
    f"WHEN ({_SQLITE_CHANGED}) AND {_counted('NEW')} BEGIN {_ENTER}; END",
]
_SQLITE_DOWN = [
    f"DROP TRIGGER overdue_count_{name}" for name in ("enter", "leave", "delete", "insert")
]


def upgrade() -> None:
    op.create_table(
        "overdue_count",
        sa.Column("agency_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id"),
    )
    op.create_table(
        "overdue_day",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_UP if postgres else _SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_DOWN if postgres else _SQLITE_DOWN:
        op.execute(statement)
    op.drop_table("overdue_day")
    op.drop_table("overdue_count")
