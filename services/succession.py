"""Handing the open work of dissolved bodies to their successors (`dondoc agencies succession`).

The 2025 reorganisation dissolved departments and districts whose 2023 tasks are still open.
The registry knows who took each one's work over (domain.agencies.plan_succession): a body
with one successor hands its open assignments over as they stand, keeping their handle, their
status and their history, with a note in that history and in the audit log; a split (several
successors) waits for a coordinator to choose, and a body dissolved without a successor is
listed for a coordinator to reassign by hand. The coordinators hear of what was moved.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Role
from domain.agencies import Succession, SuccessionPlan, plan_succession
from domain.status import Status
from locales import gettext_for
from models.enums import AssignmentRole, OutboxKind
from models.tables import Agency, Assignment, AuditLog, Person, StatusChange, Task
from services.agencies import registry_from_store
from services.outbox import enqueue_for_person
from services.unit_of_work import UnitOfWork
from views.succession import HandOver, handover_notice

_OPEN = tuple(s.value for s in Status if s.is_open)
# The channel a history entry written by the command line is recorded under.
CLI_CHANNEL = "cli"


class ChoiceError(ValueError):
    """A --choose names a body that is not a split, or a successor it did not have."""


@dataclass(frozen=True)
class SuccessionOverview:
    """What succession on a day would do: the registry's plan and the open work per body."""

    plan: SuccessionPlan
    open_work: Mapping[str, int]
    names: Mapping[str, str]


@dataclass
class SuccessionApplied:
    """What applying moved: assignments handed over, per (from, to), and those merged into an
    assignment the successor already had on the same task."""

    moved: Counter[tuple[str, str]] = field(default_factory=Counter)
    merged: Counter[tuple[str, str]] = field(default_factory=Counter)
    notified: int = 0

    @property
    def total(self) -> int:
        """Every assignment handed over."""
        return sum(self.moved.values()) + sum(self.merged.values())


async def overview(session: UnitOfWork, *, on: date) -> SuccessionOverview:
    """Sort the bodies holding open work by what their succession on `on` requires."""
    registry = await registry_from_store(session)
    counts = await _open_work(session)
    plan = plan_succession(registry, codes=sorted(counts), on=on)
    return SuccessionOverview(
        plan=plan,
        open_work=counts,
        names={agency.code: agency.name for agency in registry},
    )


async def apply(
    session: UnitOfWork,
    *,
    on: date,
    now: datetime,
    actor: str,
    choices: Mapping[str, str] | None = None,
) -> tuple[SuccessionOverview, SuccessionApplied]:
    """Hand over the open work of every body that had one successor by `on`, and of the
    splits a coordinator chose for (`choices`: dissolved code → chosen successor); tell the
    coordinators. Raises ChoiceError for a choice that is not one of a split's successors."""
    seen = await overview(session, on=on)
    chosen = dict(choices or {})
    targets: dict[str, tuple[Succession, str]] = {
        move.code: (move, move.successors[0]) for move in seen.plan.moves
    }
    decisions = {decision.code: decision for decision in seen.plan.decisions}
    for code, successor in chosen.items():
        decision = decisions.get(code)
        if decision is None or successor not in decision.successors:
            raise ChoiceError(f"{code}={successor}")
        targets[code] = (decision, successor)
    agencies = {a.code: a for a in (await session.exec(select(Agency))).all()}
    applied = SuccessionApplied()
    for code, (note, successor) in targets.items():
        await _hand_over(
            session,
            old=agencies[code],
            new=agencies[successor],
            note=note,
            now=now,
            applied=applied,
        )
    if applied.total:
        session.add(
            AuditLog(
                at=now,
                actor=actor[:100],
                action="agencies.succession",
                detail={
                    "on": on.isoformat(),
                    "moved": {f"{a}>{b}": n for (a, b), n in applied.moved.items()},
                    "merged": {f"{a}>{b}": n for (a, b), n in applied.merged.items()},
                },
            )
        )
        applied.notified = await _tell_coordinators(session, seen, applied, now=now)
    await session.flush()
    return seen, applied


async def _open_work(session: UnitOfWork) -> Counter[str]:
    """Open assignments of current tasks, counted by agency code."""
    connection = await session.connection()
    rows = await connection.execute(
        sa.select(col(Agency.code), sa.func.count())
        .select_from(Assignment)
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            col(Assignment.status).in_(_OPEN),
            sa.not_(col(Task.removed)),
            col(Task.same_as_task_id).is_(None),
        )
        .group_by(col(Agency.code))
    )
    return Counter({code: count for code, count in rows.all()})


