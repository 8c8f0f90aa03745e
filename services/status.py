"""Recording status replies: the change, its history row, snoozes and undo.

Each change appends a StatusChange with who, when, which channel and the source message
id. A source id seen before changes nothing (a replayed update); its unique column is the
last line of defence if two deliveries race.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor, require_see, require_update
from domain.reminders import OfficeHours
from domain.replies import MAX_REASON_LENGTH, MAX_SNOOZE_DAYS, ReplyAction
from domain.status import Status
from domain.targets import Target
from models.bulk import bulk_insert, bulk_update
from models.enums import HistoryEvent
from models.tables import Assignment, Occurrence, Snooze, StatusChange
from services import completions, queries
from services.queries import OPEN_STATUSES, UnknownAssignmentError, views
from services.unit_of_work import ReadAhead, UnitOfWork
from views.rows import AssignmentView

UNDO_WINDOW = timedelta(minutes=10)


class ClosedError(ValueError):
    """The assignment was cancelled; it takes no more updates."""


@dataclass(frozen=True)
class Applied:
    """The outcome of one status update."""

    view: AssignmentView
    before: Status
    before_progress: int
    changed: bool
    replayed: bool = False


# Built once: every status reply checks its source id.
_SEEN = select(StatusChange.id).where(
    col(StatusChange.source_message_id) == sa.bindparam("source")
)
# Views read ahead for a batch of replies, kept current by apply_status; any other write to
# assignments or occurrences makes them stale.
_VIEWS: ReadAhead[tuple[int, int | None], AssignmentView] = ReadAhead(
    "views", frozenset({str(Assignment.__tablename__), str(Occurrence.__tablename__)})
)


_STATUS_COLUMNS = (
    "status",
    "progress",
    "blocked_reason",
    "last_update_at",
    "completed_at",
    "blocked_by",
)
# Built once, so that `defer` groups the rows of many replies into one statement each.
_UPDATE_OCCURRENCE = bulk_update(Occurrence, key="id", columns=_STATUS_COLUMNS)
_UPDATE_ASSIGNMENT = bulk_update(
    Assignment, key="id", columns=(*_STATUS_COLUMNS, "last_update_by_id")
)
_INSERT_CHANGE = bulk_insert(StatusChange)


async def prefetch_views(session: UnitOfWork, *, targets: Iterable[Target]) -> None:
    """Read the views several replies will update in one go; `apply_status` then finds them
    in this session. Any other write to assignments or occurrences forgets them."""
    found = await views(session, targets=[t.pair for t in targets])
    read = session.read_ahead(_VIEWS)
    read.clear()
    read.update(found)


async def current_view(session: UnitOfWork, *, target: Target) -> AssignmentView:
    """The target's view as a reply sees it (read ahead for a batch, else read now)."""
    return await _load(session, target)


async def _load(session: UnitOfWork, target: Target) -> AssignmentView:
    key = target.pair
    view = (session.read_ahead_if_any(_VIEWS) or {}).get(key)
    if view is None:
        view = await queries.view(
            session, assignment_id=target.assignment_id, occurrence_id=target.occurrence_id
        )
    return view


async def resolve_handle(session: UnitOfWork, *, actor: Actor, handle: int, today: date) -> Target:
    """The target a handle (#57) names: the assignment, or for a recurring duty its oldest
    open period that has begun (the report that is owed now)."""
    assignment = await session.get(Assignment, handle)
    if assignment is None:
        raise UnknownAssignmentError(handle)
    require_see(actor, agency_id=assignment.agency_id)
    periods = (
        await session.exec(
            select(Occurrence)
            .where(Occurrence.assignment_id == handle)
            .order_by(col(Occurrence.due_date), col(Occurrence.id))
        )
    ).all()
    if not periods:
        return Target(handle)
    begun = [o for o in periods if o.period_start <= today]
    owed = [o for o in begun if o.status in OPEN_STATUSES]
    chosen = owed[0] if owed else (begun[-1] if begun else periods[0])
    return Target(handle, chosen.id)


async def open_targets(session: UnitOfWork, *, targets: list[Target]) -> list[Target]:
    """The targets still owed (status open), in the given order."""
    found = await views(session, targets=[t.pair for t in targets])
    return [t for t in targets if (view := found.get(t.pair)) is not None and view.status.is_open]


