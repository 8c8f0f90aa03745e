"""When a sweep must next look at each assignment: Assignment.next_step_on.

A sweep that re-read every open assignment to find the few whose step has come did work
proportional to the store. After planning an assignment, the sweep writes the day of its
next step (or the day a snooze of it ends, if sooner); until then nothing new can be owed
for it unless something it depends on changes, and the database's triggers set the day
back to NULL ("plan it at the next sweep") in the statement that changes it (migration
0017: status, deadline, role or agency; a snooze; people registering, moving or leaving;
the plan's policy or hub). Report periods and indicators are still read whole: they are
few beside the assignments.

The day itself lives in a narrow row of assignmentstep (migration 0024): moving it does not
rewrite the assignment row and its indexes. The day is written only where it still holds
what the sweep read, so a change made while the sweep planned (and its NULL) is never
overwritten. `replan_all` is the full re-plan
(`dondoc schedule rebuild`, and start-up, which may bring a new calendar).
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import col

from domain.reminders import OfficeHours, OpenTarget, next_step_day
from models.schedule import AssignmentStep
from models.tables import Assignment
from services.reminders.load import Store
from services.unit_of_work import Sessions, transaction

# The series has ended (an informational target past its due day, a policy without
# nags): nothing more until something changes.
NEVER = date(9999, 12, 31)


def next_steps(
    targets: Iterable[OpenTarget],
    seen: Mapping[int, date | None],
    *,
    store: Store,
    hours: OfficeHours,
    now: datetime,
    days: dict[tuple[date, int, bool], date] | None = None,
) -> dict[int, date]:
    """The day each assignment target the sweep read (its next_step_on in `seen`) must
    next be planned: its next step, or the day a recipient's snooze of it ends, if
    sooner. `days` keeps the next step day per (due date, policy, informational) from one
    call to the next of the same sweep (same `now`): the chunks of a sweep share most."""
    today = hours.today(now)
    days = {} if days is None else days
    ends = {
        (person, key): hours.today(until)
        for (person, key), until in store.snoozes.items()
        if until > now and key.startswith("a:")
    }
    found: dict[int, date] = {}
    for target in targets:
        # Report periods and indicators are read whole; an indicator's assignment_id is the
        # indicator's own id, which must not move an assignment of the same id on.
        if not target.key.startswith("a:") or target.assignment_id not in seen:
            continue
        found[target.assignment_id] = _next_day(target, days, hours=hours, today=today)
        if ends:
            for person in store.recipients.get(target.agency_id, ()):
                end = ends.get((person, target.key))
                if end is not None and end < found[target.assignment_id]:
                    found[target.assignment_id] = end
    return found


def _next_day(
    target: OpenTarget,
    days: dict[tuple[date, int, bool], date],
    *,
    hours: OfficeHours,
    today: date,
) -> date:
    if target.due is None:
        return NEVER
    key = (target.due, id(target.policy), target.informational)
    day = days.get(key)
    if day is None:
        day = days[key] = (
            next_step_day(
                target.due,
                target.policy,
                hours.calendar,
                today=today,
                informational=target.informational,
            )
            or NEVER
        )
    return day


async def move_on(
    sessions: Sessions, *, seen: Mapping[int, date | None], days: Mapping[int, date]
) -> int:
    """Write each assignment's next day where it still holds what was read; how many.

    A planned assignment's day moves in its narrow assignmentstep row, where it is still
    the day read (a change since, which set next_step_on back to NULL, deleted that row).
    One read as not planned is marked planned (next_step_on, where still NULL) and its step
    written."""
    moved = [
        (assignment_id, day, seen[assignment_id])
        for assignment_id, day in sorted(days.items())
        if seen.get(assignment_id, day) not in (day, None)
    ]
    planned = [
        (assignment_id, day)
        for assignment_id, day in sorted(days.items())
        if assignment_id in seen and seen[assignment_id] is None
    ]
    if not moved and not planned:
        return 0
    async with transaction(sessions) as session:
        connection = await session.connection()
        if connection.dialect.name == "postgresql":
            # One statement over arrays each: an executemany runs a statement per row.
            if moved:
                await connection.execute(
                    sa.text(
                        "UPDATE assignmentstep SET next_step_on = v.day FROM unnest("
                        "CAST(:ids AS INTEGER[]), CAST(:days AS DATE[]), CAST(:seen AS DATE[])"
                        ") AS v(id, day, seen) "
                        "WHERE assignmentstep.assignment_id = v.id "
                        "AND assignmentstep.next_step_on = v.seen"
                    ),
                    {
                        "ids": [row[0] for row in moved],
                        "days": [row[1] for row in moved],
                        "seen": [row[2] for row in moved],
                    },
                )
            if planned:
                await connection.execute(
                    sa.text(
                        "WITH marked AS (UPDATE assignment SET next_step_on = v.day FROM "
                        "unnest(CAST(:ids AS INTEGER[]), CAST(:days AS DATE[])) AS v(id, day) "
                        "WHERE assignment.id = v.id AND assignment.next_step_on IS NULL "
                        "RETURNING assignment.id, v.day) "
                        "INSERT INTO assignmentstep (assignment_id, next_step_on) "
                        "SELECT id, day FROM marked ON CONFLICT (assignment_id) "
                        "DO UPDATE SET next_step_on = excluded.next_step_on"
                    ),
                    {"ids": [row[0] for row in planned], "days": [row[1] for row in planned]},
                )
        else:
            dated = (sa.bindparam("day", type_=sa.Date()), sa.bindparam("seen", type_=sa.Date()))
            if moved:
                await connection.execute(
                    sa.text(
                        "UPDATE assignmentstep SET next_step_on = :day "
                        "WHERE assignment_id = :id AND next_step_on = :seen"
                    ).bindparams(*dated),
                    [{"id": i, "day": day, "seen": was} for i, day, was in moved],
                )
            if planned:
                rows = [{"id": i, "day": day} for i, day in planned]
                # The step first, while the mark still tells the assignment is not planned.
                await connection.execute(
                    sa.text(
                        "INSERT INTO assignmentstep (assignment_id, next_step_on) "
                        "SELECT id, :day FROM assignment WHERE id = :id "
                        "AND next_step_on IS NULL ON CONFLICT (assignment_id) "
                        "DO UPDATE SET next_step_on = excluded.next_step_on"
                    ).bindparams(dated[0]),
                    rows,
                )
                await connection.execute(
                    sa.text(
                        "UPDATE assignment SET next_step_on = :day "
                        "WHERE id = :id AND next_step_on IS NULL"
                    ).bindparams(dated[0]),
                    rows,
                )
    return len(moved) + len(planned)


async def replan_all(sessions: Sessions) -> int:
    """Have the next sweep plan every open assignment again; how many were waiting."""
    async with transaction(sessions) as session:
        # The steps go in one statement, not one by one from the trigger.
        await session.exec(sa.delete(AssignmentStep))
        result = await session.exec(
            sa.update(Assignment)
            .where(col(Assignment.next_step_on).is_not(None))
            .values(next_step_on=None)
        )
        return int(result.rowcount or 0)
