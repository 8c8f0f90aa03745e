"""reminderledger keyed by its exactly-once key; assignment without its redundant task index

- The ledger's primary key becomes (target, recipient_id, kind), the key that makes each
  reminder exactly-once (uq_reminder_once until now), and its serial id goes. Nothing read
  the id: every read of the ledger is by target. Each ledger row cost a sequence number
  and an entry in a second index besides the key's; a day's first sweep at a million
  assignments writes some 460,000 of them, and on PostgreSQL the two took about a tenth
  of the server's time for that sweep (bench.sweep).
- Drop ix_assignment_task_id: uq_assignment (task_id, agency_id) begins with task_id and
  answers every lookup by task. Every update that moves an assignment's next step on
  (services.reminders.steps.move_on, some 115,000 a day at a million assignments) writes
  a new entry into each of the table's indexes: one fewer to write.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ["target", "recipient_id", "kind"]


def upgrade() -> None:
    op.drop_index("ix_assignment_task_id", table_name="assignment")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("reminderledger_pkey", "reminderledger", type_="primary")
        op.drop_column("reminderledger", "id")
        op.drop_constraint("uq_reminder_once", "reminderledger", type_="unique")
        op.create_primary_key("reminderledger_pkey", "reminderledger", _KEY)
        return
    with op.batch_alter_table("reminderledger", recreate="always") as batch:
        batch.drop_constraint("uq_reminder_once", type_="unique")
        batch.drop_column("id")
        batch.create_primary_key("pk_reminderledger", _KEY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("reminderledger_pkey", "reminderledger", type_="primary")
        op.create_unique_constraint("uq_reminder_once", "reminderledger", _KEY)
        op.execute("ALTER TABLE reminderledger ADD COLUMN id SERIAL PRIMARY KEY")
    else:
        with op.batch_alter_table("reminderledger", recreate="always") as batch:
            batch.drop_constraint("pk_reminderledger", type_="primary")
            batch.add_column(sa.Column("id", sa.Integer(), primary_key=True))
            batch.create_unique_constraint("uq_reminder_once", _KEY)
    op.create_index("ix_assignment_task_id", "assignment", ["task_id"], unique=False)