async def apply_status(
    session: UnitOfWork,
    *,
    actor: Actor,
    target: Target,
    action: ReplyAction,
    percent: int | None,
    reason: str | None,
    channel: str,
    source_message_id: str | None,
    now: datetime,
    unseen: bool = False,
    blocked_by: str | None = None,
) -> Applied:
    """Move an assignment (or occurrence) to done, in progress or blocked, with history.

    `unseen` says the caller recorded the update carrying `source_message_id` as new in
    this transaction, so no change can carry that id yet and the replay check is skipped.
    A blocked reply with a reason records `blocked_by` (the agency it waits on, or None);
    otherwise the agency last named is kept, shown only while the work is blocked.
    """
    status = action.status
    if status is None:
        raise ValueError(f"{action} does not change a status")
    if percent is not None and not 0 <= percent <= 100:
        raise ValueError(f"a percent must be 0-100, not {percent}")
    view = await _load(session, target)
    require_update(actor, agency_id=view.agency_id)
    if source_message_id is not None and not unseen:
        seen = (await session.exec(_SEEN, params={"source": source_message_id})).first()
        if seen is not None:
            return Applied(view, view.status, view.progress, changed=False, replayed=True)
    if view.status is Status.CANCELLED:
        raise ClosedError(target.assignment_id)

    progress = _next_progress(view, status, percent)
    note = reason[:MAX_REASON_LENGTH] if status is Status.BLOCKED and reason else None
    if status is Status.BLOCKED and note is None and view.status is Status.BLOCKED:
        note = view.blocked_reason  # "vướng" again, without words, keeps the reason given
    if (
        view.status is status
        and view.progress == progress
        and (status is not Status.BLOCKED or view.blocked_reason == note)
    ):
        return Applied(view, view.status, view.progress, changed=False)

    # Deferred writes by primary key, not a load and a dirty flush: the view already holds
    # everything the reply shows, so nothing is read back, and the replies of a batch go
    # out together.
    values: dict[str, object] = {
        "id": target.occurrence_id or target.assignment_id,
        "status": status.value,
        "progress": progress,
        "blocked_reason": note,
        "last_update_at": now,
        # When the work was completed: set as it becomes done, cleared as it reopens.
        "completed_at": now if status is Status.DONE else None,
    }
    if target.occurrence_id is None:
        values["last_update_by_id"] = actor.person_id
    # Named (or cleared) only by a blocked reply with a reason; kept otherwise.
    waits_on = blocked_by if status is Status.BLOCKED and reason else view.blocked_by
    values["blocked_by"] = waits_on
    session.defer(
        _UPDATE_ASSIGNMENT if target.occurrence_id is None else _UPDATE_OCCURRENCE, values
    )
    session.defer(
        _INSERT_CHANGE,
        {
            "assignment_id": target.assignment_id,
            "occurrence_id": target.occurrence_id,
            "person_id": actor.person_id,
            "channel": channel,
            "at": now,
            "from_status": view.status.value,
            "to_status": status.value,
            "from_progress": view.progress,
            "to_progress": progress,
            "note": note,
            "source_message_id": source_message_id,
            "undone": False,
        },
    )
    after = replace(
        view,
        status=status,
        progress=progress,
        blocked_reason=note,
        last_update_at=now,
        blocked_by=waits_on,
    )
    if (read := session.read_ahead_if_any(_VIEWS)) is not None:
        read[target.pair] = after
    return Applied(after, view.status, view.progress, changed=True)


def _next_progress(view: AssignmentView, status: Status, percent: int | None) -> int:
    if status is Status.DONE:
        return 100
    if percent is not None:
        return percent
    # "đang làm" without a figure keeps the last one, unless it reopens finished work.
    return 0 if view.status is Status.DONE else view.progress


@dataclass(frozen=True)
class Snoozed:
    """A snooze written for the reminder planner."""

    view: AssignmentView
    until: datetime
    # The moment `days` days on fell on a day off or outside the send window, and was moved
    # to the next opening.
    moved: bool = False


async def snooze(
    session: UnitOfWork,
    *,
    actor: Actor,
    target: Target,
    days: int,
    now: datetime,
    hours: OfficeHours | None = None,
) -> Snoozed:
    """Ask the planner not to remind this person of the target for `days` days: until then,
    or the next time reminders may go out (`hours`) if that falls on a day off or at night."""
    if not 1 <= days <= MAX_SNOOZE_DAYS:
        raise ValueError(f"snooze days must be 1-{MAX_SNOOZE_DAYS}")
    view = await _load(session, target)
    require_see(actor, agency_id=view.agency_id)
    later = now + timedelta(days=days)
    until = hours.next_open(later) if hours is not None else later
    existing = (
        await session.exec(
            select(Snooze).where(Snooze.person_id == actor.person_id, Snooze.target == target.key)
        )
    ).first()
    if existing is None:
        existing = Snooze(
            person_id=actor.person_id, target=target.key, until=until, created_at=now
        )
    existing.until = until
    session.add(existing)
    await session.flush()
    return Snoozed(view=view, until=until, moved=until != later)


