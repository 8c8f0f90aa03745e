"""assignment.deadline: the live task's due date on the assignment, kept by triggers, and
partial indexes of open work by deadline and by agency

/overdue counted what is overdue per agency by joining every assignment to its task: a
scan of both tables on every call, however little was overdue. With the deadline on the
assignment, an index of open assignments by deadline answers "open and due before D" by
reading only those rows. The sweep reads the targets within its reach the same way.

The copy is kept by the database in the statement that changes it (an assignment inserted
or moved to another task; a task's due date, removal or restating changed), so no writer
can forget it: NULL when the task is removed or restates another (those are never overdue
nor reminded), else the task's due date.

Revision ID: 0017
Revises: 0011
Create Date: 2026-12-06 11:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0017"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "status IN ('not_started', 'in_progress', 'blocked')"
_INDEXES = {
    "ix_assignment_open_deadline": ["deadline", "agency_id", "role", "status"],
    "ix_assignment_open_agency": ["agency_id", "deadline", "role", "status"],
}
# The deadline an assignment of task row `t` has.
_OF_TASK = (
    "CASE WHEN {t}.removed OR {t}.same_as_task_id IS NOT NULL THEN NULL ELSE {t}.due_date END"
)

_POSTGRES_UP = [
    f"""
CREATE FUNCTION assignment_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {_OF_TASK.format(t="task")} INTO NEW.deadline FROM task WHERE task.id = NEW.task_id;
    RETURN NEW;
END $$
""",
    """
CREATE TRIGGER assignment_deadline BEFORE INSERT OR UPDATE OF task_id ON assignment
    FOR EACH ROW EXECUTE FUNCTION assignment_deadline()
""",
    f"""
CREATE FUNCTION task_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assignment SET deadline = {_OF_TASK.format(t="NEW")} WHERE task_id = NEW.id;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER task_deadline AFTER UPDATE OF due_date, removed, same_as_task_id ON task
    FOR EACH ROW WHEN (
        OLD.due_date IS DISTINCT FROM NEW.due_date
        OR OLD.removed IS DISTINCT FROM NEW.removed
        OR OLD.same_as_task_id IS DISTINCT FROM NEW.same_as_task_id
    ) EXECUTE FUNCTION task_deadline()
""",
]
_POSTGRES_DOWN = [
    "DROP TRIGGER task_deadline ON task",
    "DROP FUNCTION task_deadline()",
    "DROP TRIGGER assignment_deadline ON assignment",
    "DROP FUNCTION assignment_deadline()",
]
# SQLite's triggers cannot change the row being written: they update it after.
_SQLITE_UP = [
    f"""
CREATE TRIGGER assignment_deadline_insert AFTER INSERT ON assignment BEGIN
    UPDATE assignment SET deadline = (
        SELECT {_OF_TASK.format(t="task")} FROM task WHERE task.id = NEW.task_id
    ) WHERE id = NEW.id;
END
""",
    f"""
CREATE TRIGGER assignment_deadline_update AFTER UPDATE OF task_id ON assignment BEGIN
    UPDATE assignment SET deadline = (
        SELECT {_OF_TASK.format(t="task")} FROM task WHERE task.id = NEW.task_id
    ) WHERE id = NEW.id;
END
""",
    f"""
CREATE TRIGGER task_deadline AFTER UPDATE OF due_date, removed, same_as_task_id ON task
BEGIN
    UPDATE assignment SET deadline = {_OF_TASK.format(t="NEW")} WHERE task_id = NEW.id;
END
""",
]
_SQLITE_DOWN = [
    "DROP TRIGGER task_deadline",
    "DROP TRIGGER assignment_deadline_update",
    "DROP TRIGGER assignment_deadline_insert",
]


def upgrade() -> None:
    op.add_column("assignment", sa.Column("deadline", sa.Date(), nullable=True))
    op.execute(
        "UPDATE assignment SET deadline = ("
        f"SELECT {_OF_TASK.format(t='task')} FROM task WHERE task.id = assignment.task_id)"
    )
    # What is open by deadline (everything overdue, the sweep's reach), and an agency's
    # open work by deadline (a page of /overdue). They replace the index on (status,
    # agency_id), which led SQLite to read every open assignment to find the overdue ones.
    for name, columns in _INDEXES.items():
        op.create_index(
            name,
            "assignment",
            columns,
            unique=False,
            sqlite_where=sa.text(_OPEN),
            postgresql_where=sa.text(_OPEN),
        )
    op.drop_index("ix_assignment_open_due", table_name="assignment")
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_UP if postgres else _SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_DOWN if postgres else _SQLITE_DOWN:
        op.execute(statement)
    op.create_index("ix_assignment_open_due", "assignment", ["status", "agency_id"], unique=False)
    for name in _INDEXES:
        op.drop_index(name, table_name="assignment")
    with op.batch_alter_table("assignment") as batch:
        batch.drop_column("deadline")
