"""Zalo as published: a monthly message count per bot, updates stored before they are
acknowledged; and the invited person's name

channelmonth counts each bot's messages of the month against its plan (and remembers the
80% warning and a spent quota, so coordinators are told once); inboundupdate holds a
webhook's update from before the 200 answer until it is handled; invite.name names the person
on channels that do not tell their name (the terminal).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("invite", sa.Column("name", sa.String(length=200), nullable=True))
    op.create_table(
        "channelmonth",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exhausted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "month", name="uq_channel_month"),
    )
    op.create_table(
        "inboundupdate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=160), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id"),
    )
    op.create_index(
        "ix_inboundupdate_due", "inboundupdate", ["handled_at", "next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_inboundupdate_due", table_name="inboundupdate")
    op.drop_table("inboundupdate")
    op.drop_table("channelmonth")
    with op.batch_alter_table("invite") as batch:
        batch.drop_column("name")