async def _hand_over(
    session: UnitOfWork,
    *,
    old: Agency,
    new: Agency,
    note: Succession,
    now: datetime,
    applied: SuccessionApplied,
) -> None:
    """Give `old`'s open assignments to `new`: the same assignment, re-pointed, or merged into
    the one `new` already has on that task."""
    assert old.id is not None and new.id is not None
    mine = (
        await session.exec(
            select(Assignment)
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .where(
                Assignment.agency_id == old.id,
                col(Assignment.status).in_(_OPEN),
                sa.not_(col(Task.removed)),
                col(Task.same_as_task_id).is_(None),
            )
            .order_by(col(Assignment.id))
        )
    ).all()
    if not mine:
        return
    theirs = {
        a.task_id: a
        for a in (
            await session.exec(
                select(Assignment).where(
                    Assignment.agency_id == new.id,
                    col(Assignment.task_id).in_([a.task_id for a in mine]),
                )
            )
        ).all()
    }
    text = _history_note(old, new, note)
    for assignment in mine:
        assert assignment.id is not None
        existing = theirs.get(assignment.task_id)
        if existing is None:
            assignment.agency_id = new.id
            session.add(assignment)
            _record(session, assignment, now=now, note=text)
            applied.moved[(old.code, new.code)] += 1
            continue
        # The successor already has a share of this task: it keeps its own assignment, which
        # leads if either did, and takes this one's progress if it had none of its own.
        if assignment.role == AssignmentRole.LEAD.value:
            existing.role = AssignmentRole.LEAD.value
        if not Status(existing.status).is_open:
            existing.status = assignment.status
            existing.progress = assignment.progress
            existing.blocked_reason = assignment.blocked_reason
            existing.completed_at = assignment.completed_at
        session.add(existing)
        merged = f"{text} (#{existing.id})"
        _record(session, assignment, now=now, note=merged, to_status=Status.CANCELLED.value)
        assignment.status = Status.CANCELLED.value
        session.add(assignment)
        applied.merged[(old.code, new.code)] += 1


def _history_note(old: Agency, new: Agency, note: Succession) -> str:
    """The line the task's history shows (stored text, in the store's language)."""
    ceased = note.ended.toordinal() + 1
    day = date.fromordinal(ceased).strftime("%d/%m/%Y")
    source = f" ({old.source})" if old.source else ""
    return f"Chuyển từ {old.name} sang {new.name}: {old.name} không còn từ {day}{source}"


def _record(
    session: UnitOfWork,
    assignment: Assignment,
    *,
    now: datetime,
    note: str,
    to_status: str | None = None,
) -> None:
    assert assignment.id is not None
    session.add(
        StatusChange(
            assignment_id=assignment.id,
            channel=CLI_CHANNEL,
            at=now,
            from_status=assignment.status,
            to_status=to_status or assignment.status,
            from_progress=assignment.progress,
            to_progress=assignment.progress,
            note=note,
        )
    )


async def _tell_coordinators(
    session: UnitOfWork,
    seen: SuccessionOverview,
    applied: SuccessionApplied,
    *,
    now: datetime,
) -> int:
    """One notice to each active coordinator (administrators when there is none)."""
    people = (
        await session.exec(
            select(Person)
            .where(
                col(Person.role).in_([Role.COORDINATOR.value, Role.ADMIN.value]),
                col(Person.active).is_(True),
            )
            .order_by(col(Person.id))
        )
    ).all()
    readers = [p for p in people if p.role == Role.COORDINATOR.value] or list(people)
    moved = applied.moved + applied.merged
    handover = HandOver(
        moved=tuple(
            (seen.names.get(a, a), seen.names.get(b, b), n) for (a, b), n in sorted(moved.items())
        ),
        waiting=tuple(
            (
                seen.names.get(d.code, d.code),
                tuple(seen.names.get(s, s) for s in d.successors),
                seen.open_work.get(d.code, 0),
            )
            for d in seen.plan.decisions
            if d.code not in {a for a, _ in moved}
        ),
        dissolved=tuple(
            (seen.names.get(d.code, d.code), seen.open_work.get(d.code, 0))
            for d in seen.plan.dissolved
        ),
    )
    sent = 0
    for person in readers:
        assert person.id is not None
        message = handover_notice(handover, gettext_for(person.locale))
        row = await enqueue_for_person(
            session, person_id=person.id, message=message, now=now, kind=OutboxKind.NOTICE
        )
        sent += row is not None
    return sent
