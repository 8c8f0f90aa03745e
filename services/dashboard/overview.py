"""The overview page: overdue and blocked work now and a week ago, by agency, and the
indicators by colour, in the filters' scope."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import (
    Actor,
    require_dashboard,
)
from domain.indicators.checkpoints import Verdict
from domain.statistics import Basis, Tally
from domain.status import Status
from models.enums import AssignmentRole
from models.tables import (
    Agency,
    Assignment,
    Occurrence,
    Plan,
    StatusChange,
    Task,
)
from services.dashboard.items import OPEN, Filters, live_task, plan_filter, rows
from services.indicators.report import indicator_overview
from services.queries.tasks import plan_label
from services.statistics import period_statistics
from services.unit_of_work import UnitOfWork
from views.rows import Scope
from views.statistics import PeriodStatistics

# ---- overview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Overdue and blocked items now and a week ago (None: not known)."""

    overdue: int
    blocked: int
    overdue_before: int | None
    blocked_before: int | None

    @property
    def overdue_change(self) -> int | None:
        """Overdue now minus a week ago."""
        return None if self.overdue_before is None else self.overdue - self.overdue_before

    @property
    def blocked_change(self) -> int | None:
        """Blocked now minus a week ago."""
        return None if self.blocked_before is None else self.blocked - self.blocked_before


@dataclass(frozen=True)
class AgencyCounts:
    """One agency's open, overdue and blocked items now."""

    agency_id: int
    code: str
    name: str
    open: int
    overdue: int
    blocked: int
    # Blocked and not overdue (the overview's chart shows an item once).
    blocked_in_time: int = 0


async def agency_counts(
    session: UnitOfWork, *, today: date, filters: Filters
) -> list[AgencyCounts]:
    """Open, overdue and blocked items now, by agency (agencies with open work)."""
    found: dict[int, list[Any]] = {}
    recurring = select(Occurrence.assignment_id).distinct()
    for table, extra in (
        (Assignment, [col(Assignment.id).not_in(recurring)]),
        (Occurrence, [col(Occurrence.period_start) <= today]),
    ):
        status = col(table.status)
        due = sa.func.coalesce(
            col(table.extended_due_date),
            col(Task.due_date) if table is Assignment else col(Occurrence.due_date),
        )
        statement = (
            sa.select(
                col(Agency.id),
                col(Agency.code),
                col(Agency.name),
                sa.func.count(),
                sa.func.sum(sa.case((due < today, 1), else_=0)),
                sa.func.sum(sa.case((status == Status.BLOCKED.value, 1), else_=0)),
                sa.func.sum(
                    sa.case((sa.and_(status == Status.BLOCKED.value, due >= today), 1), else_=0)
                ),
            )
            .select_from(Assignment)
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        )
        if table is Occurrence:
            statement = statement.join(
                Occurrence, col(Occurrence.assignment_id) == col(Assignment.id)
            )
        statement = statement.where(
            *live_task(),
            *plan_filter(filters),
            *extra,
            col(Assignment.role) == AssignmentRole.LEAD.value,
            status.in_(OPEN),
        ).group_by(col(Agency.id), col(Agency.code), col(Agency.name))
        for agency_id, code, name, *figures in await rows(session, statement):
            entry = found.setdefault(agency_id, [code, name, 0, 0, 0, 0])
            for index, figure in enumerate(figures, start=2):
                entry[index] += int(figure or 0)
    return sorted(
        (AgencyCounts(agency_id, *values) for agency_id, values in found.items()),
        key=lambda a: (-a.overdue, -a.blocked, a.code),
    )


async def _overdue_on(
    session: UnitOfWork, *, day: date, moment: datetime, filters: Filters
) -> int:
    """Items that were open and past their deadline on `day` (work completed since then
    counts as open then; cancelled work does not count)."""
    total = 0
    recurring = select(Occurrence.assignment_id).distinct()
    for table in (Assignment, Occurrence):
        completed = col(table.completed_at)
        due = sa.func.coalesce(
            col(table.extended_due_date),
            col(Task.due_date) if table is Assignment else col(Occurrence.due_date),
        )
        statement = (
            sa.select(sa.func.count())
            .select_from(Assignment)
            .join(Task, col(Task.id) == col(Assignment.task_id))
        )
        if table is Occurrence:
            statement = statement.join(
                Occurrence, col(Occurrence.assignment_id) == col(Assignment.id)
            ).where(col(Occurrence.period_start) <= day)
        else:
            statement = statement.where(col(Assignment.id).not_in(recurring))
        statement = statement.where(
            *live_task(),
            *plan_filter(filters),
            col(Assignment.role) == AssignmentRole.LEAD.value,
            col(table.status) != Status.CANCELLED.value,
            due < day,
            # Done since then counts as open then; done with no time is not known, so not.
            sa.or_(col(table.status) != Status.DONE.value, completed >= moment),
        )
        total += int((await rows(session, statement)).one()[0])
    return total


