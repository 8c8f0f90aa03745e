"""Official statistics over the store: the four buckets (domain.statistics) for a period.

The query classifies as domain.statistics.classify does, in SQL, and hands over counts by
agency, plan and bucket, so a year at 50,000 assignments moves a few hundred rows, not tens
of thousands (bench/statistics.py); the report's sheets read the counted rows themselves.
Only rows that can count are read: lead assignments (one row per report period of a
recurring duty), not cancelled, either open and due by the period's end or completed since
its start. A completion is dated by its local day (the configured zone: SQLite stores UTC
as text, so it is shifted by the zone's offset on the period's first day, which for
Asia/Ho_Chi_Minh never changes). Work marked done with no completion time is set aside.

What an actor sees follows /overdue: officers their own agency, coordinators and leaders
everybody. Until the office confirms completions, work marked done counts as confirmed.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor
from domain.statistics import (
    Basis,
    Bucket,
    Counted,
    Figures,
    Period,
    Ranked,
    Statistics,
    Tally,
    shown_positions,
    standing_at,
    standing_by_figures,
    statistics_of,
    tally,
)
from domain.status import Status
from domain.summary import SummaryScope
from models.enums import AssignmentRole
from models.tables import Agency, Assignment, Occurrence, Plan, Task
from services.queries.overdue import any_occurrence
from services.queries.tasks import label_of
from services.statistic_counts import KeptAnswer, KeptFigures, kept_answer, kept_statistics
from services.unit_of_work import UnitOfWork
from views.rows import Scope
from views.statistics import (
    PLANS_SHOWN,
    RANKED_SHOWN,
    WEAKEST_SHOWN,
    PeriodStatistics,
    StatisticsReply,
    reply_of,
    shown_names,
)


@dataclass(frozen=True)
class _Ask:
    """What is asked: whose rows, which period as of which day, in which zone and store."""

    actor: Actor
    period: Period
    as_of: date
    tz: tzinfo
    dialect: str
    scope: Scope | None = None
    within: SummaryScope | None = None

    @property
    def cutoff(self) -> date:
        return min(self.period.end, self.as_of)


def _local_day(moment: Any, ask: _Ask) -> Any:
    """The local day of a stored UTC time, in SQL."""
    if ask.dialect == "postgresql":
        zone = getattr(ask.tz, "key", None) or ask.tz.utcoffset(None)
        return sa.cast(sa.func.timezone(zone, moment), sa.Date)
    offset = ask.tz.utcoffset(datetime.combine(ask.period.start, time(12))) or timedelta(0)
    return sa.func.date(moment, f"{int(offset.total_seconds()):+d} seconds", type_=sa.Date)


def _bucket(*, due: Any, status: Any, completed_at: Any, completed_on: Any, ask: _Ask) -> Any:
    """The bucket of a row against `due` (domain.statistics.classify), NULL when it does not
    count."""
    done = status == Status.DONE.value
    completed = sa.and_(done, completed_on <= ask.cutoff)
    return sa.case(
        (due.is_(None), sa.null()),
        (sa.and_(done, completed_at.is_(None)), sa.null()),
        (sa.and_(completed, completed_on < ask.period.start), sa.null()),
        (sa.and_(completed, completed_on <= due), Bucket.DONE_ON_TIME.value),
        (completed, Bucket.DONE_LATE.value),
        (due > ask.period.end, sa.null()),
        (due < ask.cutoff, Bucket.OPEN_OVERDUE.value),
        else_=Bucket.OPEN_IN_TIME.value,
    )


def _counting(*, status: Any, due: Any, extended: Any, completed_at: Any, ask: _Ask) -> Any:
    """The rows that can count in the period, as a filter an index or a scan can use."""
    # Work completed before the period, and by its cut-off, was reported earlier; work
    # completed after the cut-off was still open then (a day's margin for the zone).
    first = min(ask.period.start, ask.cutoff + timedelta(days=1))
    since = datetime.combine(first, time(0), tzinfo=ask.tz) - timedelta(days=1)
    done = status == Status.DONE.value
    return sa.and_(
        status != Status.CANCELLED.value,
        sa.or_(
            sa.and_(done, completed_at >= since),
            # Open work due by the period's end, against either deadline.
            sa.and_(sa.not_(done), sa.or_(due <= ask.period.end, extended <= ask.period.end)),
        ),
    )


def _rows_statement(ask: _Ask, *, periodic: bool, detail: bool) -> Any:
    """One row per assignment (or report period) that can count, with its bucket against
    each deadline; with `detail`, what the report's sheets show of it too."""
    lead = col(Assignment.role) == AssignmentRole.LEAD.value
    # A reporting-duty row restating a plan's task is that task (services.obligations).
    alive = sa.and_(col(Task.removed).is_(False), col(Task.same_as_task_id).is_(None))
    filters: list[Any] = [lead, alive]
    if not ask.actor.sees_everything:
        filters.append(col(Assignment.agency_id) == ask.actor.agency_id)
    scope, within = ask.scope, ask.within
    if scope is not None and scope.kind == "agency":
        filters.append(col(Assignment.agency_id).in_(scope.agency_ids or (-1,)))
    if scope is not None and scope.kind == "plan":
        filters.append(col(Task.plan_id) == scope.key)
    if within is not None and within.plan_ids:
        filters.append(col(Task.plan_id).in_(within.plan_ids))
    if within is not None and within.agency_codes:
        named = select(col(Agency.id)).where(col(Agency.code).in_(within.agency_codes))
        filters.append(col(Assignment.agency_id).in_(named))

    def columns(row: Any, due: Any, period_label: Any) -> list[Any]:
        shown = [
            col(Assignment.agency_id).label("agency_id"),
            col(Task.plan_id).label("plan_id"),
            due.label("due"),
            col(row.extended_due_date).label("extended_due"),
            col(row.status).label("status"),
            col(row.completed_at).label("completed_at"),
            # Worked out once a row here; the buckets compare it several times.
            _local_day(col(row.completed_at), ask).label("completed_on"),
        ]
        if detail:
            shown += [
                col(Assignment.id).label("aid"),
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
            ask=ask,
        )

    no_label = sa.cast(sa.null(), sa.String)
    direct: Any = (
        sa.select(*columns(Assignment, col(Task.due_date), no_label))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(*filters, counting(Assignment, col(Task.due_date)))
    )
    if periodic:
        periods: Any = (
            sa.select(*columns(Occurrence, col(Occurrence.due_date), col(Occurrence.period_label)))
            .select_from(Occurrence)
            .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .where(*filters, counting(Occurrence, col(Occurrence.due_date)))
        )
        base = sa.union_all(direct, periods).subquery("counting")
    else:
        base = direct.subquery("counting")
    row = base.c

    def bucket(due: Any) -> Any:
        return _bucket(
            due=due,
            status=row.status,
            completed_at=row.completed_at,
            completed_on=row.completed_on,
            ask=ask,
        )

    extended = sa.func.coalesce(row.extended_due, row.due)
    return sa.select(
        *base.c, bucket(row.due).label("original"), bucket(extended).label("extended")
    )


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
        # Plain values: a Plan object a row cost more than the rest of /thongke put together.
        found_plans = await session.exec(
            select(col(Plan.id), col(Plan.ref), col(Plan.source_key), col(Plan.title)).where(
                col(Plan.id).in_(plan_ids)
            )
        )
        plans = {
            p: (label_of(ref, key), title)
            for p, ref, key, title in found_plans.all()
            if p is not None
        }
    return agencies, plans


