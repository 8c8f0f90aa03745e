"""indicators: the plans' chỉ tiêu, their owners, checkpoint targets and reported values

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("indicator_cadence", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("indicator_report_day", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("indicator_margin", sa.String(length=40), nullable=True))

    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("table_prefix", sa.String(length=20), nullable=False),
        sa.Column("table_title", sa.Text(), nullable=False),
        sa.Column("group_name", sa.Text(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("parent_key", sa.String(length=60), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source_file", sa.String(length=300), nullable=True),
        sa.Column("unit_text", sa.String(length=120), nullable=False),
        sa.Column("unit_base", sa.String(length=120), nullable=False),
        sa.Column("unit_scale", sa.String(length=40), nullable=False),
        sa.Column("target_text", sa.Text(), nullable=False),
        sa.Column("comparison", sa.String(length=20), nullable=True),
        sa.Column("target_low", sa.String(length=40), nullable=True),
        sa.Column("target_high", sa.String(length=40), nullable=True),
        sa.Column("target_reference", sa.String(length=200), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("direction_inferred", sa.Boolean(), nullable=False),
        sa.Column("accumulation", sa.String(length=12), nullable=False),
        sa.Column("accumulation_inferred", sa.Boolean(), nullable=False),
        sa.Column("cadence", sa.String(length=20), nullable=True),
        sa.Column("is_heading", sa.Boolean(), nullable=False),
        sa.Column("owner_text", sa.Text(), nullable=False),
        sa.Column("unresolved_owners", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        _when("removed_at", nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "key", name="uq_indicator_key"),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "indicatorowner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("inherited", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", "agency_id", name="uq_indicator_owner"),
    )
    with op.batch_alter_table("indicatorowner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicatorowner_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_indicatorowner_indicator_id"), ["indicator_id"], unique=False
        )

    op.create_table(
        "indicatorcheckpointtarget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("target_text", sa.Text(), nullable=False),
        sa.Column("comparison", sa.String(length=20), nullable=True),
        sa.Column("low", sa.String(length=40), nullable=True),
        sa.Column("high", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", "months", name="uq_indicator_checkpoint"),
    )
    with op.batch_alter_table("indicatorcheckpointtarget", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicatorcheckpointtarget_indicator_id"),
            ["indicator_id"],
            unique=False,
        )

    op.create_table(
        "indicatorvalue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_key", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=True),
        sa.Column("estimate", sa.Boolean(), nullable=False),
        sa.Column("written", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        _when("reported_at"),
        sa.Column("source_message_id", sa.String(length=120), nullable=True),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"]),
        sa.ForeignKeyConstraint(["reported_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_message_id"),
    )
    with op.batch_alter_table("indicatorvalue", schema=None) as batch_op:
        batch_op.create_index(
            "ix_indicatorvalue_checkpoint", ["indicator_id", "checkpoint_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_indicatorvalue_reported_by_id"), ["reported_by_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("indicatorvalue")
    op.drop_table("indicatorcheckpointtarget")
    op.drop_table("indicatorowner")
    op.drop_table("indicator")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("indicator_margin")
        batch_op.drop_column("indicator_report_day")
        batch_op.drop_column("indicator_cadence")
