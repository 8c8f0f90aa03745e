"""reminder ledger: index by kind, for the sweep's read of the kinds that are due

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 18:10:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_reminder_kind", "reminderledger", ["kind", "target", "recipient_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_reminder_kind", table_name="reminderledger")
