"""The overdue counts the store keeps per agency (models.counts, migration 0019): moving the
day they count against, recounting them, and reading them for any day.

Triggers keep `overdue_count` right as assignments change; what changes with time alone is
which deadlines are past. The sweep moves the counted day to today (`count_overdue_on`),
adding the assignments whose deadline lies between the old day and the new one: a day's
worth of them. /overdue on a day reads the counts and the assignments due between that day
and the counted one (`overdue_count_rows`), so it reads a row per agency and about a day's
deadlines, however large the store has grown.

An agency's count is one row: a transaction that changes its overdue work holds that row
until it ends, so two writers changing the same agency's overdue work wait for each other
(PostgreSQL ends one of two that would wait on each other's agencies in opposite orders, a
deadlock; both changing many agencies' overdue work at once is rare: an import, a task's
due date moving).
"""

from collections.abc import Sequence
from datetime import date, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from models.counts import OverdueCount, OverdueDay
from models.enums import AssignmentRole
from models.tables import Assignment, open_work
from services.statistic_counts import date_completions_in, recount_statistics
from services.unit_of_work import UnitOfWork


def _overdue(*terms: Any) -> Any:
    """Open lead assignments with their deadline in force meeting `terms`."""
    return sa.and_(
        col(Assignment.role) == AssignmentRole.LEAD.value,
        open_work(col(Assignment.status)),
        *terms,
    )


async def counted_day(session: UnitOfWork) -> date | None:
    """The day the kept counts count against; None before they were first counted."""
    found = await session.exec(select(col(OverdueDay.day)).where(col(OverdueDay.id) == 1))
    return found.first()


async def _hold_writers(session: UnitOfWork) -> None:
    """Keep assignments, report periods and tasks from changing until this transaction ends
    (PostgreSQL; SQLite has one writer at a time): a trigger deciding by the old day while
    the counts move to the new one would count a row twice or not at all (the overdue
    counts read assignments, the kept statistics all three). The mode conflicts with
    itself, so two sweeps cannot move the day together either."""
    if (await session.connection()).dialect.name == "postgresql":
        await session.exec(
            sa.text("LOCK TABLE assignment, occurrence, task IN SHARE ROW EXCLUSIVE MODE")  # type: ignore[call-overload]
        )


async def _set_day(session: UnitOfWork, day: date) -> None:
    moved = await session.exec(
        sa.update(OverdueDay).where(col(OverdueDay.id) == 1).values(day=day)
    )
    if not moved.rowcount:
        session.add(OverdueDay(id=1, day=day))
        await session.flush()


def _add_counts(dialect: str, rows: Any) -> Any:
    """Add (agency_id, n) rows to the kept counts."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(OverdueCount)
    statement = insert.from_select(["agency_id", "n"], rows)
    return statement.on_conflict_do_update(
        index_elements=[col(OverdueCount.agency_id)],
        set_={"n": col(OverdueCount.n) + statement.excluded.n},
    )


async def count_overdue_on(session: UnitOfWork, *, day: date, tz: tzinfo | None = None) -> bool:
    """Make the kept counts count what is overdue on `day` (and, given the configured zone,
    date completions in it: services.statistic_counts); whether the day moved."""
    moved = await _move_day(session, day=day)
    if tz is not None:
        await date_completions_in(session, tz, on=day)
    return moved


async def _move_day(session: UnitOfWork, *, day: date) -> bool:
    if await counted_day(session) == day:
        return False
    await _hold_writers(session)
    before = await counted_day(session)
    if before == day:
        return False
    if before is None:
        await _recount(session, day=day)
        return True
    low, high = min(before, day), max(before, day)
    # Later: what fell due in between is overdue too; earlier: it is not yet.
    sign = 1 if day > before else -1
    deadline = col(Assignment.deadline)
    between = (
        select(col(Assignment.agency_id), sa.func.count() * sign)
        .where(_overdue(deadline >= low, deadline < high))
        .group_by(col(Assignment.agency_id))
    )
    dialect = (await session.connection()).dialect.name
    await session.exec(_add_counts(dialect, between))
    await _set_day(session, day)
    return True


async def _recount(session: UnitOfWork, *, day: date) -> None:
    await session.exec(sa.delete(OverdueCount))
    overdue = (
        select(col(Assignment.agency_id), sa.func.count())
        .where(_overdue(col(Assignment.deadline) < day))
        .group_by(col(Assignment.agency_id))
    )
    await session.exec(sa.insert(OverdueCount).from_select(["agency_id", "n"], overdue))
    await _set_day(session, day)


async def recount_overdue(session: UnitOfWork) -> date | None:
    """Count the kept counts (and the kept statistics) again from the store, on the day they
    count against (a repair: the triggers keep them right); that day, None if they were
    never counted."""
    await _hold_writers(session)
    day = await counted_day(session)
    if day is not None:
        await _recount(session, day=day)
    await recount_statistics(session)
    return day


def overdue_count_rows(*, as_of: date, agency_ids: Sequence[int] | None) -> list[Any]:
    """Selects of (agency_id, n) whose sum per agency is its open lead assignments overdue
    on `as_of` (of the agencies named, if any): the kept counts, plus those due from the
    counted day up to `as_of`, less those due from `as_of` up to the counted day.

    The counted day is read in the same statement as the counts, so a sweep moving it in
    between cannot be half seen. Until the counts were first counted there are none, and
    everything due before `as_of` is read.
    """
    day = select(col(OverdueDay.day)).where(col(OverdueDay.id) == 1).scalar_subquery()
    deadline = col(Assignment.deadline)
    kept: Any = select(col(OverdueCount.agency_id).label("agency_id"), col(OverdueCount.n))
    since = sa.func.coalesce(day, sa.literal(date.min, sa.Date))
    later: Any = select(col(Assignment.agency_id), sa.literal(1)).where(
        _overdue(deadline >= since, deadline < as_of)
    )
    earlier: Any = select(col(Assignment.agency_id), sa.literal(-1)).where(
        _overdue(deadline >= as_of, deadline < day)
    )
    if agency_ids is not None:
        kept = kept.where(col(OverdueCount.agency_id).in_(agency_ids))
        later = later.where(col(Assignment.agency_id).in_(agency_ids))
        earlier = earlier.where(col(Assignment.agency_id).in_(agency_ids))
    return [kept, later, earlier]
