"""Official statistics over the store: the four buckets (domain.statistics) for a period.

The domain decides which rows count; this module reads only the rows that can: lead
assignments (one row per report period of a recurring duty) that are not cancelled, and
either still open and due by the period's end, or completed since its start (or done with no
completion time, which the domain sets aside). At 50,000 assignments a year's report reads a
few thousand narrow rows in one query (bench/statistics.py).

What an actor sees follows /overdue: officers their own agency, coordinators and leaders
everybody. Until the office confirms completions, work marked done counts as confirmed.
"""

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor
from domain.statistics import AssignmentRow, Period, compute
from domain.status import Status
from models.enums import AssignmentRole
from models.tables import Agency, Assignment, Occurrence, Plan, Task
from services.queries.overdue import any_occurrence
from services.queries.tasks import plan_label
from services.unit_of_work import UnitOfWork
from views.rows import Scope
from views.statistics import PeriodStatistics


def _counting(
    *, status: Any, due: Any, extended: Any, completed_at: Any, period: Period, tz: ZoneInfo
) -> Any:
    """The rows that can count in the period (domain.statistics.classify), in SQL."""
    end = period.end
    start = datetime.combine(period.start, time(0), tzinfo=tz)
    done = status == Status.DONE.value
    return sa.and_(
        status != Status.CANCELLED.value,
        sa.or_(
            # Completed since the period began: in it, or after its cut-off and so still open.
            sa.and_(done, sa.or_(completed_at.is_(None), completed_at >= start)),
            # Open work due by the period's end, against either deadline.
            sa.and_(sa.not_(done), sa.or_(due <= end, extended <= end)),
        ),
    )


def _rows_statement(
    *,
    actor: Actor,
    period: Period,
    tz: ZoneInfo,
    scope: Scope | None,
    periodic: bool,
) -> Any:
    lead = col(Assignment.role) == AssignmentRole.LEAD.value
    # A reporting-duty row restating a plan's task is that task (services.obligations).
    alive = sa.and_(col(Task.removed).is_(False), col(Task.same_as_task_id).is_(None))
    filters: list[Any] = [lead, alive]
    if not actor.sees_everything:
        filters.append(col(Assignment.agency_id) == actor.agency_id)
    if scope is not None and scope.kind == "agency":
        filters.append(col(Assignment.agency_id).in_(scope.agency_ids or (-1,)))
    if scope is not None and scope.kind == "plan":
        filters.append(col(Task.plan_id) == scope.key)
    direct: Any = (
        sa.select(
            col(Assignment.id).label("aid"),
            col(Assignment.agency_id).label("agency_id"),
            col(Task.plan_id).label("plan_id"),
            col(Task.due_date).label("due"),
            col(Assignment.extended_due_date).label("extended"),
            col(Assignment.status).label("status"),
            col(Assignment.completed_at).label("completed_at"),
        )
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            *filters,
            _counting(
                status=col(Assignment.status),
                due=col(Task.due_date),
                extended=col(Assignment.extended_due_date),
                completed_at=col(Assignment.completed_at),
                period=period,
                tz=tz,
            ),
        )
    )
    if not periodic:
        return direct
    periods: Any = (
        sa.select(
            col(Assignment.id).label("aid"),
            col(Assignment.agency_id).label("agency_id"),
            col(Task.plan_id).label("plan_id"),
            col(Occurrence.due_date).label("due"),
            col(Occurrence.extended_due_date).label("extended"),
            col(Occurrence.status).label("status"),
            col(Occurrence.completed_at).label("completed_at"),
        )
        .select_from(Occurrence)
        .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            *filters,
            _counting(
                status=col(Occurrence.status),
                due=col(Occurrence.due_date),
                extended=col(Occurrence.extended_due_date),
                completed_at=col(Occurrence.completed_at),
                period=period,
                tz=tz,
            ),
        )
    )
    return sa.union_all(direct, periods)


async def _names(
    session: UnitOfWork, *, agency_ids: set[int], plan_ids: set[int]
) -> tuple[dict[int, tuple[str, str]], dict[int, tuple[str, str]]]:
    agencies: dict[int, tuple[str, str]] = {}
    if agency_ids:
        found = await session.exec(
            select(col(Agency.id), col(Agency.code), col(Agency.name)).where(
                col(Agency.id).in_(agency_ids)
            )
        )
        agencies = {a: (code, name) for a, code, name in found.all() if a is not None}
    plans: dict[int, tuple[str, str]] = {}
    if plan_ids:
        for plan in (await session.exec(select(Plan).where(col(Plan.id).in_(plan_ids)))).all():
            assert plan.id is not None
            plans[plan.id] = (plan_label(plan), plan.title)
    return agencies, plans


async def period_statistics(
    session: UnitOfWork,
    *,
    actor: Actor,
    period: Period,
    as_of: date,
    tz: ZoneInfo,
    scope: Scope | None = None,
) -> PeriodStatistics:
    """The four buckets of a period as of a day, overall, by agency and by plan, over what
    the actor may see (and the scope, if any)."""
    periodic = await any_occurrence(session)
    statement = _rows_statement(actor=actor, period=period, tz=tz, scope=scope, periodic=periodic)
    raw: Sequence[Any] = (await session.exec(statement)).all()
    agencies, plans = await _names(
        session,
        agency_ids={row.agency_id for row in raw},
        plan_ids={row.plan_id for row in raw},
    )
    rows = (
        AssignmentRow(
            assignment_id=row.aid,
            agency_code=agencies[row.agency_id][0],
            plan_ref=plans[row.plan_id][0],
            original_due=row.due,
            extended_due=row.extended,
            status=Status(row.status),
            completed_on=_local_day(row.completed_at, tz),
            confirmed=row.status == Status.DONE.value,
        )
        for row in raw
    )
    return PeriodStatistics(
        statistics=compute(rows, period=period, as_of=as_of),
        agency_names=dict(agencies.values()),
        plan_titles=dict(plans.values()),
        scope=scope,
        own_agency=not actor.sees_everything,
    )


def _local_day(moment: datetime | None, tz: ZoneInfo) -> date | None:
    if moment is None:
        return None
    # SQLite hands back a union's timestamps as naive UTC, past the column's type.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(tz).date()
