"""reminderledger and outbox: cheaper to write a day's reminders into

- Drop ix_reminder_kind (kind, target, recipient_id). Since the escalation reads its ledger
  rows by target (services.reminders.load.ledger_rows, a `kind || ''` filter that no index
  serves), nothing reads the ledger by kind: every read is by target, which
  uq_reminder_once (target, recipient_id, kind) answers, as it did before. The index was
  only written to, once per ledger row: on PostgreSQL a fifth of the time a 1,000,000
  assignment store's day's first sweep spent inserting its 460,000 ledger rows.
- On PostgreSQL, compress new outbox payloads with lz4 instead of pglz (where the server
  has lz4): a reminder's payload is some 9 KB of JSON, which pglz compressed at a third of
  the cost of inserting the whole outbox row; lz4 does it in a fraction of that, for
  payloads some 20% larger (still stored in line). Rows written before keep their pglz
  payloads, which read as they did.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-06 20:10:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0022"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _has_lz4() -> bool:
    """Whether this PostgreSQL server was built with lz4."""
    return bool(
        op.get_bind()
        .exec_driver_sql(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        .first()
    )


def upgrade() -> None:
    op.drop_index("ix_reminder_kind", table_name="reminderledger")
    if op.get_bind().dialect.name == "postgresql" and _has_lz4():
        op.execute("ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION default")
    op.create_index(
        "ix_reminder_kind", "reminderledger", ["kind", "target", "recipient_id"], unique=False
    )
