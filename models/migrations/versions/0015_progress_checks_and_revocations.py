"""Progress is a percent in the store too; a revoked chat is remembered

assignment, occurrence and statuschange refuse a progress outside 0..100 (CHECK), whatever
wrote it; revocation remembers the chats of a revoked person, so that an invite issued
before the revocation cannot register them again.

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0015"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHECKS = {
    "assignment": {"ck_assignment_progress": "progress BETWEEN 0 AND 100"},
    "occurrence": {"ck_occurrence_progress": "progress BETWEEN 0 AND 100"},
    "statuschange": {
        "ck_statuschange_from_progress": "from_progress BETWEEN 0 AND 100",
        "ck_statuschange_to_progress": "to_progress BETWEEN 0 AND 100",
    },
}


def upgrade() -> None:
    for table, checks in _CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, condition in checks.items():
                batch.create_check_constraint(name, condition)
    op.create_table(
        "revocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_revocation_chat", "revocation", ["channel", "chat_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_revocation_chat", table_name="revocation")
    op.drop_table("revocation")
    for table, checks in _CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name in checks:
                batch.drop_constraint(name, type_="check")
