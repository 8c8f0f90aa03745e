"""What is overdue, by agency, a page at a time or whole.

Every query takes the actor and shows only what their role may see (services.access).
Overdue means an open lead assignment whose deadline in force (an approved extension's,
else its task's) is before the as-of date, or an open report occurrence past its own.
Ongoing and conditional tasks have no date and are never overdue. Lateness is counted in
working days (WorkCalendar), the way officials count it. How many are overdue per agency is
read from the counts the store keeps (services.overdue_counts), the page from the agencies
it spans.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor
from domain.calendar import WorkCalendar
from models.enums import AssignmentRole
from models.tables import (
    PERIOD_DUE,
    Agency,
    Assignment,
    Occurrence,
    Plan,
    Task,
    open_work,
)
from services.overdue_counts import overdue_count_rows
from services.queries.tasks import OPEN_STATUSES, VIEW_COLUMNS, view_of
from services.unit_of_work import UnitOfWork
from views.rows import (
    AgencyCount,
    OverduePage,
    OverdueRow,
    Scope,
)

OVERDUE_PAGE_SIZE = 15


def _overdue_parts(
    *,
    actor: Actor,
    as_of: date,
    scope: Scope | None,
    periodic: bool,
    agency_ids: Sequence[int] | None = None,
) -> tuple[Any, Any | None]:
    """(assignment id, occurrence id, agency id, due date) of the lead assignments overdue,
    and of the report periods overdue (None without `periodic`: no occurrence exists)."""
    lead = col(Assignment.role) == AssignmentRole.LEAD.value
    # Assignment.deadline is the live task's deadline in force (an approved extension's, else
    # the task's; NULL for a removed task or a reporting-duty row restating a plan's task,
    # services.obligations), so open work past it is read from the partial index of open
    # work by deadline: only the overdue rows.
    direct: Any = select(
        col(Assignment.id).label("aid"),
        sa.cast(sa.null(), sa.Integer).label("oid"),
        col(Assignment.agency_id).label("agency_id"),
        col(Assignment.deadline).label("due"),
    ).where(lead, open_work(col(Assignment.status)), col(Assignment.deadline) < as_of)
    alive = sa.and_(col(Task.removed).is_(False), col(Task.same_as_task_id).is_(None))
    filters: list[Any] = []
    if not actor.sees_everything:
        filters.append(col(Assignment.agency_id) == actor.agency_id)
    if scope is not None and scope.kind == "agency":
        filters.append(col(Assignment.agency_id).in_(scope.agency_ids or (-1,)))
    if scope is not None and scope.kind == "plan":
        in_plan = select(col(Task.id)).where(col(Task.plan_id) == scope.key)
        filters.append(col(Assignment.task_id).in_(in_plan))
    if agency_ids is not None:
        filters.append(col(Assignment.agency_id).in_(agency_ids))
    if not periodic:
        return direct.where(*filters), None
    periods: Any = (
        select(
            col(Assignment.id).label("aid"),
            col(Occurrence.id).label("oid"),
            col(Assignment.agency_id).label("agency_id"),
            PERIOD_DUE.label("due"),
        )
        .select_from(Occurrence)
        .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            lead,
            alive,
            col(Occurrence.status).in_(OPEN_STATUSES),
            col(Occurrence.due_date) < as_of,
            as_of > PERIOD_DUE,
        )
    )
    return direct.where(*filters), periods.where(*filters)


def _overdue_union(
    *,
    actor: Actor,
    as_of: date,
    scope: Scope | None,
    periodic: bool,
    agency_ids: Sequence[int] | None = None,
) -> Any:
    """(assignment id, occurrence id, agency id, due date) of everything overdue.

    Without `periodic` (no occurrence exists) only the lead assignments are read: a union
    costs SQLite a materialized subquery and PostgreSQL an append node on every count.
    """
    direct, periods = _overdue_parts(
        actor=actor, as_of=as_of, scope=scope, periodic=periodic, agency_ids=agency_ids
    )
    if periods is None:
        return direct.subquery("overdue")
    return sa.union_all(direct, periods).subquery("overdue")


def _kept_agencies(actor: Actor, scope: Scope | None) -> Sequence[int] | None:
    """The agencies whose kept counts answer, None for all: the actor's own if they see only
    it, within an agency scope."""
    wanted: set[int] | None = None
    if not actor.sees_everything:
        wanted = {actor.agency_id} if actor.agency_id is not None else set()
    if scope is not None and scope.kind == "agency":
        named = set(scope.agency_ids)
        wanted = named if wanted is None else wanted & named
    return None if wanted is None else sorted(wanted)


def _counts(*, actor: Actor, as_of: date, scope: Scope | None, periodic: bool) -> Any:
    """The subquery of (agency id, how many overdue) of each agency with any.

    The lead assignments are counted from the counts the store keeps
    (services.overdue_counts); a plan's scope, which they do not break down, reads its
    overdue assignments."""
    if scope is not None and scope.kind == "plan":
        union = _overdue_union(actor=actor, as_of=as_of, scope=scope, periodic=periodic)
        # Grouping by "agency_id + 0" keeps SQLite from walking the agency index to avoid a
        # sort: that reads ~30,000 rows at random instead of scanning the table
        # (bench/overdue.py).
        agency = (union.c.agency_id + 0).label("agency_id")
        return select(agency, sa.func.count().label("n")).group_by(agency).subquery("counted")
    parts = overdue_count_rows(as_of=as_of, agency_ids=_kept_agencies(actor, scope))
    if periodic:
        _direct, periods = _overdue_parts(actor=actor, as_of=as_of, scope=scope, periodic=True)
        assert periods is not None
        overdue_periods = periods.subquery("periods")
        parts.append(select(overdue_periods.c.agency_id, sa.literal(1)))
    rows = sa.union_all(*parts).subquery("rows")
    agency = rows.c.agency_id.label("agency_id")
    total = sa.cast(sa.func.sum(rows.c.n), sa.Integer)
    return select(agency, total.label("n")).group_by(agency).having(total > 0).subquery("counted")


def _spanned(counted: Any, *, start: int, end: int) -> Any:
    """The statement of the agencies, by code, whose overdue work lies between `start` and
    `end` in the list, and of the last agency: (agency id, code, name, how many overdue, how
    many in the agencies before it, its number in code order, whether it is the last), from
    `_counts`.

    The running sums are the database's to count, so a page reads a few rows, not one per
    agency (7,500 at a million assignments); the last row's say how many there are in all.
    Its functions share one window, which both stores count in one pass over the agencies
    (a window over all of them would be a second)."""
    code, n = col(Agency.code), counted.c.n
    window: dict[str, Any] = {"order_by": code, "rows": (None, 0)}
    ranked = (
        sa.select(
            counted.c.agency_id,
            code,
            col(Agency.name),
            n,
            (sa.func.sum(n).over(**window) - n).label("before"),
            sa.func.count().over(**window).label("number"),
            sa.func.lead(n).over(**window).is_(None).label("last"),
        )
        .join_from(counted, Agency, col(Agency.id) == counted.c.agency_id)
        .subquery("ranked")
    )
    spans = sa.and_(ranked.c.before < end, ranked.c.before + ranked.c.n > start)
    return sa.select(ranked).where(sa.or_(spans, ranked.c.last)).order_by(ranked.c.code)


async def any_occurrence(session: UnitOfWork) -> bool:
    """Whether any recurring duty has periods (else queries read assignments alone)."""
    found = await session.exec(select(Occurrence.id).limit(1))
    return found.first() is not None


async def _agencies_spanned(
    session: UnitOfWork, counted: Any, *, page: int, page_size: int
) -> Sequence[Any]:
    """The rows of `_spanned` for page `page`: plain rows, as the ORM adds nothing to
    reading a few columns."""
    start = (page - 1) * page_size
    statement = _spanned(counted, start=start, end=start + page_size)
    return (await (await session.connection()).execute(statement)).all()


async def overdue_page(
    session: UnitOfWork,
    *,
    actor: Actor,
    as_of: date,
    calendar: WorkCalendar,
    scope: Scope | None = None,
    page: int = 1,
    page_size: int = OVERDUE_PAGE_SIZE,
) -> OverduePage:
    """One page of what is overdue on `as_of`, grouped by agency, most overdue first.

    Officers see their own agency's list; coordinators and leaders everybody's.
    """
    periodic = await any_occurrence(session)
    counted = _counts(actor=actor, as_of=as_of, scope=scope, periodic=periodic)
    page = max(1, page)
    found = await _agencies_spanned(session, counted, page=page, page_size=page_size)
    if not found:
        return OverduePage(
            rows=(), total=0, agencies=0, groups=(), page=1, pages=1, as_of=as_of, scope=scope
        )
    last = found[-1]
    total = int(last.before) + last.n
    pages = -(-total // page_size)
    if page > pages:
        # A page past the last (a button from before work was done) shows the last.
        page = pages
        found = await _agencies_spanned(session, counted, page=page, page_size=page_size)
    start = (page - 1) * page_size
    spanned = [row for row in found if start - row.n < row.before < start + page_size]
    groups = tuple(
        AgencyCount(agency_id=row.agency_id, code=row.code, name=row.name, count=row.n)
        for row in spanned
    )
    # The counts say which agencies the page spans, so the page itself reads only theirs.
    within = _overdue_union(
        actor=actor,
        as_of=as_of,
        scope=scope,
        periodic=periodic,
        agency_ids=[group.agency_id for group in groups],
    )
    rows = await _overdue_rows(
        session,
        overdue=within,
        periodic=periodic,
        as_of=as_of,
        calendar=calendar,
        limit=page_size,
        offset=start - int(spanned[0].before),
    )
    return OverduePage(
        rows=rows,
        total=total,
        agencies=last.number,
        groups=groups,
        page=page,
        pages=pages,
        as_of=as_of,
        scope=scope,
    )


async def overdue_all(
    session: UnitOfWork,
    *,
    actor: Actor,
    as_of: date,
    calendar: WorkCalendar,
    scope: Scope | None = None,
) -> tuple[OverdueRow, ...]:
    """Everything overdue on `as_of`, by agency code then due date (for exports)."""
    periodic = await any_occurrence(session)
    union = _overdue_union(actor=actor, as_of=as_of, scope=scope, periodic=periodic)
    return await _overdue_rows(
        session, overdue=union, periodic=periodic, as_of=as_of, calendar=calendar
    )


async def _overdue_rows(
    session: UnitOfWork,
    *,
    overdue: Any,
    periodic: bool,
    as_of: date,
    calendar: WorkCalendar,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[OverdueRow, ...]:
    """The rows of an overdue subquery, by agency code then due date, in one query; with
    their report periods if `periodic` (any exist)."""
    order = (col(Agency.code), overdue.c.due, overdue.c.aid, overdue.c.oid)
    keys: Any = (
        select(overdue.c.aid, overdue.c.oid, overdue.c.due, col(Agency.code).label("code"))
        .join(Agency, col(Agency.id) == overdue.c.agency_id)
        .order_by(*order)
    )
    if limit is not None:
        keys = keys.limit(limit).offset(offset)
    chosen = keys.subquery("chosen")
    statement = (
        select(*VIEW_COLUMNS)
        .select_from(chosen)
        .join(Assignment, col(Assignment.id) == chosen.c.aid)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .order_by(chosen.c.code, chosen.c.due, chosen.c.aid, chosen.c.oid)
    )
    if periodic:
        found: Sequence[Any] = (
            await session.exec(
                statement.add_columns(Occurrence).outerjoin(
                    Occurrence, col(Occurrence.id) == chosen.c.oid
                )
            )
        ).all()
        views = [view_of(row, row[-1]) for row in found]
    else:
        # No period is overdue where none exists: plain rows of columns, no ORM objects.
        connection = await session.connection()
        views = [view_of(row) for row in (await connection.execute(statement)).all()]
    rows = []
    for view in views:
        assert view.due_date is not None
        days = calendar.working_days_between(view.due_date, as_of)
        rows.append(OverdueRow(view=view, days_overdue=days))
    return tuple(rows)
