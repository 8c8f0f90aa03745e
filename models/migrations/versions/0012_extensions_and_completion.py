"""Extensions and completion time on assignments and report periods

An approved extension sets extended_due_date (the task's or the period's due_date stays the
original deadline) and counts in extension_count; completed_at is when the work was reported
complete, so the official statistics can tell on-time from late completion without reading
the history. Existing completed rows take the time of their last standing change to done.

Revision ID: 0012
Revises: 0015
Create Date: 2026-12-06 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0012"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("assignment", "occurrence")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("extended_due_date", sa.Date(), nullable=True))
            batch_op.add_column(
                sa.Column("extension_count", sa.Integer(), nullable=False, server_default="0")
            )
            batch_op.add_column(
                sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True)
            )
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("extension_count", server_default=None)
    op.execute(
        "UPDATE assignment SET completed_at = COALESCE("
        " (SELECT max(sc.at) FROM statuschange sc WHERE sc.assignment_id = assignment.id"
        "  AND sc.occurrence_id IS NULL AND sc.to_status = 'done' AND NOT sc.undone),"
        " last_update_at) WHERE status = 'done'"
    )
    op.execute(
        "UPDATE occurrence SET completed_at = COALESCE("
        " (SELECT max(sc.at) FROM statuschange sc WHERE sc.occurrence_id = occurrence.id"
        "  AND sc.to_status = 'done' AND NOT sc.undone),"
        " last_update_at) WHERE status = 'done'"
    )


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("completed_at")
            batch_op.drop_column("extension_count")
            batch_op.drop_column("extended_due_date")
