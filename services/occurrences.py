"""Periods of recurring duties, created ahead so each one is reminded and tracked on its own.

A task whose deadline recurs ("hằng quý, trước ngày 20 của tháng cuối quý") gets one
Occurrence per lead assignment and period: the period that contains today and the next
one. Running again creates nothing twice; the unique assignment + period label key, with
ON CONFLICT DO NOTHING, also holds when two instances race.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from domain.recurrence import Cadence, Recurrence
from domain.reminders import periods_ahead
from domain.status import Status
from models.enums import AssignmentRole
from models.tables import Assignment, Occurrence, Task
from services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

PERIODS_AHEAD = 2
_CHUNK = 500
_OPEN = tuple(s.value for s in Status if s.is_open)


def recurrence_from_json(data: Mapping[str, Any]) -> Recurrence:
    """The rule stored in Task.recurrence (see services.plans); ValueError if unreadable.

    Rules stored before weekly and after-period rules existed lack those keys: their
    defaults (not after the period, no weekday, no time) are what those rules meant.
    """
    try:
        stored_time = data.get("due_time")
        return Recurrence(
            cadence=Cadence(data["cadence"]),
            month=data.get("month"),
            quarter=data.get("quarter"),
            before_day=data.get("before_day"),
            after_period=bool(data.get("after_period", False)),
            weekday=data.get("weekday"),
            due_time=time.fromisoformat(stored_time) if stored_time else None,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a recurrence rule: {data!r}") from exc


@dataclass(frozen=True)
class GeneratedOccurrences:
    """What one run created, and the tasks whose rule could not be read."""

    created: int
    unreadable_tasks: tuple[int, ...] = ()


async def generate_occurrences(
    session: UnitOfWork, *, today: date, ahead: int = PERIODS_AHEAD
) -> GeneratedOccurrences:
    """Create the current and next periods of every recurring duty's open lead assignments."""
    connection = await session.connection()
    rows = (
        await connection.execute(
            sa.select(col(Task.id), col(Task.recurrence), col(Task.start_date), col(Assignment.id))
            .join(Assignment, col(Assignment.task_id) == col(Task.id))
            .where(
                sa.not_(col(Task.removed)),
                col(Task.same_as_task_id).is_(None),
                col(Task.recurrence).is_not(None),
                col(Assignment.status).in_(_OPEN),
                col(Assignment.role) == AssignmentRole.LEAD.value,
            )
        )
    ).all()
    wanted: list[dict[str, Any]] = []
    unreadable: set[int] = set()
    rules: dict[int, list[Any]] = {}
    for task_id, stored, start, assignment_id in rows:
        if not stored:
            continue
        if task_id not in rules:
            try:
                rule = recurrence_from_json(stored)
            except ValueError as exc:
                log.warning("task %s: recurring deadline not scheduled: %s", task_id, exc)
                unreadable.add(task_id)
                rules[task_id] = []
                continue
            rules[task_id] = list(periods_ahead(rule, today=today, count=ahead, not_before=start))
        wanted.extend(
            {
                "assignment_id": assignment_id,
                "period_label": period.period_label,
                "period_start": period.period_start,
                "period_end": period.period_end,
                "due_date": period.due_date,
                "status": Status.NOT_STARTED.value,
                "progress": 0,
            }
            for period in rules[task_id]
        )
    # Leave out what exists, so a run every sweep inserts nothing (and, on PostgreSQL,
    # burns no sequence numbers on conflicts).
    existing: set[tuple[int, str]] = set()
    assignment_ids = sorted({row["assignment_id"] for row in wanted})
    for start in range(0, len(assignment_ids), _CHUNK):
        found = await connection.execute(
            sa.select(col(Occurrence.assignment_id), col(Occurrence.period_label)).where(
                col(Occurrence.assignment_id).in_(assignment_ids[start : start + _CHUNK])
            )
        )
        existing.update((assignment_id, label) for assignment_id, label in found)
    wanted = [w for w in wanted if (w["assignment_id"], w["period_label"]) not in existing]
    if not wanted:
        return GeneratedOccurrences(0, tuple(sorted(unreadable)))
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Occurrence)
        .on_conflict_do_nothing(index_elements=["assignment_id", "period_label"])
        .returning(col(Occurrence.id))
    )
    created = (await connection.execute(statement, wanted)).all()
    return GeneratedOccurrences(len(created), tuple(sorted(unreadable)))
