"""What the agency, plan, task and waiting pages show, read in a few set-based statements.

Every function takes the actor and checks the role as chat does (domain.access): the
dashboard as a whole is for those who read every agency's work, an agency's page for those
who may see that agency, the requests waiting on the office for coordinators.
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import (
    Actor,
    require_dashboard,
    require_see,
)
from domain.indicators.collection import IndicatorLine, by_severity
from domain.statistics import Period
from domain.status import Status
from domain.summary import code_sort_key
from models.tables import (
    Agency,
    Assignment,
    ChatIdentity,
    Occurrence,
    Person,
    Plan,
    StatusChange,
    Task,
)
from services.dashboard.items import (
    Filters,
    ItemLine,
    item_lines,
    plan_filter,
    rows,
)
from services.dashboard.requests import TaskRecords, task_records
from services.indicators.report import indicator_overview
from services.queries.tasks import UnknownAssignmentError, assignment_detail, plan_label
from services.unit_of_work import UnitOfWork
from views.rows import AssignmentDetail


class NotFound(LookupError):
    """No agency, plan or task has that id."""


# ---- agency ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonLine:
    """Someone registered at an agency and when they last answered."""

    person_id: int
    name: str
    role: str
    channels: tuple[str, ...]
    last_answer: datetime | None


@dataclass(frozen=True)
class AgencyPage:
    """An agency's page."""

    agency: Agency
    items: tuple[ItemLine, ...]
    indicators: tuple[IndicatorLine, ...]
    people: tuple[PersonLine, ...]
    filters: Filters


async def agency_page(
    session: UnitOfWork,
    *,
    actor: Actor,
    agency_id: int,
    filters: Filters,
    now: datetime,
    tz: tzinfo,
    calendar: Any,
) -> AgencyPage:
    """An agency's tasks (overdue first), indicators and people."""
    require_dashboard(actor)
    agency = await session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(agency_id)
    require_see(actor, agency_id=agency_id)
    today = now.astimezone(tz).date()
    items = await item_lines(
        session,
        today=today,
        where=[col(Assignment.agency_id) == agency_id, *plan_filter(filters)],
        lead_only=False,
    )
    items = [item for item in items if filters.admits(item)]
    indicators = await indicator_overview(
        session,
        plan_ids=() if filters.plan_id is None else (filters.plan_id,),
        agency_codes=(agency.code,),
        today=today,
        calendar=calendar,
    )
    people = (
        await rows(
            session, select(Person).where(Person.agency_id == agency_id).order_by(col(Person.name))
        )
    ).all()
    ids = [p.id for p in people if p.id is not None]
    last: dict[int, datetime] = {}
    channels: dict[int, list[str]] = {}
    if ids:
        for person_id, at in await rows(
            session,
            sa.select(col(StatusChange.person_id), sa.func.max(col(StatusChange.at)))
            .where(col(StatusChange.person_id).in_(ids))
            .group_by(col(StatusChange.person_id)),
        ):
            last[person_id] = at
        for person_id, channel in await rows(
            session,
            sa.select(col(ChatIdentity.person_id), col(ChatIdentity.channel))
            .where(col(ChatIdentity.person_id).in_(ids))
            .order_by(col(ChatIdentity.channel)),
        ):
            channels.setdefault(person_id, []).append(channel)
    return AgencyPage(
        agency=agency,
        items=tuple(items),
        indicators=tuple(by_severity(indicators.lines)),
        people=tuple(
            PersonLine(
                person_id=p.id,
                name=p.name,
                role=p.role,
                channels=tuple(channels.get(p.id, ())),
                last_answer=last.get(p.id),
            )
            for p in people
            if p.id is not None and channels.get(p.id)
        ),
        filters=filters,
    )


# ---- plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """The tasks of one section of a plan."""

    name: str
    items: tuple[ItemLine, ...]

    @property
    def done(self) -> int:
        """Items done."""
        return sum(1 for item in self.items if item.status is Status.DONE)


@dataclass(frozen=True)
class PlanPage:
    """A plan's page."""

    plan: Plan
    label: str
    sections: tuple[Section, ...]
    # The period it is narrowed to (None: the whole plan).
    period: Period | None

    @property
    def items(self) -> tuple[ItemLine, ...]:
        """Every item of the plan, section by section."""
        return tuple(item for section in self.sections for item in section.items)

    @property
    def progress(self) -> int:
        """The average progress of its live items, as a percentage (done counts 100)."""
        counted = [i for i in self.items if i.status is not Status.CANCELLED]
        if not counted:
            return 0
        return round(
            sum(100 if i.status is Status.DONE else i.progress for i in counted) / len(counted)
        )

    @property
    def extended(self) -> int:
        """Items whose deadline was extended."""
        return sum(1 for i in self.items if i.extension_count)


async def plan_page(
    session: UnitOfWork,
    *,
    actor: Actor,
    plan_id: int,
    period: Period | None = None,
    now: datetime,
    tz: tzinfo,
) -> PlanPage:
    """A plan's tasks by section, in reading order; with a period, those that belong to it."""
    require_dashboard(actor)
    plan = await session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(plan_id)
    today = now.astimezone(tz).date()
    items = await item_lines(session, today=today, where=[col(Task.plan_id) == plan_id])
    if period is not None:
        narrowed = Filters(period=period, plan_id=plan_id)
        items = [item for item in items if narrowed.admits(item)]
    items.sort(key=lambda i: (code_sort_key(i.task_code), i.period_label or ""))
    sections: dict[str, list[ItemLine]] = {}
    for item in items:
        sections.setdefault(item.section or "", []).append(item)
    return PlanPage(
        plan=plan,
        label=plan_label(plan),
        sections=tuple(Section(name, tuple(lines)) for name, lines in sections.items()),
        period=period,
    )


# ---- task -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskPage:
    """A task as one agency's assignment shows it: deadlines, history, partners."""

    detail: AssignmentDetail
    task: Task
    plan_id: int
    plan_label: str
    assignment: Assignment
    shares: tuple[ItemLine, ...]
    periods: tuple[Occurrence, ...]
    records: TaskRecords

    @property
    def evidence(self) -> tuple[str, ...]:
        """What the agencies wrote with their updates (notes and reasons), newest first."""
        return tuple(entry.note for entry in self.detail.history if entry.note)


async def task_page(
    session: UnitOfWork, *, actor: Actor, assignment_id: int, now: datetime, tz: tzinfo
) -> TaskPage:
    """One assignment with its task, every status change, evidence and cooperating agencies."""
    require_dashboard(actor)
    try:
        detail = await assignment_detail(
            session, actor=actor, assignment_id=assignment_id, history_limit=None
        )
    except UnknownAssignmentError:
        raise NotFound(assignment_id) from None
    assignment = await session.get(Assignment, assignment_id)
    assert assignment is not None
    task = await session.get(Task, assignment.task_id)
    assert task is not None
    plan = await session.get(Plan, task.plan_id)
    assert plan is not None
    today = now.astimezone(tz).date()
    shares = await item_lines(
        session,
        today=today,
        where=[col(Assignment.task_id) == task.id],
        lead_only=False,
    )
    periods = (
        await rows(
            session,
            select(Occurrence)
            .where(Occurrence.assignment_id == assignment_id)
            .order_by(col(Occurrence.period_start)),
        )
    ).all()
    return TaskPage(
        detail=detail,
        task=task,
        plan_id=task.plan_id,
        plan_label=plan_label(plan),
        assignment=assignment,
        shares=tuple(s for s in shares if s.occurrence_id is None or s.is_lead),
        periods=tuple(periods),
        records=await task_records(session, assignment_id=assignment_id),
    )