async def _blocked_at(
    session: UnitOfWork, *, moment: datetime, today: date, filters: Filters
) -> int:
    """Items that were blocked at `moment`: read back from the changes since then, which are
    few, rather than from the whole history. An item changed since was in the state its
    first later change started from; one unchanged since is as it is now."""
    lead = [
        *live_task(),
        *plan_filter(filters),
        col(Assignment.role) == AssignmentRole.LEAD.value,
    ]
    since = [col(StatusChange.at) > moment, col(StatusChange.undone).is_(False)]
    first = (
        sa.select(sa.func.min(col(StatusChange.id)).label("id"))
        .where(*since)
        .group_by(col(StatusChange.assignment_id), col(StatusChange.occurrence_id))
        .subquery()
    )
    changed = (
        sa.select(sa.func.count())
        .select_from(StatusChange)
        .join(first, first.c.id == col(StatusChange.id))
        .join(Assignment, col(Assignment.id) == col(StatusChange.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(*lead, col(StatusChange.from_status) == Status.BLOCKED.value)
    )
    total = int((await rows(session, changed)).one()[0])
    recurring = select(Occurrence.assignment_id).distinct()
    direct = (
        sa.select(sa.func.count())
        .select_from(Assignment)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            *lead,
            col(Assignment.status) == Status.BLOCKED.value,
            col(Assignment.id).not_in(recurring),
            ~sa.exists().where(
                col(StatusChange.assignment_id) == col(Assignment.id),
                col(StatusChange.occurrence_id).is_(None),
                *since,
            ),
        )
    )
    periodic = (
        sa.select(sa.func.count())
        .select_from(Occurrence)
        .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            *lead,
            col(Occurrence.status) == Status.BLOCKED.value,
            col(Occurrence.period_start) <= today,
            ~sa.exists().where(col(StatusChange.occurrence_id) == col(Occurrence.id), *since),
        )
    )
    for statement in (direct, periodic):
        total += int((await rows(session, statement)).one()[0])
    return total


@dataclass(frozen=True)
class Overview:
    """The overview page: counts, agencies and indicators in the filters' scope."""

    filters: Filters
    today: date
    counts: Counts
    agencies: tuple[AgencyCounts, ...]
    indicators: dict[Verdict, int]
    plans: tuple[tuple[int, str], ...]
    statistics: PeriodStatistics
    # Every agency's id by code, for links from the ranking.
    agency_ids: dict[str, int]

    def ranking(self) -> list["RankedAgency"]:
        """Agencies by on-time rate in the period (the official ranking, against the extended
        deadline), then those with open work but nothing counted in it."""
        now = {a.code: a for a in self.agencies}
        names = self.statistics.agency_names
        ranked = [
            RankedAgency(
                entry.agency_code,
                names.get(entry.agency_code, entry.agency_code),
                self.agency_ids.get(entry.agency_code),
                entry.rank,
                entry.tally,
                now.get(entry.agency_code),
            )
            for entry in self.statistics.statistics.ranking(Basis.EXTENDED)
        ]
        counted = {entry.code for entry in ranked}
        ranked.extend(
            RankedAgency(a.code, a.name, a.agency_id, None, None, a)
            for a in self.agencies
            if a.code not in counted
        )
        return ranked


@dataclass(frozen=True)
class RankedAgency:
    """One line of the overview's table: the period's figures and the work open now."""

    code: str
    name: str
    agency_id: int | None
    rank: int | None
    tally: Tally | None
    now: AgencyCounts | None


async def plan_choices(session: UnitOfWork) -> tuple[tuple[int, str], ...]:
    """Every plan as (id, label), by label."""
    plans = (await session.exec(select(Plan))).all()
    return tuple(
        sorted(((p.id, plan_label(p)) for p in plans if p.id is not None), key=lambda p: p[1])
    )


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


async def overview(
    session: UnitOfWork,
    *,
    actor: Actor,
    filters: Filters,
    now: datetime,
    tz: ZoneInfo,
    calendar: Any,
) -> Overview:
    """The overview page's figures."""
    require_dashboard(actor)
    today = now.astimezone(tz).date()
    agencies = await agency_counts(session, today=today, filters=filters)
    week_ago = today - timedelta(days=7)
    moment = _local_midnight(week_ago, tz)
    counts = Counts(
        overdue=sum(a.overdue for a in agencies),
        blocked=sum(a.blocked for a in agencies),
        overdue_before=await _overdue_on(session, day=week_ago, moment=moment, filters=filters),
        blocked_before=await _blocked_at(session, moment=moment, today=week_ago, filters=filters),
    )
    indicators = await indicator_overview(
        session,
        plan_ids=() if filters.plan_id is None else (filters.plan_id,),
        today=today,
        calendar=calendar,
    )
    statistics = await period_statistics(
        session,
        actor=actor,
        period=filters.period,
        as_of=today,
        tz=tz,
        scope=None if filters.plan_id is None else Scope("plan", filters.plan_id, ""),
    )
    codes = (await session.exec(select(Agency.code, Agency.id))).all()
    return Overview(
        statistics=statistics,
        agency_ids={code: agency_id for code, agency_id in codes if agency_id is not None},
        filters=filters,
        today=today,
        counts=counts,
        agencies=tuple(agencies),
        indicators=indicators.counts(),
        plans=await plan_choices(session),
    )
