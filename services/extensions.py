"""Requests for more time: asked by an officer, decided once by the plan's hub coordinator.

An approval sets the assignment's (or the period's) extended_due_date and counts it; the
task's due_date stays the original deadline. The reminder planner and every list read the
deadline in force (models.tables.ASSIGNMENT_DUE), and the reminder ledger keys each step by
its deadline, so the series starts again from the new date and nothing more is sent for the
old one. Each step leaves a history row (StatusChange.event) and an audit row.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from domain.access import AccessDenied, Actor, Role, require_decide, require_see, require_update
from domain.calendar import WorkCalendar
from domain.extensions import ExtensionProblem, ExtensionRequest, ResolvedExtension
from domain.targets import Target
from models.enums import ExtensionState, HistoryEvent
from models.tables import (
    Assignment,
    AuditLog,
    Occurrence,
    Person,
    StatusChange,
    Task,
)
from models.tables import (
    ExtensionRequest as StoredRequest,
)
from services import queries
from services.people import hub_coordinators
from services.queries import UnknownAssignmentError, views
from services.unit_of_work import UnitOfWork
from views.rows import AssignmentView

# /giahan lists at most this many; the oldest first, since they have waited longest.
LIST_LIMIT = 20


class UnknownRequestError(LookupError):
    """No extension request has that id."""


class ClosedTaskError(ValueError):
    """The work is done or cancelled: there is no deadline left to move."""


@dataclass(frozen=True)
class Asked:
    """What came of a request: stored (`request`), or why not (`problem`, `pending`)."""

    view: AssignmentView
    resolved: ResolvedExtension
    request: StoredRequest | None = None
    # A request for the same work already waiting for the office.
    pending: StoredRequest | None = None
    coordinators: tuple[Person, ...] = ()
    replayed: bool = False

    @property
    def problem(self) -> ExtensionProblem | None:
        """Why the request cannot go to the office as read, if it cannot."""
        return self.resolved.problem


@dataclass(frozen=True)
class Decided:
    """A decision taken now, or the one taken before (`already`)."""

    request: StoredRequest
    view: AssignmentView
    requester: Person | None
    already: bool = False
    # The day approved is not after the deadline in force: nothing was decided.
    not_after: bool = False


@dataclass(frozen=True)
class PendingRequest:
    """A request waiting for the office, as /giahan lists it."""

    request: StoredRequest
    view: AssignmentView
    requester: str | None


async def _view(session: UnitOfWork, target: Target) -> AssignmentView:
    return await queries.view(
        session, assignment_id=target.assignment_id, occurrence_id=target.occurrence_id
    )


def _history(
    *,
    target: Target,
    view: AssignmentView,
    actor: Actor,
    channel: str,
    now: datetime,
    event: HistoryEvent,
    note: str | None,
    source_message_id: str | None = None,
) -> StatusChange:
    """A history row for a workflow step: the status stays as it is."""
    return StatusChange(
        assignment_id=target.assignment_id,
        occurrence_id=target.occurrence_id,
        person_id=actor.person_id or None,
        channel=channel,
        at=now,
        from_status=view.status.value,
        to_status=view.status.value,
        from_progress=view.progress,
        to_progress=view.progress,
        note=note,
        source_message_id=source_message_id,
        event=event.value,
    )


def _note(day: date, words: str | None) -> str:
    stamp = day.strftime("%d/%m/%Y")
    return f"{stamp}: {words}" if words else stamp


async def _plan_of(session: UnitOfWork, assignment_id: int) -> int:
    plan_id = (
        await session.exec(
            select(Task.plan_id)
            .join(Assignment, col(Assignment.task_id) == col(Task.id))
            .where(Assignment.id == assignment_id)
        )
    ).first()
    if plan_id is None:
        raise UnknownAssignmentError(assignment_id)
    return plan_id


async def request_extension(
    session: UnitOfWork,
    *,
    actor: Actor,
    target: Target,
    request: ExtensionRequest,
    channel: str,
    source_message_id: str | None,
    now: datetime,
    today: date,
    calendar: WorkCalendar,
) -> Asked:
    """Store a request for more time on `target` and name the coordinators to ask; a
    request that is unclear, or that finds one already waiting, is only answered."""
    view = await _view(session, target)
    require_update(actor, agency_id=view.agency_id)
    if not view.status.is_open:
        raise ClosedTaskError(target.assignment_id)
    resolved = request.resolve(current_due=view.due_date, today=today, calendar=calendar)
    if source_message_id is not None:
        seen = (
            await session.exec(
                select(StoredRequest).where(StoredRequest.source_message_id == source_message_id)
            )
        ).first()
        if seen is not None:
            return Asked(view, resolved, request=seen, replayed=True)
    if not resolved.is_clear:
        return Asked(view, resolved)
    waiting = (
        await session.exec(
            select(StoredRequest).where(
                StoredRequest.assignment_id == target.assignment_id,
                StoredRequest.occurrence_id == target.occurrence_id
                if target.occurrence_id is not None
                else col(StoredRequest.occurrence_id).is_(None),
                StoredRequest.state == ExtensionState.PENDING.value,
            )
        )
    ).first()
    if waiting is not None:
        return Asked(view, resolved, pending=waiting)
    assert resolved.new_due is not None
    stored = StoredRequest(
        assignment_id=target.assignment_id,
        occurrence_id=target.occurrence_id,
        requested_by_id=actor.person_id or None,
        channel=channel,
        requested_at=now,
        current_due=view.due_date,
        requested_due=resolved.new_due,
        reason=resolved.reason,
        state=ExtensionState.PENDING.value,
        source_message_id=source_message_id,
    )
    session.add(stored)
    session.add(
        _history(
            target=target,
            view=view,
            actor=actor,
            channel=channel,
            now=now,
            event=HistoryEvent.EXTENSION_REQUESTED,
            note=_note(resolved.new_due, resolved.reason),
        )
    )
    await session.flush()
    session.add(
        AuditLog(
            at=now,
            actor_id=actor.person_id or None,
            actor=actor.name,
            action="extension.requested",
            detail={
                "request": stored.id,
                "assignment": target.assignment_id,
                "occurrence": target.occurrence_id,
                "current_due": view.due_date.isoformat() if view.due_date else None,
                "requested_due": resolved.new_due.isoformat(),
            },
        )
    )
    coordinators = await hub_coordinators(
        session, plan_id=await _plan_of(session, target.assignment_id)
    )
    return Asked(
        view,
        resolved,
        request=stored,
        coordinators=tuple(p for p in coordinators if p.id != actor.person_id),
    )


async def request_view(
    session: UnitOfWork, *, actor: Actor, request_id: int
) -> tuple[StoredRequest, AssignmentView]:
    """A request and the work it is about, if the actor may see it."""
    stored = await session.get(StoredRequest, request_id)
    if stored is None:
        raise UnknownRequestError(request_id)
    view = await _view(session, Target(stored.assignment_id, stored.occurrence_id))
    require_see(actor, agency_id=view.agency_id)
    return stored, view


async def decide(
    session: UnitOfWork,
    *,
    actor: Actor,
    request_id: int,
    approve: bool,
    channel: str,
    now: datetime,
    new_due: date | None = None,
    reason: str | None = None,
) -> Decided:
    """Approve a request (to the day asked, or to `new_due`) or refuse it (with `reason`).

    A request is decided once: a second decision finds the first (`already`)."""
    require_decide(actor)
    stored, view = await request_view(session, actor=actor, request_id=request_id)
    requester = (
        await session.get(Person, stored.requested_by_id) if stored.requested_by_id else None
    )
    if stored.state != ExtensionState.PENDING.value:
        return Decided(stored, view, requester, already=True)
    target = Target(stored.assignment_id, stored.occurrence_id)
    row: Assignment | Occurrence | None = (
        await session.get(Occurrence, target.occurrence_id)
        if target.occurrence_id is not None
        else await session.get(Assignment, target.assignment_id)
    )
    assert row is not None
    event: HistoryEvent
    note: str | None
    if approve:
        day = new_due or stored.requested_due
        if view.due_date is not None and day <= view.due_date:
            return Decided(stored, view, requester, not_after=True)
        stored.state = ExtensionState.APPROVED.value
        stored.approved_due = day
        row.extended_due_date = day
        row.extension_count += 1
        event, note = HistoryEvent.EXTENSION_APPROVED, _note(day, None)
    else:
        stored.state = ExtensionState.REFUSED.value
        stored.refusal_reason = reason
        event, note = HistoryEvent.EXTENSION_REFUSED, reason
    stored.decided_by_id = actor.person_id or None
    stored.decided_at = now
    session.add(stored)
    session.add(row)
    session.add(
        _history(
            target=target,
            view=view,
            actor=actor,
            channel=channel,
            now=now,
            event=event,
            note=note,
        )
    )
    session.add(
        AuditLog(
            at=now,
            actor_id=actor.person_id or None,
            actor=actor.name,
            action=f"extension.{stored.state}",
            detail={
                "request": stored.id,
                "assignment": target.assignment_id,
                "occurrence": target.occurrence_id,
                "due": stored.approved_due.isoformat() if stored.approved_due else None,
                "reason": reason,
            },
        )
    )
    await session.flush()
    after = await _view(session, target)
    return Decided(stored, after, requester)


async def pending_requests(
    session: UnitOfWork, *, actor: Actor, limit: int | None = LIST_LIMIT
) -> list[PendingRequest]:
    """Requests waiting for the office, oldest first: every agency's for coordinators and
    leaders, their own agency's for officers (all of them with `limit` None)."""
    if actor.role is Role.OFFICER and actor.agency_id is None:
        raise AccessDenied("see")
    statement = (
        select(StoredRequest, Person.name)
        .outerjoin(Person, col(Person.id) == col(StoredRequest.requested_by_id))
        .where(StoredRequest.state == ExtensionState.PENDING.value)
        .order_by(col(StoredRequest.requested_at), col(StoredRequest.id))
    )
    if not actor.sees_everything:
        statement = statement.join(
            Assignment, col(Assignment.id) == col(StoredRequest.assignment_id)
        ).where(Assignment.agency_id == actor.agency_id)
    rows = (await session.exec(statement.limit(limit))).all()
    found = await views(session, targets=[(r.assignment_id, r.occurrence_id) for r, _ in rows])
    return [
        PendingRequest(request, found[(request.assignment_id, request.occurrence_id)], name)
        for request, name in rows
        if (request.assignment_id, request.occurrence_id) in found
    ]
