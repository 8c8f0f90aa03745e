"""Extension requests, confirmed completion with evidence, and who a blocked task waits on

extensionrequest keeps every request for more time with its decision (the assignment's
extended_due_date of 0012 is what an approval sets); completionreport keeps an officer's
"xong" that waits for the office's confirmation, with its evidence (a document reference, a
note or a stored file) and, when late, the cause; plan.confirm_completion says whether a
plan's completions wait for confirmation; assignment.blocked_by and occurrence.blocked_by
name the agency (by code) a blocked task waits on; statuschange.event tells the history
rows of these steps from plain status changes (None).

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch_op:
        batch_op.add_column(
            sa.Column("confirm_completion", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("plan") as batch_op:
        batch_op.alter_column("confirm_completion", server_default=None)
    for table in ("assignment", "occurrence"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("blocked_by", sa.String(length=40), nullable=True))
    with op.batch_alter_table("statuschange") as batch_op:
        batch_op.add_column(sa.Column("event", sa.String(length=30), nullable=True))
    op.create_table(
        "extensionrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current_due", sa.Date(), nullable=True),
        sa.Column("requested_due", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_due", sa.Date(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("source_message_id", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["occurrence_id"], ["occurrence.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_message_id"),
    )
    op.create_index(
        "ix_extensionrequest_assignment_id", "extensionrequest", ["assignment_id"], unique=False
    )
    op.create_index("ix_extensionrequest_state", "extensionrequest", ["state"], unique=False)
    op.create_table(
        "completionreport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("from_progress", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("file_path", sa.String(length=300), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("late_cause", sa.Text(), nullable=True),
        sa.Column("objective", sa.Boolean(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["occurrence_id"], ["occurrence.id"]),
        sa.ForeignKeyConstraint(["reported_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_completionreport_assignment_id", "completionreport", ["assignment_id"], unique=False
    )
    op.create_index("ix_completionreport_state", "completionreport", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_completionreport_state", table_name="completionreport")
    op.drop_index("ix_completionreport_assignment_id", table_name="completionreport")
    op.drop_table("completionreport")
    op.drop_index("ix_extensionrequest_state", table_name="extensionrequest")
    op.drop_index("ix_extensionrequest_assignment_id", table_name="extensionrequest")
    op.drop_table("extensionrequest")
    with op.batch_alter_table("statuschange") as batch_op:
        batch_op.drop_column("event")
    for table in ("assignment", "occurrence"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("blocked_by")
    with op.batch_alter_table("plan") as batch_op:
        batch_op.drop_column("confirm_completion")
