"""Official statistics over the store: the four buckets (domain.statistics) for a period.

The domain decides which rows count; this module reads only the rows that can: lead
assignments (one row per report period of a recurring duty) that are not cancelled, and
either still open and due by the period's end, or completed since its start (or done with no
completion time, which the domain sets aside). At 50,000 assignments a year's report reads a
few thousand narrow rows in one query (bench/statistics.py).

What an actor sees follows /overdue: officers their own agency, coordinators and leaders
everybody. Until the office confirms completions, work marked done counts as confirmed.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor
from domain.statistics import AssignmentRow, Basis, Bucket, Period, classify, compute
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
    detail: bool = False,
) -> Any:
    """The rows that can count; with `detail`, what the report's sheets show of each too."""
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

    def columns(row: Any, due: Any, period_label: Any) -> list[Any]:
        shown = [
            col(Assignment.id).label("aid"),
            col(Assignment.agency_id).label("agency_id"),
            col(Task.plan_id).label("plan_id"),
            due.label("due"),
            col(row.extended_due_date).label("extended"),
            col(row.status).label("status"),
            col(row.completed_at).label("completed_at"),
        ]
        if detail:
            shown += [
                col(Task.id).label("task_id"),
                col(Task.code).label("task_code"),
                col(Task.title).label("title"),
                period_label.label("period_label"),
                col(row.extension_count).label("extension_count"),
                col(row.progress).label("progress"),
                col(row.blocked_reason).label("blocked_reason"),
            ]
        return shown

    def counting(row: Any, due: Any) -> Any:
        return _counting(
            status=col(row.status),
            due=due,
            extended=col(row.extended_due_date),
            completed_at=col(row.completed_at),
            period=period,
            tz=tz,
        )

    no_label = sa.cast(sa.null(), sa.String)
    direct: Any = (
        sa.select(*columns(Assignment, col(Task.due_date), no_label))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(*filters, counting(Assignment, col(Task.due_date)))
    )
    if not periodic:
        return direct
    periods: Any = (
        sa.select(*columns(Occurrence, col(Occurrence.due_date), col(Occurrence.period_label)))
        .select_from(Occurrence)
        .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(*filters, counting(Occurrence, col(Occurrence.due_date)))
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


@dataclass(frozen=True)
class _Read:
    raw: Sequence[Any]
    rows: list[AssignmentRow]
    agencies: dict[int, tuple[str, str]]  # id → (code, name)
    plans: dict[int, tuple[str, str]]  # id → (label, title)


async def _read(
    session: UnitOfWork,
    *,
    actor: Actor,
    period: Period,
    tz: ZoneInfo,
    scope: Scope | None,
    detail: bool,
) -> _Read:
    periodic = await any_occurrence(session)
    statement = _rows_statement(
        actor=actor, period=period, tz=tz, scope=scope, periodic=periodic, detail=detail
    )
    raw: Sequence[Any] = (await session.exec(statement)).all()
    agencies, plans = await _names(
        session,
        agency_ids={row.agency_id for row in raw},
        plan_ids={row.plan_id for row in raw},
    )
    rows = [
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
    ]
    return _Read(raw=raw, rows=rows, agencies=agencies, plans=plans)


def _figures(
    read: _Read, *, actor: Actor, period: Period, as_of: date, scope: Scope | None
) -> PeriodStatistics:
    return PeriodStatistics(
        statistics=compute(read.rows, period=period, as_of=as_of),
        agency_names=dict(read.agencies.values()),
        plan_titles=dict(read.plans.values()),
        scope=scope,
        own_agency=not actor.sees_everything,
    )


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
    read = await _read(session, actor=actor, period=period, tz=tz, scope=scope, detail=False)
    return _figures(read, actor=actor, period=period, as_of=as_of, scope=scope)


@dataclass(frozen=True)
class ReportLine:
    """One counted assignment (or report period) as the report's sheets show it."""

    handle: int
    task_code: str
    title: str
    period_label: str | None
    plan_label: str
    plan_title: str
    lead: str  # the lead agency's name
    cooperating: tuple[str, ...]
    due: date | None  # the original deadline
    extended_due: date | None
    extension_count: int
    status: Status
    progress: int
    completed_on: date | None
    blocked_reason: str | None
    bucket: Bucket  # against the extended deadline


@dataclass(frozen=True)
class PeriodReport:
    """The figures of a period and the lines behind them, bucket by bucket."""

    figures: PeriodStatistics
    lines: Mapping[Bucket, tuple[ReportLine, ...]]


async def period_report(
    session: UnitOfWork,
    *,
    actor: Actor,
    period: Period,
    as_of: date,
    tz: ZoneInfo,
    scope: Scope | None = None,
) -> PeriodReport:
    """The period's figures and, for each bucket, the assignments in it (against the extended
    deadline), by agency code, deadline and handle: `dondoc report period`."""
    read = await _read(session, actor=actor, period=period, tz=tz, scope=scope, detail=True)
    cooperating = await cooperating_names(session, task_ids={row.task_id for row in read.raw})
    lines: dict[Bucket, list[tuple[tuple[str, date, int], ReportLine]]] = {b: [] for b in Bucket}
    for raw, row in zip(read.raw, read.rows, strict=True):
        if row.status is Status.DONE and row.completed_on is None:
            continue  # set aside by the domain: a completion the store has no time of
        bucket = classify(row, basis=Basis.EXTENDED, period=period, as_of=as_of)
        if bucket is None:
            continue
        line = ReportLine(
            handle=raw.aid,
            task_code=raw.task_code,
            title=raw.title,
            period_label=raw.period_label,
            plan_label=read.plans[raw.plan_id][0],
            plan_title=read.plans[raw.plan_id][1],
            lead=read.agencies[raw.agency_id][1],
            cooperating=cooperating.get(raw.task_id, ()),
            due=row.original_due,
            extended_due=row.extended_due,
            extension_count=raw.extension_count,
            status=row.status,
            progress=raw.progress,
            completed_on=row.completed_on,
            blocked_reason=raw.blocked_reason,
            bucket=bucket,
        )
        key = (row.agency_code, row.due(Basis.EXTENDED) or date.max, raw.aid)
        lines[bucket].append((key, line))
    return PeriodReport(
        figures=_figures(read, actor=actor, period=period, as_of=as_of, scope=scope),
        lines={
            b: tuple(line for _key, line in sorted(found, key=lambda e: e[0]))
            for b, found in lines.items()
        },
    )


# Task ids per query: within SQLite's limit on bound parameters.
_CHUNK = 500


async def cooperating_names(
    session: UnitOfWork, *, task_ids: set[int]
) -> dict[int, tuple[str, ...]]:
    """The cooperating agencies' names of each task."""
    found: dict[int, list[str]] = {}
    ordered = sorted(task_ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        rows = await session.exec(
            select(col(Assignment.task_id), col(Agency.name))
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(
                col(Assignment.task_id).in_(chunk),
                col(Assignment.role) == AssignmentRole.COOPERATING.value,
                col(Assignment.status) != Status.CANCELLED.value,
            )
            .order_by(col(Assignment.task_id), col(Agency.code))
        )
        for task_id, name in rows.all():
            found.setdefault(task_id, []).append(name)
    return {task_id: tuple(names) for task_id, names in found.items()}


def _local_day(moment: datetime | None, tz: ZoneInfo) -> date | None:
    if moment is None:
        return None
    # SQLite hands back a union's timestamps as naive UTC, past the column's type.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(tz).date()
