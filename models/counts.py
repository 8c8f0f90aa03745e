"""Counts the store keeps of itself, so that a read of them costs what the answer holds.

`overdue_count` holds, per agency, how many open lead assignments have a deadline in force
before `overdue_day.day`: database triggers on assignment keep it in the statement that
changes one (migration 0019), and services.overdue_counts moves the day forward (or back)
by adding the assignments whose deadline lies between the old day and the new one. /overdue
counts on another day by reading those counts and only the assignments due between.

`statistic_count` holds /thongke's four buckets counted ahead per agency and per plan, by
quarter (migration 0020; services.statistic_counts reads them), and `statistic_total` their
sums for the counted day's quarter, six months and year (migration 0021).
"""

from datetime import date

from sqlmodel import Field, SQLModel

# The zone the kept statistics date completions in until told otherwise (migration 0020).
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_OFFSET = 7 * 3600


class OverdueCount(SQLModel, table=True):
    """How many open lead assignments of an agency were overdue on `OverdueDay.day`."""

    __tablename__ = "overdue_count"

    agency_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    n: int = 0


class OverdueDay(SQLModel, table=True):
    """The one day `OverdueCount` and `StatisticCount` count against (NULL, or no row: not
    counted yet), and the zone completions are dated in (`utc_offset`: its offset in
    seconds, which SQLite's triggers use)."""

    __tablename__ = "overdue_day"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    day: date | None = None
    zone: str = Field(default=DEFAULT_ZONE, max_length=64)
    utc_offset: int = DEFAULT_OFFSET


class StatisticCount(SQLModel, table=True):
    """How many counted rows of the store fall in one cell of /thongke's statistics
    (migration 0020): for an agency (`dim` "a") or a plan ("p"), against the original
    (`which` "o"), the extended deadline ("e") or both, being the same day ("b"); done
    (`kind` "d": `q` the quarter of the local completion day, `flag` completed by the
    deadline) or open ("o": `flag` due before `OverdueDay.day`, `q` the deadline's quarter,
    0 if so). A quarter is year * 4 + 0..3."""

    __tablename__ = "statistic_count"
    __table_args__ = {"sqlite_with_rowid": False}

    dim: str = Field(primary_key=True, max_length=1)
    key: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    which: str = Field(primary_key=True, max_length=1)
    kind: str = Field(primary_key=True, max_length=1)
    q: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    flag: bool = Field(primary_key=True)
    n: int = 0


class StatisticTotal(SQLModel, table=True):
    """The eight figures of /thongke's statistics (done on time, done late, open in time,
    open overdue against the original deadline, then against the extended one) of an agency
    (`dim` "a") or a plan ("p") for the quarter (`span` "q"), six months ("h") or year ("y")
    of `OverdueDay.day`, summed from `StatisticCount` (migration 0021); `later`: its work
    completed after that day's quarter, which the figures cannot place."""

    __tablename__ = "statistic_total"
    __table_args__ = {"sqlite_with_rowid": False}

    span: str = Field(primary_key=True, max_length=1)
    dim: str = Field(primary_key=True, max_length=1)
    key: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    o0: int
    o1: int
    o2: int
    o3: int
    e0: int
    e1: int
    e2: int
    e3: int
    later: int
