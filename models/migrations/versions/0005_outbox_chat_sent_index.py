"""outbox: index by chat and sent time, for the dispatcher's claim

The claim asks, per chat, whether an earlier message is still unsent (sent_at NULL) and when
the chat last got one (the per-chat rate limit); without this index both read a chat's whole
history, and the planner may scan every sent row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 18:40:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_chat_sent", "outbox", ["channel", "chat_id", "sent_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_chat_sent", table_name="outbox")
