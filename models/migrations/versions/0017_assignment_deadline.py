"""assignment.deadline: the deadline in force on the assignment, kept by triggers, and
partial indexes of open work by deadline and by agency; assignment.next_step_on: the day
an incremental sweep must next look at it

/overdue counted what is overdue per agency by joining every assignment to its task: a
scan of both tables on every call, however little was overdue. With the deadline on the
assignment, an index of open assignments by deadline answers "open and due before D" by
reading only those rows. The sweep reads the targets within its reach the same way.

The copy is kept by the database in the statement that changes it (an assignment inserted,
moved to another task or given an extension; a task's due date, removal or restating
changed), so no writer can forget it: NULL when the task is removed or restates another
(those are never overdue nor reminded), else the deadline in force, an approved
extension's (0012) or else the task's due date. Open work includes work awaiting the
office's confirmation (0014): still overdue, though not reminded.

next_step_on is the day of the assignment's next reminder step, written by the sweep after
it planned the assignment; NULL means "plan it at the next sweep". Triggers set it to NULL
whenever what the plan depends on changes, in the statement that changes it: the
assignment's status, role, agency, extension or deadline; a snooze of it; a person
registering in its agency (or any coordinator, leader or administrator registering); a
person moving, leaving or changing role; its plan's reminder policy or hub. The sweep then reads only the open
assignments whose step has come (services.reminders.sweep).

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-06 11:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "status IN ('not_started', 'in_progress', 'blocked', 'awaiting')"
_INDEXES = {
    "ix_assignment_open_deadline": ["deadline", "agency_id", "role", "status"],
    "ix_assignment_open_agency": ["agency_id", "deadline", "role", "status"],
    "ix_assignment_next_step": ["next_step_on", "deadline"],
}
# The deadline in force of an assignment whose extended_due_date is `e`, of task row `t`:
# an approved extension's (0012), else the task's.
_OF_TASK = (
    "CASE WHEN {t}.removed OR {t}.same_as_task_id IS NOT NULL THEN NULL "
    "ELSE coalesce({e}, {t}.due_date) END"
)

_POSTGRES_UP = [
    f"""
CREATE FUNCTION assignment_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {_OF_TASK.format(t="task", e="NEW.extended_due_date")} INTO NEW.deadline
        FROM task WHERE task.id = NEW.task_id;
    RETURN NEW;
END $$
""",
    """
CREATE TRIGGER assignment_deadline
    BEFORE INSERT OR UPDATE OF task_id, extended_due_date ON assignment
    FOR EACH ROW EXECUTE FUNCTION assignment_deadline()
""",
    f"""
CREATE FUNCTION task_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assignment SET deadline = {_OF_TASK.format(t="NEW", e="extended_due_date")}
        WHERE task_id = NEW.id;
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
# Who receives an assignment's reminders changed: an officer registering in or moving to
# its agency (the agency's assignments, by its index), or a coordinator, leader or
# administrator (notices and escalations: every planned open assignment, by the partial
# index; rare).
_AGENCY_REPLAN = (
    "UPDATE assignment SET next_step_on = NULL "
    "WHERE agency_id = {agency} AND next_step_on IS NOT NULL"
)
_ALL_REPLAN = (
    f"UPDATE assignment SET next_step_on = NULL WHERE next_step_on IS NOT NULL AND {_OPEN}"
)
_REPLAN_POLICY = (
    "UPDATE assignment SET next_step_on = NULL "
    "WHERE task_id IN (SELECT id FROM task WHERE plan_id = NEW.id)"
)
_REPLAN_SNOOZED = (
    "UPDATE assignment SET next_step_on = NULL "
    "WHERE NEW.target LIKE 'a:%' AND id = CAST(substr(NEW.target, 3) AS INTEGER)"
)
_ASSIGNMENT_CHANGED = (
    "OLD.status IS DISTINCT FROM NEW.status OR OLD.deadline IS DISTINCT FROM NEW.deadline "
    "OR OLD.role IS DISTINCT FROM NEW.role OR OLD.agency_id IS DISTINCT FROM NEW.agency_id "
    "OR OLD.extended_due_date IS DISTINCT FROM NEW.extended_due_date"
)


def _postgres_replan(name: str, table: str, event: str, body: str, when: str = "") -> list[str]:
    return [
        f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body};
    RETURN NULL;
END $$
""",
        f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} "
        f"EXECUTE FUNCTION {name}()",
    ]


_POSTGRES_UP += [
    """
CREATE FUNCTION assignment_replan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.next_step_on := NULL;
    RETURN NEW;