# Requests for more time and their decisions are history, not replies: /undo passes them by
# (a request is withdrawn by the office's refusal, a decision stands).
_UNDOABLE = sa.or_(
    col(StatusChange.event).is_(None),
    col(StatusChange.event).not_in(
        [
            HistoryEvent.EXTENSION_REQUESTED.value,
            HistoryEvent.EXTENSION_APPROVED.value,
            HistoryEvent.EXTENSION_REFUSED.value,
        ]
    ),
)


class UndoOutcome(StrEnum):
    """How an /undo ended."""

    UNDONE = "undone"
    NOTHING = "nothing"
    TOO_LATE = "too_late"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class UndoResult:
    """What /undo restored."""

    outcome: UndoOutcome
    views: tuple[AssignmentView, ...] = ()


async def undo_last(
    session: UnitOfWork, *, actor: Actor, now: datetime, window: timedelta = UNDO_WINDOW
) -> UndoResult:
    """Take back the actor's last reply (every change it made) if it is recent and nobody
    has changed those tasks since."""
    latest = (
        await session.exec(
            select(StatusChange)
            .where(
                StatusChange.person_id == actor.person_id,
                col(StatusChange.undone).is_(False),
                _UNDOABLE,
            )
            .order_by(col(StatusChange.at).desc(), col(StatusChange.id).desc())
        )
    ).first()
    if latest is None:
        return UndoResult(UndoOutcome.NOTHING)
    if now - latest.at > window:
        return UndoResult(UndoOutcome.TOO_LATE)
    # One reply is applied in one transaction at one instant, so its changes share `at`.
    batch = (
        await session.exec(
            select(StatusChange).where(
                StatusChange.person_id == actor.person_id,
                StatusChange.at == latest.at,
                col(StatusChange.undone).is_(False),
                _UNDOABLE,
            )
        )
    ).all()
    for change in batch:
        later = (
            await session.exec(
                select(StatusChange.id).where(
                    StatusChange.assignment_id == change.assignment_id,
                    StatusChange.occurrence_id == change.occurrence_id
                    if change.occurrence_id is not None
                    else col(StatusChange.occurrence_id).is_(None),
                    col(StatusChange.undone).is_(False),
                    col(StatusChange.id) > (change.id or 0),
                )
            )
        ).first()
        if later is not None:
            return UndoResult(UndoOutcome.SUPERSEDED)
    targets = []
    for change in batch:
        await _restore(session, change)
        targets.append((change.assignment_id, change.occurrence_id))
    await session.flush()
    found = await views(session, targets=targets)
    return UndoResult(UndoOutcome.UNDONE, tuple(found[t] for t in targets if t in found))


async def _restore(session: UnitOfWork, change: StatusChange) -> None:
    change.undone = True
    session.add(change)
    previous = (
        await session.exec(
            select(StatusChange)
            .where(
                StatusChange.assignment_id == change.assignment_id,
                StatusChange.occurrence_id == change.occurrence_id
                if change.occurrence_id is not None
                else col(StatusChange.occurrence_id).is_(None),
                col(StatusChange.undone).is_(False),
                col(StatusChange.id) < (change.id or 0),
            )
            .order_by(col(StatusChange.id).desc())
        )
    ).first()
    row: Assignment | Occurrence | None
    if change.occurrence_id is not None:
        row = await session.get(Occurrence, change.occurrence_id)
    else:
        row = await session.get(Assignment, change.assignment_id)
    assert row is not None
    row.status = change.from_status
    row.progress = change.from_progress
    row.blocked_reason = (
        previous.note if previous and change.from_status == Status.BLOCKED.value else None
    )
    row.last_update_at = previous.at if previous else None
    # Back to done: completed when the change that made it done was made.
    row.completed_at = (
        previous.at
        if previous is not None
        and change.from_status == Status.DONE.value
        and previous.to_status == Status.DONE.value
        else None
    )
    if isinstance(row, Assignment):
        row.last_update_by_id = previous.person_id if previous else None
    session.add(row)
    if change.event is not None:
        await completions.undo_step(session, change)