def _bucket_of(value: str | None) -> Bucket | None:
    return None if value is None else Bucket(value)


async def _ask(
    session: UnitOfWork,
    *,
    actor: Actor,
    period: Period,
    as_of: date,
    tz: tzinfo,
    scope: Scope | None,
    within: SummaryScope | None = None,
) -> _Ask:
    dialect = (await session.connection()).dialect.name
    return _Ask(actor, period, as_of, tz, dialect, scope, within)


def _figures(
    ask: _Ask,
    counted: Sequence[Counted],
    *,
    agencies: Mapping[int, tuple[str, str]],
    plans: Mapping[int, tuple[str, str]],
) -> PeriodStatistics:
    return _answer(
        ask,
        tally(counted, period=ask.period, as_of=ask.as_of),
        agency_names=dict(agencies.values()),
        plan_titles=dict(plans.values()),
    )


def _answer(
    ask: _Ask,
    statistics: Statistics,
    *,
    agency_names: dict[str, str],
    plan_titles: dict[str, str],
) -> PeriodStatistics:
    """The figures, named, as the question asked them (from the rows or the kept counts)."""
    return PeriodStatistics(
        statistics=statistics,
        agency_names=agency_names,
        plan_titles=plan_titles,
        scope=ask.scope,
        own_agency=not ask.actor.sees_everything,
    )