END $$
""",
    "CREATE TRIGGER assignment_replan BEFORE UPDATE OF status, deadline, role, agency_id, "
    f"extended_due_date ON assignment FOR EACH ROW WHEN ({_ASSIGNMENT_CHANGED}) "
    "EXECUTE FUNCTION assignment_replan()",
    *_postgres_replan("snooze_replan", "snooze", "INSERT OR UPDATE", _REPLAN_SNOOZED),
    *_postgres_replan(
        "chatidentity_replan",
        "chatidentity",
        "INSERT",
        "IF (SELECT role FROM person WHERE id = NEW.person_id) = 'officer' THEN "
        + _AGENCY_REPLAN.format(agency="(SELECT agency_id FROM person WHERE id = NEW.person_id)")
        + "; ELSE "
        + _ALL_REPLAN
        + "; END IF",
    ),
    *_postgres_replan(
        "person_replan",
        "person",
        "UPDATE OF agency_id, active, role",
        "IF NEW.role = 'officer' AND OLD.role = 'officer' THEN "
        + _AGENCY_REPLAN.format(agency="NEW.agency_id")
        + "; ELSE "
        + _ALL_REPLAN
        + "; END IF",
    ),
    *_postgres_replan("plan_replan", "plan", "UPDATE OF reminder_policy, hub_agency_id", _REPLAN_POLICY),
]
_POSTGRES_DOWN = [
    *(
        statement
        for name, table in (
            ("plan_replan", "plan"),
            ("person_replan", "person"),
            ("chatidentity_replan", "chatidentity"),
            ("snooze_replan", "snooze"),
            ("assignment_replan", "assignment"),
        )
        for statement in (f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()")
    ),
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
        SELECT {_OF_TASK.format(t="task", e="NEW.extended_due_date")}
        FROM task WHERE task.id = NEW.task_id
    ) WHERE id = NEW.id;
END
""",
    f"""
CREATE TRIGGER assignment_deadline_update AFTER UPDATE OF task_id, extended_due_date
ON assignment BEGIN
    UPDATE assignment SET deadline = (
        SELECT {_OF_TASK.format(t="task", e="NEW.extended_due_date")}
        FROM task WHERE task.id = NEW.task_id
    ) WHERE id = NEW.id;
END
""",
    f"""
CREATE TRIGGER task_deadline AFTER UPDATE OF due_date, removed, same_as_task_id ON task
BEGIN
    UPDATE assignment SET deadline = {_OF_TASK.format(t="NEW", e="extended_due_date")}
        WHERE task_id = NEW.id;
END
""",
]
_SQLITE_UP += [
    "CREATE TRIGGER assignment_replan AFTER UPDATE OF status, deadline, role, agency_id, "
    f"extended_due_date ON assignment WHEN {_ASSIGNMENT_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} BEGIN "
    "UPDATE assignment SET next_step_on = NULL WHERE id = NEW.id; END",
    f"CREATE TRIGGER snooze_replan_insert AFTER INSERT ON snooze BEGIN {_REPLAN_SNOOZED}; END",
    f"CREATE TRIGGER snooze_replan_update AFTER UPDATE ON snooze BEGIN {_REPLAN_SNOOZED}; END",
    "CREATE TRIGGER chatidentity_replan_officer AFTER INSERT ON chatidentity "
    "WHEN (SELECT role FROM person WHERE id = NEW.person_id) = 'officer' BEGIN "
    + _AGENCY_REPLAN.format(agency="(SELECT agency_id FROM person WHERE id = NEW.person_id)")
    + "; END",
    "CREATE TRIGGER chatidentity_replan_others AFTER INSERT ON chatidentity "
    "WHEN (SELECT role FROM person WHERE id = NEW.person_id) IS NOT 'officer' "
    f"BEGIN {_ALL_REPLAN}; END",
    "CREATE TRIGGER person_replan_officer AFTER UPDATE OF agency_id, active, role ON person "
    "WHEN NEW.role = 'officer' AND OLD.role = 'officer' BEGIN "
    + _AGENCY_REPLAN.format(agency="NEW.agency_id")
    + "; END",
    "CREATE TRIGGER person_replan_others AFTER UPDATE OF agency_id, active, role ON person "
    f"WHEN NEW.role IS NOT 'officer' OR OLD.role IS NOT 'officer' BEGIN {_ALL_REPLAN}; END",
    "CREATE TRIGGER plan_replan AFTER UPDATE OF reminder_policy, hub_agency_id ON plan "
    f"BEGIN {_REPLAN_POLICY}; END",
]
_SQLITE_DOWN = [
    "DROP TRIGGER plan_replan",
    "DROP TRIGGER person_replan_others",
    "DROP TRIGGER person_replan_officer",
    "DROP TRIGGER chatidentity_replan_others",
    "DROP TRIGGER chatidentity_replan_officer",
    "DROP TRIGGER snooze_replan_update",
    "DROP TRIGGER snooze_replan_insert",
    "DROP TRIGGER assignment_replan",
    "DROP TRIGGER task_deadline",
    "DROP TRIGGER assignment_deadline_update",
    "DROP TRIGGER assignment_deadline_insert",
]


def upgrade() -> None:
    op.add_column("assignment", sa.Column("deadline", sa.Date(), nullable=True))
    op.add_column("assignment", sa.Column("next_step_on", sa.Date(), nullable=True))
    op.execute(
        "UPDATE assignment SET deadline = ("
        f"SELECT {_OF_TASK.format(t='task', e='assignment.extended_due_date')} "
        "FROM task WHERE task.id = assignment.task_id)"
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
        batch.drop_column("next_step_on")
        batch.drop_column("deadline")
