"""The weekly summary's reading of the store, a chunk of items at a time.

`build_weekly_summary` reads the lead assignments in scope in chunks of CHUNK (keyset pages
by assignment id): each chunk's items (a recurring duty's started occurrences with it), the
few changes of those items the summary reads and their cooperating agencies, in a few
set-based statements, and hands them to `domain.summary.SummaryTally`. What a chunk leaves
behind is each agency's counts, the first blocked and upcoming items, and its items' states
spilled in order to a temporary file (services.spool) for the spreadsheet; so the memory a
summary takes grows with the chunk and the agencies, not with the store. The definitions of
every figure are in domain/summary.py.
"""

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.status import Status
from domain.summary import (
    ChangeRow,
    Figures,
    ItemRow,
    ItemState,
    SummaryScope,
    SummaryTally,
    WeeklySummary,
    week_start,
)
from models.enums import AssignmentRole
from models.tables import (
    ASSIGNMENT_DUE,
    PERIOD_DUE,
    Agency,
    Assignment,
    Occurrence,
    Person,
    Plan,
    StatusChange,
    SummarySnapshot,
    Task,
)
from services.report_config import ReportConfig
from services.spool import SortedSpool
from services.unit_of_work import UnitOfWork

# Lead assignments read at a time: a few MiB of rows, states and changes.
CHUNK = 5_000
# A chunk: the first and last lead assignment id it covers (None: every id from the first).
Chunk = tuple[int, int | None]
# Status by stored value: a dictionary look-up is several times cheaper than Status(value),
# and a summary makes one for each item and change, and again for each row it writes.
_STATUS = {status.value: status for status in Status}

# Plain columns rather than whole rows: a summary reads tens of thousands of them.
_ITEM_COLUMNS: tuple[Any, ...] = (Assignment.id, Task.id, Task.plan_id, Task.code, Task.title)
_DIRECT_COLUMNS: tuple[Any, ...] = (
    *_ITEM_COLUMNS,
    ASSIGNMENT_DUE,
    Task.due_text,
    Agency.code,
    Agency.name,
    Assignment.status,
    Assignment.progress,
    Assignment.blocked_reason,
    Assignment.last_update_at,
    Assignment.blocked_by,
)
_PERIODIC_COLUMNS: tuple[Any, ...] = (
    *_ITEM_COLUMNS,
    PERIOD_DUE,
    Task.due_text,
    Agency.code,
    Agency.name,
    Occurrence.status,
    Occurrence.progress,
    Occurrence.blocked_reason,
    Occurrence.last_update_at,
    Occurrence.id,
    Occurrence.period_label,
    Occurrence.blocked_by,
)
_CHANGE_COLUMNS: tuple[Any, ...] = (
    StatusChange.id,
    StatusChange.assignment_id,
    StatusChange.occurrence_id,
    StatusChange.at,
    StatusChange.from_status,
    StatusChange.to_status,
    StatusChange.from_progress,
    StatusChange.to_progress,
    StatusChange.note,
    StatusChange.undone,
)


async def _all(session: UnitOfWork, statement: Any) -> Sequence[Any]:
    """Plain rows of a column query, run on the session's connection: the ORM's loading
    adds nothing to a few columns and cost some 10 us a row (1.3 s of the national
    summary's 10). Writes the unit of work queued went out with the first chunk's bounds,
    which `_chunks` reads through the session before any of these."""
    connection = await session.connection()
    return (await connection.execute(statement)).all()


def _scope_filters(scope: SummaryScope) -> list[Any]:
    filters: list[Any] = [
        col(Assignment.role) == AssignmentRole.LEAD.value,
        col(Task.removed).is_(False),
        col(Task.same_as_task_id).is_(None),
    ]
    if scope.plan_ids:
        filters.append(col(Task.plan_id).in_(sorted(scope.plan_ids)))
    if scope.agency_codes:
        filters.append(col(Agency.code).in_(sorted(scope.agency_codes)))
    return filters


def _in_chunk(chunk: Chunk, column: Any = Assignment.id) -> Any:
    """`column`, a lead assignment's id, falls in `chunk`."""
    first, last = chunk
    return col(column) >= first if last is None else col(column).between(first, last)


async def _chunks(session: UnitOfWork, *, scope: SummaryScope, size: int) -> AsyncIterator[Chunk]:
    """The lead assignments in scope, `size` at a time, as ranges of their ids; only each
    range's last id is read back."""
    last = 0
    while True:
        boundary = (
            await session.exec(
                select(Assignment.id)
                .join(Task, col(Task.id) == col(Assignment.task_id))
                .join(Agency, col(Agency.id) == col(Assignment.agency_id))
                .where(*_scope_filters(scope), col(Assignment.id) > last)
                .order_by(col(Assignment.id))
                .offset(size - 1)
                .limit(1)
            )
        ).first()
        if boundary is None:
            # Fewer than `size` are left (perhaps none): the last range is open-ended.
            yield last + 1, None
            return
        yield last + 1, boundary
        last = boundary


