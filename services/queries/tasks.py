"""One agency's open tasks, one task's detail, the views replies show, who the actor is."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor, require_see
from domain.status import Status
from models.enums import AssignmentRole
from models.tables import (
    ASSIGNMENT_DUE,
    Agency,
    Assignment,
    ChatIdentity,
    Occurrence,
    Person,
    Plan,
    StatusChange,
    Task,
)
from services.unit_of_work import UnitOfWork
from views.rows import (
    AssignmentDetail,
    AssignmentView,
    HistoryEntry,
    ListResult,
)

OPEN_STATUSES = tuple(s.value for s in Status if s.is_open)
LIST_LIMIT = 30
HISTORY_LIMIT = 10


class UnknownAssignmentError(LookupError):
    """No assignment (or occurrence) has that handle."""


def plan_label(plan: Plan) -> str:
    """A plan's short name: its number ("40/KH-UBND") or, when it has none, its source key."""
    return label_of(plan.ref, plan.source_key)


def label_of(ref: str | None, source_key: str) -> str:
    """A plan's short name from its number and source key, read as plain values."""
    return ref or source_key


# What a view shows, read as plain values: building four ORM objects per row cost more than
# the query itself on the lists and on every status reply.
VIEW_COLUMNS: tuple[Any, ...] = (
    col(Assignment.id).label("handle"),
    col(Plan.ref).label("plan_ref"),
    col(Plan.source_key).label("plan_key"),
    col(Task.code).label("task_code"),
    col(Task.title).label("title"),
    ASSIGNMENT_DUE.label("due_date"),
    col(Task.due_date).label("original_due"),
    col(Assignment.extension_count).label("extension_count"),
    col(Assignment.blocked_by).label("blocked_by"),
    col(Plan.confirm_completion).label("confirm_completion"),
    col(Task.due_text).label("due_text"),
    col(Agency.id).label("agency_id"),
    col(Agency.code).label("agency_code"),
    col(Agency.name).label("agency_name"),
    col(Assignment.role).label("role"),
    col(Assignment.status).label("status"),
    col(Assignment.progress).label("progress"),
    col(Assignment.blocked_reason).label("blocked_reason"),
    col(Assignment.last_update_at).label("last_update_at"),
)


def view_of(row: Any, occurrence: Occurrence | None = None) -> AssignmentView:
    """The view of a row of VIEW_COLUMNS, or of one period of it."""
    # The row's status columns are labelled as the occurrence's are named.
    source: Any = occurrence if occurrence is not None else row
    return AssignmentView(
        handle=row.handle,
        occurrence_id=occurrence.id if occurrence else None,
        period_label=occurrence.period_label if occurrence else None,
        plan_label=row.plan_ref or row.plan_key,
        task_code=row.task_code,
        title=row.title,
        agency_id=row.agency_id,
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        role=row.role,
        status=Status(source.status),
        progress=source.progress,
        blocked_reason=source.blocked_reason,
        due_date=(occurrence.extended_due_date or occurrence.due_date)
        if occurrence
        else row.due_date,
        due_text=row.due_text,
        last_update_at=source.last_update_at,
        original_due=occurrence.due_date if occurrence else row.original_due,
        extension_count=source.extension_count,
        blocked_by=source.blocked_by,
        confirms=row.confirm_completion,
    )


def joined() -> Any:
    return (
        select(*VIEW_COLUMNS)
        .select_from(Assignment)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
    )


# Built once: replies read views by id many times a second.
_BY_IDS = joined().where(col(Assignment.id).in_(sa.bindparam("ids", expanding=True)))


async def views(
    session: UnitOfWork, *, targets: Iterable[tuple[int, int | None]]
) -> dict[tuple[int, int | None], AssignmentView]:
    """The views of (assignment id, occurrence id or None) pairs; unknown ones are left out."""
    wanted = set(targets)
    if not wanted:
        return {}
    assignment_ids = {a for a, _ in wanted}
    occurrence_ids = {o for _, o in wanted if o is not None}
    rows = (await session.exec(_BY_IDS, params={"ids": sorted(assignment_ids)})).all()
    base = {row.handle: row for row in rows}
    occurrences: dict[int, Occurrence] = {}
    if occurrence_ids:
        found = await session.exec(
            select(Occurrence).where(col(Occurrence.id).in_(occurrence_ids))
        )
        occurrences = {o.id: o for o in found.all() if o.id is not None}
    out: dict[tuple[int, int | None], AssignmentView] = {}
    for assignment_id, occurrence_id in wanted:
        row = base.get(assignment_id)
        if row is None:
            continue
        if occurrence_id is None:
            out[(assignment_id, None)] = view_of(row)
            continue
        occurrence = occurrences.get(occurrence_id)
        if occurrence is not None and occurrence.assignment_id == assignment_id:
            out[(assignment_id, occurrence_id)] = view_of(row, occurrence)
    return out


async def view(
    session: UnitOfWork, *, assignment_id: int, occurrence_id: int | None = None
) -> AssignmentView:
    """One assignment's (or report period's) view, read now; UnknownAssignmentError if none."""
    found = (await views(session, targets=[(assignment_id, occurrence_id)])).get(
        (assignment_id, occurrence_id)
    )
    if found is None:
        raise UnknownAssignmentError(assignment_id)
    return found


