"""The items the dashboard lists, and the filters that narrow them (period and plan).

An item is what the summary counts (domain.summary): a lead assignment of a live task, or
each started period of a recurring one; an agency's page also lists where it cooperates.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.statistics import Period, PeriodKind, half_year, quarter, quarter_of, year_period
from domain.status import Status
from domain.summary import code_sort_key
from models.enums import AssignmentRole
from models.tables import (
    Agency,
    Assignment,
    Occurrence,
    Plan,
    Task,
)
from services.unit_of_work import UnitOfWork


async def rows(session: UnitOfWork, statement: Any) -> Any:
    """The result of a core statement (sqlmodel's overloads do not type them)."""
    return await session.exec(statement)


OPEN = [Status.NOT_STARTED.value, Status.IN_PROGRESS.value, Status.BLOCKED.value]


@dataclass(frozen=True)
class Filters:
    """The period and plan a page is narrowed to."""

    period: Period
    plan_id: int | None = None

    def admits(self, item: "ItemLine") -> bool:
        """Whether an item belongs to the period: due in it, or open and carried over from
        before it (an open task with no deadline too); work due later is a later period's."""
        due = item.due
        if due is None or due < self.period.start:
            return item.status.is_open
        return due <= self.period.end


def period_key(period: Period) -> str:
    """The period as the address carries it: 2023-Q2, 2023-H1, 2023."""
    if period.kind is PeriodKind.QUARTER:
        return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"
    if period.kind is PeriodKind.HALF_YEAR:
        return f"{period.start.year}-H{1 if period.start.month == 1 else 2}"
    if period.kind is PeriodKind.YEAR:
        return str(period.start.year)
    return f"{period.start.isoformat()}..{period.end.isoformat()}"


def period_from_key(text: str, *, today: date) -> Period:
    """The period an address names; this quarter when it names none we read."""
    text = text.strip().upper()
    try:
        if len(text) == 4 and text.isdigit():
            return year_period(int(text))
        if len(text) == 7 and text[4:6] == "-Q" and text[:4].isdigit():
            return quarter(int(text[:4]), int(text[6]))
        if len(text) == 7 and text[4:6] == "-H" and text[:4].isdigit():
            return half_year(int(text[:4]), int(text[6]))
    except ValueError:
        pass
    return quarter_of(today)


def period_choices(today: date) -> tuple[Period, ...]:
    """The periods the filter offers: the quarters, halves and whole of this year, of the
    next (work extended into it) and of the last."""
    choices: list[Period] = []
    for year in (today.year, today.year + 1, today.year - 1):
        choices.extend(quarter(year, n) for n in (1, 2, 3, 4))
        choices.extend(half_year(year, n) for n in (1, 2))
        choices.append(year_period(year))
    return tuple(choices)


@dataclass(frozen=True)
class ItemLine:
    """One item as the lists show it."""

    assignment_id: int
    occurrence_id: int | None
    period_label: str | None
    plan_id: int
    plan_label: str
    task_id: int
    task_code: str
    title: str
    section: str | None
    agency_id: int
    agency_code: str
    agency_name: str
    role: str
    status: Status
    progress: int
    blocked_reason: str | None
    due_date: date | None
    extended_due: date | None
    extension_count: int
    last_update_at: datetime | None
    today: date

    @property
    def due(self) -> date | None:
        """The deadline in force: the extended one if granted."""
        return self.extended_due or self.due_date

    @property
    def overdue(self) -> bool:
        """Open and past its deadline in force."""
        return self.status.is_open and self.due is not None and self.due < self.today

    @property
    def is_lead(self) -> bool:
        """The agency answers for the task (not only cooperating)."""
        return self.role == AssignmentRole.LEAD.value


def _line_order(line: ItemLine) -> tuple[Any, ...]:
    """Overdue first, then open by deadline, then the rest; tasks in reading order."""
    return (
        not line.overdue,
        not line.status.is_open,
        line.due is None,
        line.due or date.max,
        code_sort_key(line.task_code),
        line.assignment_id,
    )


_BASE_COLUMNS: tuple[Any, ...] = (
    col(Assignment.id),
    col(Task.plan_id),
    col(Plan.ref),
    col(Plan.source_key),
    col(Task.id),
    col(Task.code),
    col(Task.title),
    col(Task.section),
    col(Agency.id),
    col(Agency.code),
    col(Agency.name),
    col(Assignment.role),
)


def live_task() -> list[Any]:
    """The conditions of a task the lists count: not removed, not a restatement."""
    return [col(Task.removed).is_(False), col(Task.same_as_task_id).is_(None)]


async def item_lines(
    session: UnitOfWork,
    *,
    today: date,
    where: Sequence[Any] = (),
    lead_only: bool = True,
    extended_only: bool = False,
) -> list[ItemLine]:
    """The items matching `where` (on Assignment, Task, Plan, Agency), overdue first; with
    `extended_only`, only those whose deadline was extended."""
    filters = [*live_task(), *where]
    if lead_only:
        filters.append(col(Assignment.role) == AssignmentRole.LEAD.value)
    recurring = select(Occurrence.assignment_id).distinct()
    direct = (
        await rows(
            session,
            sa.select(
                *_BASE_COLUMNS,
                col(Assignment.status),
                col(Assignment.progress),
                col(Assignment.blocked_reason),
                col(Task.due_date),
                col(Assignment.extended_due_date),
                col(Assignment.extension_count),
                col(Assignment.last_update_at),
                sa.null(),
                sa.null(),
            )
            .select_from(Assignment)
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .join(Plan, col(Plan.id) == col(Task.plan_id))
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(
                *filters,
                col(Assignment.id).not_in(recurring),
                *([col(Assignment.extension_count) > 0] if extended_only else []),
            ),
        )
    ).all()
    periodic = (
        await rows(
            session,
            sa.select(
                *_BASE_COLUMNS,
                col(Occurrence.status),
                col(Occurrence.progress),
                col(Occurrence.blocked_reason),
                col(Occurrence.due_date),
                col(Occurrence.extended_due_date),
                col(Occurrence.extension_count),
                col(Occurrence.last_update_at),
                col(Occurrence.id),
                col(Occurrence.period_label),
            )
            .select_from(Occurrence)
            .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .join(Plan, col(Plan.id) == col(Task.plan_id))
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(
                *filters,
                col(Occurrence.period_start) <= today,
                *([col(Occurrence.extension_count) > 0] if extended_only else []),
            ),
        )
    ).all()
    lines = [
        ItemLine(
            assignment_id=row[0],
            plan_id=row[1],
            plan_label=row[2] or row[3],
            task_id=row[4],
            task_code=row[5],
            title=row[6],
            section=row[7],
            agency_id=row[8],
            agency_code=row[9],
            agency_name=row[10],
            role=row[11],
            status=Status(row[12]),
            progress=row[13],
            blocked_reason=row[14],
            due_date=row[15],
            extended_due=row[16],
            extension_count=row[17],
            last_update_at=row[18],
            occurrence_id=row[19],
            period_label=row[20],
            today=today,
        )
        for row in [*direct, *periodic]
    ]
    lines.sort(key=_line_order)
    return lines


def plan_filter(filters: Filters) -> list[Any]:
    """The condition a plan filter puts on Task."""
    return [] if filters.plan_id is None else [col(Task.plan_id) == filters.plan_id]
