"""Dashboard sign-in links and sessions

A coordinator or leader asks the bot for a sign-in link (single use, short-lived; only a hash
of its nonce is kept) that opens a browser session (only a hash of its cookie is kept), which
ends on signing out, at its expiry, or when the person is revoked.

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-06 11:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0018"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboardlink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce_hash"),
    )
    op.create_index("ix_dashboardlink_person_id", "dashboardlink", ["person_id"])
    op.create_table(
        "dashboardsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_dashboardsession_person_id", "dashboardsession", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_dashboardsession_person_id", table_name="dashboardsession")
    op.drop_table("dashboardsession")
    op.drop_index("ix_dashboardlink_person_id", table_name="dashboardlink")
    op.drop_table("dashboardlink")
