"""outbox: drop the index on chat_id alone

Every query that looks for a chat's rows also names the channel, and reads one of the
(channel, chat_id, ...) indexes. The index on chat_id alone was only written to: once when a
row is inserted and again at each change of its state, for every message sent.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 23:30:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_outbox_chat_id", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_chat_id", "outbox", ["chat_id"], unique=False)
