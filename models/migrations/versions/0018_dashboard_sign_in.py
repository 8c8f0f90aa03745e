"""Dashboard sign-in links and sessions

A coordinator or leader asks the bot for a sign-in link (single use, short-lived) that opens
a browser session, which ends on signing out, at its expiry, or when the person is revoked.
Both are rows of one table, kept by a hash of their secret.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 11:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboardgrant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_dashboardgrant_person_id", "dashboardgrant", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_dashboardgrant_person_id", table_name="dashboardgrant")
    op.drop_table("dashboardgrant")