async def _load_items(
    session: UnitOfWork, *, scope: SummaryScope, today: date, chunk: Chunk
) -> list[ItemRow]:
    filters = [*_scope_filters(scope), _in_chunk(chunk)]
    recurring = select(Occurrence.assignment_id).where(_in_chunk(chunk, Occurrence.assignment_id))
    direct = await _all(
        session,
        select(*_DIRECT_COLUMNS)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(*filters, col(Assignment.id).not_in(recurring)),
    )
    periodic = await _all(
        session,
        select(*_PERIODIC_COLUMNS)
        .select_from(Occurrence)
        .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(*filters, col(Occurrence.period_start) <= today),
    )
    cooperating: dict[int, list[str]] = {}
    chunk_tasks = select(Assignment.task_id).where(
        col(Assignment.role) == AssignmentRole.LEAD.value, _in_chunk(chunk)
    )
    partner_filter = [
        col(Assignment.role) == AssignmentRole.COOPERATING.value,
        col(Assignment.task_id).in_(chunk_tasks),
    ]
    if scope.plan_ids:
        partner_filter.append(col(Task.plan_id).in_(sorted(scope.plan_ids)))
    for task_id, name in await _all(
        session,
        select(Assignment.task_id, Agency.name)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(
            *partner_filter,
            col(Task.removed).is_(False),
            col(Task.same_as_task_id).is_(None),
        )
        .order_by(col(Assignment.task_id), col(Agency.code)),
    ):
        cooperating.setdefault(task_id, []).append(name)

    def item(
        row: Sequence[Any], occurrence_id: int | None, period: str | None, blocked_by: str | None
    ) -> ItemRow:
        (aid, task_id, plan_id, code, title, due, due_text, a_code, a_name) = row[:9]
        status, progress, reason, updated = row[9:13]
        return ItemRow(
            assignment_id=aid,
            plan_id=plan_id,
            task_code=code,
            task_title=title,
            agency_code=a_code,
            agency_name=a_name,
            status=_STATUS[status],
            progress=progress,
            due_date=due,
            due_text=due_text,
            occurrence_id=occurrence_id,
            period_label=period,
            blocked_reason=reason,
            last_update_at=updated,
            cooperating=tuple(cooperating.get(task_id, ())),
            blocked_by=blocked_by if status == Status.BLOCKED else None,
        )

    return [item(row, None, None, row[13]) for row in direct] + [
        item(row, row[13], row[14], row[15]) for row in periodic
    ]


def _change_row(row: Sequence[Any]) -> ChangeRow:
    (change_id, aid, oid, at, from_status, to_status, from_progress, to_progress, note) = row[:9]
    return ChangeRow(
        assignment_id=aid,
        occurrence_id=oid,
        at=at,
        from_status=_STATUS[from_status],
        to_status=_STATUS[to_status],
        from_progress=from_progress,
        to_progress=to_progress,
        note=note,
        undone=row[9],
        sequence=change_id,
    )


