"""reminderledger: drop the index on recipient_id

No query looks the ledger up by recipient: sweeps read it by kind (ix_reminder_kind) and by
target (uq_reminder_once), and people are deactivated, never deleted, so the foreign key
never searches it either. The index was only written to, once per reminder: about a quarter
of the time SQLite spends writing a day's reminders.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 02:00:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_reminderledger_recipient_id", table_name="reminderledger")


def downgrade() -> None:
    op.create_index(
        "ix_reminderledger_recipient_id", "reminderledger", ["recipient_id"], unique=False
    )