async def period_statistics(
    session: UnitOfWork,
    *,
    actor: Actor,
    period: Period,
    as_of: date,
    tz: tzinfo,
    scope: Scope | None = None,
    within: SummaryScope | None = None,
) -> PeriodStatistics:
    """The four buckets of a period as of a day, overall, by agency and by plan, over what
    the actor may see (and the scope, or a summary's plans and agencies, if any)."""
    ask = await _ask(
        session, actor=actor, period=period, as_of=as_of, tz=tz, scope=scope, within=within
    )
    kept = await _kept(session, ask)
    if kept is not None:
        return _kept_figures(ask, kept)
    return await _counted_rows(session, ask)


async def statistics_reply(
    session: UnitOfWork,
    *,
    actor: Actor,
    period: Period,
    as_of: date,
    tz: tzinfo,
    scope: Scope | None = None,
) -> StatisticsReply:
    """What /thongke shows of a period's figures (`period_statistics`): from the kept
    counts, the whole and the ranking's ends without building every agency's figures."""
    ask = await _ask(session, actor=actor, period=period, as_of=as_of, tz=tz, scope=scope)
    if actor.sees_everything and scope is None:
        answer = await kept_answer(
            session,
            period=period,
            as_of=as_of,
            tz=tz,
            shown=partial(shown_positions, best=RANKED_SHOWN, weakest=WEAKEST_SHOWN),
            plans=PLANS_SHOWN,
        )
        if answer is not None:
            return _kept_reply(ask, answer)
    kept = await _kept(session, ask)
    if kept is None:
        return reply_of(await _counted_rows(session, ask))
    by_agency, by_plan = kept.by_agency, kept.by_plan
    overall = [sum(figures) for figures in zip(*by_agency.values(), strict=True)] or [0] * 8
    standing = standing_by_figures(
        by_agency, basis=Basis.EXTENDED, best=RANKED_SHOWN, weakest=WEAKEST_SHOWN
    )
    return StatisticsReply(
        period=period,
        cutoff=ask.cutoff,
        overall=Figures(original=Tally(*overall[:4]), extended=Tally(*overall[4:])),
        agencies=len(by_agency),
        standing=standing,
        plans=tuple(
            (label, Tally(*by_plan[label][4:])) for label in sorted(by_plan)[:PLANS_SHOWN]
        ),
        plan_count=len(by_plan),
        agency_names=shown_names(standing, kept.agency_names),
        scope=scope,
        own_agency=not actor.sees_everything,
    )


def _kept_reply(ask: _Ask, answer: KeptAnswer) -> StatisticsReply:
    """The reply from the totals the store summed and ranked (services.statistic_counts)."""
    names: dict[str, str] = {}

    def ranked(position: int) -> Ranked:
        code, name, rank, figures = answer.ranked[position]
        names[code] = name
        return Ranked(code, rank, Tally(*figures))

    standing = standing_at(
        ranked,
        rated=answer.rated,
        unrated=answer.unrated,
        best=RANKED_SHOWN,
        weakest=WEAKEST_SHOWN,
    )
    overall = answer.overall
    return StatisticsReply(
        period=ask.period,
        cutoff=ask.cutoff,
        overall=Figures(original=Tally(*overall[:4]), extended=Tally(*overall[4:])),
        agencies=answer.agencies,
        standing=standing,
        plans=tuple((label, Tally(*figures)) for label, figures in answer.plans),
        plan_count=answer.plan_count,
        agency_names=names,
        scope=ask.scope,
        own_agency=not ask.actor.sees_everything,
    )


async def _kept(session: UnitOfWork, ask: _Ask) -> KeptFigures | None:
    """The kept counts' figures, when they can answer what is asked."""
    everything = ask.scope is None and (ask.within is None or ask.within.is_everything)
    if not (ask.actor.sees_everything and everything):
        return None
    return await kept_statistics(session, period=ask.period, as_of=ask.as_of, tz=ask.tz)


