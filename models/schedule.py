"""When the sweep must next plan each planned assignment (migration 0024)."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class AssignmentStep(SQLModel, table=True):
    """The day a planned assignment's next reminder step falls, in a narrow row of its own:
    the sweep moves some hundred thousand a day, and moving the day in the assignment row
    rewrote the row and every index of assignment (migration 0024). A trigger deletes it
    when the assignment's next_step_on goes back to NULL."""

    assignment_id: int = Field(
        sa_column=sa.Column(
            sa.Integer(),
            sa.ForeignKey("assignment.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    next_step_on: date = Field(index=True)
