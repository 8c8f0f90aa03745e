"""What falls due soon."""

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor
from models.enums import AssignmentRole
from models.tables import (
    PERIOD_DUE,
    Assignment,
    Occurrence,
    Task,
    open_work,
)
from services.queries.tasks import LIST_LIMIT, OPEN_STATUSES, due_order, joined, view_of, views
from services.unit_of_work import UnitOfWork
from views.rows import (
    ListResult,
)


def _due_between(today: date, until: date) -> tuple[Any, ...]:
    """Open assignments whose deadline in force falls in the days, read from the partial
    indexes of open work by deadline: Assignment.deadline is NULL for a removed task or a
    row restating another, so those drop out without reading the task."""
    deadline = col(Assignment.deadline)
    return (open_work(col(Assignment.status)), deadline >= today, deadline <= until)


async def upcoming(
    session: UnitOfWork, *, actor: Actor, today: date, days: int, limit: int = LIST_LIMIT
) -> ListResult:
    """Open lead assignments and occurrences due from today to `days` days ahead, soonest first."""
    until = today + timedelta(days=days)
    own = [] if actor.sees_everything else [col(Assignment.agency_id) == actor.agency_id]
    lead = col(Assignment.role) == AssignmentRole.LEAD.value
    direct = (
        await session.exec(
            joined()
            .where(
                lead,
                *own,
                *_due_between(today, until),
            )
            .order_by(*due_order())
            .limit(limit + 1)
        )
    ).all()
    periodic = (
        await session.exec(
            select(Occurrence.assignment_id, Occurrence.id)
            .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .where(
                lead,
                *own,
                col(Task.removed).is_(False),
                col(Task.same_as_task_id).is_(None),
                col(Occurrence.status).in_(OPEN_STATUSES),
                today <= PERIOD_DUE,
                until >= PERIOD_DUE,
            )
            .order_by(PERIOD_DUE, col(Occurrence.id))
            .limit(limit + 1)
        )
    ).all()
    found = [view_of(row) for row in direct]
    found.extend((await views(session, targets=periodic)).values())
    found.sort(key=lambda v: (v.due_date or date.max, v.handle, v.occurrence_id or 0))
    total_direct = await _count_upcoming(session, own=own, today=today, until=until)
    return ListResult(views=tuple(found[:limit]), more=max(0, total_direct - limit))


async def _count_upcoming(session: UnitOfWork, *, own: list[Any], today: date, until: date) -> int:
    lead = col(Assignment.role) == AssignmentRole.LEAD.value
    direct: int = (
        await session.exec(
            select(sa.func.count())
            .select_from(Assignment)
            .where(lead, *own, *_due_between(today, until))
        )
    ).one()
    periodic: int = (
        await session.exec(
            select(sa.func.count())
            .select_from(Occurrence)
            .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .where(
                lead,
                *own,
                col(Task.removed).is_(False),
                col(Task.same_as_task_id).is_(None),
                col(Occurrence.status).in_(OPEN_STATUSES),
                today <= PERIOD_DUE,
                until >= PERIOD_DUE,
            )
        )
    ).one()
    return int(direct) + int(periodic)
