"""assignmentstep: the day of each planned assignment's next reminder step, in a narrow
table of its own

The sweep moves the next step of every assignment it planned, some 115,000 a day at a
million assignments. next_step_on is indexed, so each move was a new version of the whole
assignment row and a new entry in each of its six indexes: about a quarter of the
server's time for a day's first sweep (bench.sweep). The day now lives in assignmentstep
(assignment_id, next_step_on), one narrow row per planned assignment, indexed by day; a
move rewrites that row and its two index entries.

assignment.next_step_on stays as the mark of a planned assignment: NULL means "plan it at
the next sweep", as before, and every trigger of 0017 that sets it back to NULL still
does. The sweep writes it (with the first day) only when it plans an assignment that was
not planned, and a trigger deletes the assignment's step when the mark goes back to NULL,
in the same statement. The sweep reads the assignments whose mark is NULL by the index of
0017 and those whose step has come by assignmentstep's index (services.reminders.load).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNPLANNED = "OLD.next_step_on IS NOT NULL AND NEW.next_step_on IS NULL"
_FORGET = "DELETE FROM assignmentstep WHERE assignment_id = NEW.id"


def upgrade() -> None:
    op.create_table(
        "assignmentstep",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("next_step_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assignment_id"),
    )
    op.create_index("ix_assignmentstep_next_step_on", "assignmentstep", ["next_step_on"])
    # Every planned open assignment keeps its day.
    op.execute(
        "INSERT INTO assignmentstep (assignment_id, next_step_on) "
        "SELECT id, next_step_on FROM assignment WHERE next_step_on IS NOT NULL"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION assignment_unplanned() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_FORGET}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER assignment_unplanned AFTER UPDATE ON assignment FOR EACH ROW "
            f"WHEN ({_UNPLANNED}) EXECUTE FUNCTION assignment_unplanned()"
        )
    else:
        op.execute(
            "CREATE TRIGGER assignment_unplanned AFTER UPDATE ON assignment "
            f"WHEN {_UNPLANNED} BEGIN {_FORGET}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER assignment_unplanned ON assignment")
        op.execute("DROP FUNCTION assignment_unplanned()")
    else:
        op.execute("DROP TRIGGER assignment_unplanned")
    # The planned assignments take their day back.
    op.execute(
        "UPDATE assignment SET next_step_on = (SELECT next_step_on FROM assignmentstep "
        "WHERE assignmentstep.assignment_id = assignment.id) "
        "WHERE next_step_on IS NOT NULL"
    )
    op.drop_index("ix_assignmentstep_next_step_on", table_name="assignmentstep")
    op.drop_table("assignmentstep")
