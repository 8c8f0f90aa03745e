"""documents and registry history: task obligation, due time and year source; agency
successors and validity; chat uploads

Tasks gain what the 2025-2026 documents need: the time of day a deadline falls due, where a
year written nowhere was taken from, and the obligation a reporting-duty row shares with the
plan text it restates (`same_as_task_id`: the row is the plan's task again and is assigned to
nobody). Agencies gain their history (successors, validity, source) so the work of a body
dissolved by the 2025 reorganisation can pass to its successor. `upload` keeps the plan files
coordinators send in chat between the preview and their answer.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_time", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("year_inferred_from", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("obligation", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("same_as_task_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_task_obligation"), ["obligation"], unique=False)
        batch_op.create_foreign_key(
            "fk_task_same_as_task_id_task", "task", ["same_as_task_id"], ["id"]
        )

    with op.batch_alter_table("agency", schema=None) as batch_op:
        # Rows loaded before this revision had no history: empty lists, open periods.
        batch_op.add_column(
            sa.Column("successors", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column(
                "successor_scopes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")
            )
        )
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=200), nullable=True))

    op.create_table(
        "upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("plan_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_chat_id"), ["chat_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_chat_id"))
    op.drop_table("upload")

    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("valid_to")
        batch_op.drop_column("valid_from")
        batch_op.drop_column("successor_scopes")
        batch_op.drop_column("successors")

    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_constraint("fk_task_same_as_task_id_task", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_task_obligation"))
        batch_op.drop_column("same_as_task_id")
        batch_op.drop_column("obligation")
        batch_op.drop_column("year_inferred_from")
        batch_op.drop_column("due_time")
