"""The open targets a sweep or an escalation pass plans, read a chunk of agencies at a
time: what is held grows with the chunk, not with the store."""

from bisect import bisect_right
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import col

from domain.reminders import OpenTarget
from models.tables import Assignment
from services.reminders.load import Store, assignment_targets, rows_among, rows_of
from services.unit_of_work import UnitOfWork

# What assignments_wanted gives: a select, or a union of two.
Wanted = sa.Select[Any] | sa.CompoundSelect[Any]
# Some agencies' targets, with the next_step_on each assignment was read with.
Chunks = AsyncIterator[tuple[list[OpenTarget], dict[int, date | None]]]


async def agency_chunks(
    session: UnitOfWork,
    statement: Wanted,
    *,
    store: Store,
    size: int,
    by_id: sa.Select[Any] | None = None,
) -> Chunks:
    """The assignments `statement` finds, some `size` at a time, each agency whole
    (assignment_chunks, which reads them again `by_id` if given), joined by the report
    periods and indicators of their agencies (few, read whole into the store); those of
    agencies after the last assignment's come last."""
    others = sorted(store.targets, key=lambda t: t.agency_id)
    async for targets, seen in assignment_chunks(
        session, statement, store=store, size=size, by_id=by_id
    ):
        taken = bisect_right(others, targets[-1].agency_id, key=lambda t: t.agency_id)
        targets.extend(others[:taken])
        del others[:taken]
        yield targets, seen
    if others:
        yield others, {}


async def assignment_chunks(
    session: UnitOfWork,
    statement: Wanted,
    *,
    store: Store,
    size: int,
    by_id: sa.Select[Any] | None = None,
) -> Chunks:
    """The assignments `statement` (assignments_wanted) finds, some `size` at a time, each
    agency's all in one chunk, by agency: one person's reminders are all in one chunk, so
    a chunked sweep still bundles them in one message. Read as a stream, so what is held
    grows with the chunk, not with the store.

    With `by_id` (the same assignments found by id: assignments_wanted without step_by),
    on PostgreSQL: their ids first, then each chunk by its ids (_chunks_by_id)."""
    connection = await session.connection()
    if by_id is not None and connection.dialect.name == "postgresql":
        async for chunk in _chunks_by_id(session, statement, by_id, store=store, size=size):
            yield chunk
        return
    # Found first, then sorted: asked for them in agency order, SQLite walks an index of
    # every open assignment (by agency, or by deadline) instead of the few due ones.
    due = statement.cte("due").prefix_with("MATERIALIZED")
    result = await connection.stream(
        sa.select(due).order_by(due.c.agency_id, due.c.id).execution_options(yield_per=size)
    )
    pending: list[Sequence[Any]] = []
    async for partition in result.partitions(size):
        pending.extend(partition)
        if len(pending) < size:
            continue
        # Up to the last agency boundary; the last agency's rows may go on in the next part.
        cut = len(pending)
        last = pending[-1][1]
        while cut and pending[cut - 1][1] == last:
            cut -= 1
        if cut:
            yield assignment_targets(pending[:cut], policies=store.policies)
            del pending[:cut]
    if pending:
        yield assignment_targets(pending, policies=store.policies)


async def _chunks_by_id(
    session: UnitOfWork,
    statement: Wanted,
    by_id: sa.Select[Any],
    *,
    store: Store,
    size: int,
) -> Chunks:
    """assignment_chunks on PostgreSQL: the ids `statement` finds, one row an agency, read
    whole; then the assignments of some `size` ids at a time, each agency whole, by `by_id`.

    The server runs the first read on parallel workers, which it never does for a cursor
    (a portal read some rows at a time): at a million assignments the first chunk came
    after 1.2 s of a cursor's serial read and sort, against 0.45 s for the ids (bench.sweep).
    What is held is an int per due assignment, not its row. A chunk read by id reads it as
    it stands then: one that closed since the ids were read is no longer found."""
    due = statement.subquery("due")
    by_agency = await rows_of(
        session,
        sa.select(
            due.c.agency_id, sa.func.array_agg(postgresql.aggregate_order_by(due.c.id, due.c.id))
        )
        .group_by(due.c.agency_id)
        .order_by(due.c.agency_id),
    )
    ids: list[int] = []
    for index, (_agency_id, theirs) in enumerate(by_agency):
        ids.extend(theirs)
        if len(ids) >= size or index == len(by_agency) - 1:
            rows = [
                row
                async for part in rows_among(session, by_id, col(Assignment.id), ids)
                for row in part
            ]
            # In the order a cursor gives them (assignment_chunks): by agency, then id.
            rows.sort(key=lambda row: (row[1], row[0]))
            ids = []
            if rows:
                yield assignment_targets(rows, policies=store.policies)