async def visible_view(
    session: UnitOfWork, *, actor: Actor, assignment_id: int, occurrence_id: int | None = None
) -> AssignmentView:
    """One assignment's view, if it exists and the actor may see it."""
    found = await view(session, assignment_id=assignment_id, occurrence_id=occurrence_id)
    require_see(actor, agency_id=found.agency_id)
    return found


def due_order() -> tuple[Any, ...]:
    return (ASSIGNMENT_DUE.is_(None), ASSIGNMENT_DUE, col(Assignment.id))


async def my_open_assignments(
    session: UnitOfWork, *, actor: Actor, today: date, limit: int = LIST_LIMIT, page: int = 1
) -> ListResult:
    """The open assignments of the actor's agency: those it leads first, then those it
    cooperates on, each by nearest deadline; `page` of them, `limit` a page.

    A recurring duty is listed by its open periods that have begun, not by the duty itself.
    """
    if actor.agency_id is None:
        return ListResult(views=(), more=0)
    agency_id = actor.agency_id
    recurring = select(Occurrence.assignment_id).distinct()
    statement = (
        joined()
        .where(
            col(Assignment.agency_id) == agency_id,
            col(Assignment.status).in_(OPEN_STATUSES),
            col(Task.removed).is_(False),
            col(Task.same_as_task_id).is_(None),
            col(Assignment.id).not_in(recurring),
        )
        .order_by(*due_order())
    )
    found = [view_of(row) for row in (await session.exec(statement)).all()]
    periods = (
        await session.exec(
            select(Occurrence.assignment_id, Occurrence.id)
            .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .where(
                col(Assignment.agency_id) == agency_id,
                col(Occurrence.status).in_(OPEN_STATUSES),
                col(Occurrence.period_start) <= today,
                col(Task.removed).is_(False),
                col(Task.same_as_task_id).is_(None),
            )
        )
    ).all()
    found.extend((await views(session, targets=periods)).values())
    # What the agency leads comes first; where it only cooperates is listed after.
    found.sort(
        key=lambda v: (
            v.role != AssignmentRole.LEAD.value,
            v.due_date is None,
            v.due_date or date.max,
            v.handle,
        )
    )
    pages = max(1, -(-len(found) // limit))
    page = min(max(1, page), pages)
    start = (page - 1) * limit
    return ListResult(
        views=tuple(found[start : start + limit]),
        more=max(0, len(found) - start - limit),
        page=page,
        pages=pages,
    )


async def find_by_code(session: UnitOfWork, *, actor: Actor, code: str) -> list[AssignmentView]:
    """Assignments whose task code is `code` ("III.12"), among those the actor may see."""
    statement = joined().where(sa.func.lower(col(Task.code)) == code.strip().lower())
    if not actor.sees_everything:
        statement = statement.where(col(Assignment.agency_id) == actor.agency_id)
    rows = (await session.exec(statement.order_by(col(Assignment.id)).limit(LIST_LIMIT))).all()
    return [view_of(row) for row in rows]


async def assignment_detail(
    session: UnitOfWork,
    *,
    actor: Actor,
    assignment_id: int,
    history_limit: int | None = HISTORY_LIMIT,
) -> AssignmentDetail:
    """An assignment, its cooperating agencies and its latest history (all of it with
    `history_limit` None)."""
    view = await visible_view(session, actor=actor, assignment_id=assignment_id)
    history_rows = (
        await session.exec(
            select(StatusChange, Person.name, Occurrence.period_label)
            .outerjoin(Person, col(Person.id) == col(StatusChange.person_id))
            .outerjoin(Occurrence, col(Occurrence.id) == col(StatusChange.occurrence_id))
            .where(StatusChange.assignment_id == assignment_id)
            .order_by(col(StatusChange.at).desc(), col(StatusChange.id).desc())
            .limit(history_limit)
        )
    ).all()
    history = tuple(
        HistoryEntry(
            at=change.at,
            person_name=name,
            channel=change.channel,
            from_status=Status(change.from_status),
            to_status=Status(change.to_status),
            to_progress=change.to_progress,
            note=change.note,
            period_label=period,
            undone=change.undone,
            event=change.event,
        )
        for change, name, period in history_rows
    )
    assignment = await session.get(Assignment, assignment_id)
    assert assignment is not None
    cooperating = (
        await session.exec(
            select(Agency.code)
            .join(Assignment, col(Assignment.agency_id) == col(Agency.id))
            .where(
                Assignment.task_id == assignment.task_id,
                Assignment.role == AssignmentRole.COOPERATING.value,
            )
            .order_by(col(Agency.code))
        )
    ).all()
    return AssignmentDetail(view=view, history=history, cooperating=tuple(cooperating))


@dataclass(frozen=True)
class Profile:
    """Who the actor is, for /whoami."""

    actor: Actor
    agency: Agency | None
    channels: tuple[str, ...]


async def profile(session: UnitOfWork, *, actor: Actor) -> Profile:
    """The actor's agency and chat channels."""
    agency = await session.get(Agency, actor.agency_id) if actor.agency_id else None
    channels = (
        await session.exec(
            select(ChatIdentity.channel)
            .where(ChatIdentity.person_id == actor.person_id)
            .order_by(col(ChatIdentity.channel))
        )
    ).all()
    return Profile(actor=actor, agency=agency, channels=tuple(channels))