async def _counted_rows(session: UnitOfWork, ask: _Ask) -> PeriodStatistics:
    """The figures from the assignments (and report periods) themselves."""
    rows = _rows_statement(ask, periodic=await any_occurrence(session), detail=False).cte()
    buckets = (rows.c.original, rows.c.extended)
    # By agency and by plan apart: together they would be nearly one group a row.
    none = sa.cast(sa.null(), sa.Integer)
    by_agency = sa.select(rows.c.agency_id, none, *buckets, sa.func.count()).group_by(
        rows.c.agency_id, *buckets
    )
    by_plan = sa.select(none, rows.c.plan_id, *buckets, sa.func.count()).group_by(
        rows.c.plan_id, *buckets
    )
    found: Sequence[Any] = (await session.exec(sa.union_all(by_agency, by_plan))).all()  # type: ignore[call-overload]
    # Rows in no bucket against either deadline do not count, nor name anybody.
    counts = [row for row in found if row[2] is not None or row[3] is not None]
    agencies, plans = await _names(
        session,
        agency_ids={row[0] for row in counts if row[0] is not None},
        plan_ids={row[1] for row in counts if row[1] is not None},
    )
    counted = [
        Counted(
            agencies[agency_id][0] if agency_id is not None else None,
            plans[plan_id][0] if plan_id is not None else None,
            _bucket_of(original),
            _bucket_of(extended),
            count,
        )
        for agency_id, plan_id, original, extended, count in counts
    ]
    return _figures(ask, counted, agencies=agencies, plans=plans)


def _kept_figures(ask: _Ask, kept: KeptFigures) -> PeriodStatistics:
    """The figures from the kept counts (services.statistic_counts)."""
    return _answer(
        ask,
        statistics_of(
            by_agency=kept.by_agency, by_plan=kept.by_plan, period=ask.period, as_of=ask.as_of
        ),
        agency_names=kept.agency_names,
        plan_titles=kept.plan_titles,
    )


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
    tz: tzinfo,
    scope: Scope | None = None,
) -> PeriodReport:
    """The period's figures and, for each bucket, the assignments in it (against the extended
    deadline), by agency code, deadline and handle: `dondoc report period`."""
    ask = await _ask(session, actor=actor, period=period, as_of=as_of, tz=tz, scope=scope)
    statement = _rows_statement(ask, periodic=await any_occurrence(session), detail=True)
    raw: Sequence[Any] = (await session.exec(statement)).all()
    agencies, plans = await _names(
        session,
        agency_ids={row.agency_id for row in raw},
        plan_ids={row.plan_id for row in raw},
    )
    cooperating = await cooperating_names(session, task_ids={row.task_id for row in raw})
    counted = []
    lines: dict[Bucket, list[tuple[tuple[str, date, int], ReportLine]]] = {b: [] for b in Bucket}
    for row in raw:
        original, extended = _bucket_of(row.original), _bucket_of(row.extended)
        if original is None and extended is None:
            continue
        code, name = agencies[row.agency_id]
        label, title = plans[row.plan_id]
        counted.append(Counted(code, label, original, extended))
        if extended is None:
            continue  # due after the period once extended: a later report's
        line = ReportLine(
            handle=row.aid,
            task_code=row.task_code,
            title=row.title,
            period_label=row.period_label,
            plan_label=label,
            plan_title=title,
            lead=name,
            cooperating=cooperating.get(row.task_id, ()),
            due=row.due,
            extended_due=row.extended_due,
            extension_count=row.extension_count,
            status=Status(row.status),
            progress=row.progress,
            completed_on=row.completed_at.astimezone(tz).date() if row.completed_at else None,
            blocked_reason=row.blocked_reason,
            bucket=extended,
        )
        key = (code, row.extended_due or row.due or date.max, row.aid)
        lines[extended].append((key, line))
    return PeriodReport(
        figures=_figures(ask, counted, agencies=agencies, plans=plans),
        lines={
            bucket: tuple(line for _key, line in sorted(found, key=lambda e: e[0]))
            for bucket, found in lines.items()
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
