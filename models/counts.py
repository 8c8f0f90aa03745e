"""Counts the store keeps of itself, so that a read of them costs what the answer holds.

`overdue_count` holds, per agency, how many open lead assignments have a deadline in force
before `overdue_day.day`: database triggers on assignment keep it in the statement that
changes one (migration 0019), and services.overdue_counts moves the day forward (or back)
by adding the assignments whose deadline lies between the old day and the new one. /overdue
counts on another day by reading those counts and only the assignments due between.
"""

from datetime import date

from sqlmodel import Field, SQLModel


class OverdueCount(SQLModel, table=True):
    """How many open lead assignments of an agency were overdue on `OverdueDay.day`."""

    __tablename__ = "overdue_count"

    agency_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    n: int = 0


class OverdueDay(SQLModel, table=True):
    """The one day `OverdueCount` counts against; NULL (or no row): not counted yet."""

    __tablename__ = "overdue_day"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    day: date | None = None