async def _load_changes(
    session: UnitOfWork, *, scope: SummaryScope, as_of: datetime, chunk: Chunk
) -> list[ChangeRow]:
    """The few changes of each item the summary reads, not its whole history.

    `domain.summary` needs, per item (undone changes never count): its last change at or
    before `as_of` (the state and the last update), its last change to done at or before
    `as_of` (the completion date and whether it fell this week) and its first change after
    `as_of` (that there is one, and the state before it). At most three rows an item, ranked
    in SQL, give the same figures as the whole history.
    """
    item = (col(StatusChange.assignment_id), col(StatusChange.occurrence_id))
    latest = (col(StatusChange.at).desc(), col(StatusChange.id).desc())
    earliest = (col(StatusChange.at).asc(), col(StatusChange.id).asc())
    before = col(StatusChange.at) <= as_of
    wanted = (
        (before, latest),
        (sa.and_(before, col(StatusChange.to_status) == Status.DONE.value), latest),
        (col(StatusChange.at) > as_of, earliest),
    )
    found: dict[int, ChangeRow] = {}
    for condition, order in wanted:
        ranked = (
            sa.select(
                *_CHANGE_COLUMNS,
                sa.func.row_number().over(partition_by=item, order_by=order).label("rank"),
            )
            .join(Assignment, col(Assignment.id) == col(StatusChange.assignment_id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(
                *_scope_filters(scope),
                _in_chunk(chunk, StatusChange.assignment_id),
                col(StatusChange.undone).is_(False),
                condition,
            )
            .subquery()
        )
        columns = [ranked.c[column.key] for column in _CHANGE_COLUMNS]
        for row in await _all(session, select(*columns).where(ranked.c.rank == 1)):
            if row[0] not in found:
                found[row[0]] = _change_row(row)
    return list(found.values())


async def _load_activity(session: UnitOfWork, *, as_of: datetime) -> dict[str, datetime]:
    rows = await _all(
        session,
        select(Agency.code, sa.func.max(StatusChange.at))
        .select_from(StatusChange)
        .join(Person, col(Person.id) == col(StatusChange.person_id))
        .join(Agency, col(Agency.id) == col(Person.agency_id))
        .where(col(StatusChange.at) <= as_of)
        .group_by(Agency.code),
    )
    return {code: at for code, at in rows if at is not None}


async def _snapshot(session: UnitOfWork, *, week: date, scope: SummaryScope) -> Figures | None:
    stored = (
        await session.exec(
            select(SummarySnapshot.figures).where(
                SummarySnapshot.week == week, SummarySnapshot.scope == scope.key
            )
        )
    ).first()
    return Figures.from_json(stored)


async def _scope_labels(
    session: UnitOfWork, *, scope: SummaryScope
) -> tuple[list[str], list[str]]:
    plans = [
        ref or key
        for ref, key in await _all(
            session,
            select(Plan.ref, Plan.source_key)
            .where(col(Plan.id).in_(sorted(scope.plan_ids)))
            .order_by(col(Plan.id)),
        )
    ]
    agencies = [
        name
        for (name,) in await _all(
            session,
            select(Agency.name)
            .where(col(Agency.code).in_(sorted(scope.agency_codes)))
            .order_by(col(Agency.name)),
        )
    ]
    return plans, agencies


def _encode(state: ItemState) -> tuple[Any, ...]:
    row = state.row
    return (
        row.assignment_id,
        row.plan_id,
        row.task_code,
        row.task_title,
        row.agency_code,
        row.agency_name,
        row.status.value,
        row.progress,
        row.due_date,
        row.due_text,
        row.occurrence_id,
        row.period_label,
        row.blocked_reason,
        row.last_update_at,
        row.cooperating,
        row.blocked_by,
        state.status.value,
        state.progress,
        state.blocked_reason,
        state.overdue_days,
        state.done_at,
        state.last_update_at,
        state.last_note,
    )


def _decode(data: tuple[Any, ...]) -> ItemState:
    # Positional, in the order of the classes' fields: the spreadsheet reads every item back
    # once per language (137,500 for the nation), and keywords cost a third more.
    (aid, plan_id, code, title, a_code, a_name, status, progress, due, due_text) = data[:10]
    (occurrence_id, period, reason, updated, cooperating, blocked_by) = data[10:16]
    row = ItemRow(
        aid,
        plan_id,
        code,
        title,
        a_code,
        a_name,
        _STATUS[status],
        progress,
        due,
        due_text,
        occurrence_id,
        period,
        reason,
        updated,
        cooperating,
        blocked_by,
    )
    (status, progress, reason, overdue_days, done_at, updated, note) = data[16:]
    return ItemState(row, _STATUS[status], progress, reason, overdue_days, done_at, updated, note)


async def build_weekly_summary(
    session: UnitOfWork,
    *,
    as_of: datetime,
    scope: SummaryScope | None = None,
    config: ReportConfig | None = None,
    chunk_size: int = CHUNK,
) -> WeeklySummary:
    """The figures of the summary as of `as_of` (aware) for a scope (default: everything),
    read `chunk_size` lead assignments at a time."""
    scope = scope or SummaryScope()
    config = config or ReportConfig()
    today = as_of.astimezone(config.tz).date()
    tally = SummaryTally(as_of=as_of, tz=config.tz, calendar=config.calendar)
    items: SortedSpool[ItemState] = SortedSpool(encode=_encode, decode=_decode)
    async for chunk in _chunks(session, scope=scope, size=chunk_size):
        rows = await _load_items(session, scope=scope, today=today, chunk=chunk)
        changes = await _load_changes(session, scope=scope, as_of=as_of, chunk=chunk)
        items.add_run(tally.add(rows, changes))
    activity = await _load_activity(session, as_of=as_of)
    previous = await _snapshot(session, week=week_start(today) - timedelta(days=7), scope=scope)
    plans, agencies = await _scope_labels(session, scope=scope)
    return tally.finish(
        items=items,
        activity=activity,
        previous=previous,
        scope=scope,
        scope_plans=plans,
        scope_agencies=agencies,
    )
