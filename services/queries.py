"""Reading the store for people: my open tasks, one task's detail, what is overdue or due soon.

Every query takes the actor and shows only what their role may see (services.access).
Overdue means an open lead assignment whose task's last on-time day is before the as-of
date, or an open report occurrence past its due date. Ongoing and conditional tasks have
no date and are never overdue. Lateness is counted in working days (WorkCalendar), the
way officials count it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import AccessDenied, Actor, require_see
from domain.calendar import WorkCalendar
from domain.status import Status
from domain.text import fold
from models.enums import AssignmentRole
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
from services.agencies import expand_groups
from services.summary import ReportConfig, summary_message
from services.unit_of_work import UnitOfWork
from views.messages import Outgoing
from views.rows import (
    AgencyCount,
    AssignmentDetail,
    AssignmentView,
    HistoryEntry,
    ListResult,
    OverduePage,
    OverdueRow,
    Scope,
)

OPEN_STATUSES = tuple(s.value for s in Status if s.is_open)
LIST_LIMIT = 30
OVERDUE_PAGE_SIZE = 15
HISTORY_LIMIT = 10


class UnknownAssignmentError(LookupError):
    """No assignment (or occurrence) has that handle."""


def plan_label(plan: Plan) -> str:
    """A plan's short name: its number ("40/KH-UBND") or, when it has none, its source key."""
    return plan.ref or plan.source_key


# What a view shows, read as plain values: building four ORM objects per row cost more than
# the query itself on the lists and on every status reply.
_VIEW_COLUMNS: tuple[Any, ...] = (
    col(Assignment.id).label("handle"),
    col(Plan.ref).label("plan_ref"),
    col(Plan.source_key).label("plan_key"),
    col(Task.code).label("task_code"),
    col(Task.title).label("title"),
    col(Task.due_date).label("due_date"),
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


def _view(row: Any, occurrence: Occurrence | None = None) -> AssignmentView:
    """The view of a row of _VIEW_COLUMNS, or of one period of it."""
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
        due_date=occurrence.due_date if occurrence else row.due_date,
        due_text=row.due_text,
        last_update_at=source.last_update_at,
    )


def _joined() -> Any:
    return (
        select(*_VIEW_COLUMNS)
        .select_from(Assignment)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
    )


# Built once: replies read views by id many times a second.
_BY_IDS = _joined().where(col(Assignment.id).in_(sa.bindparam("ids", expanding=True)))


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
            out[(assignment_id, None)] = _view(row)
            continue
        occurrence = occurrences.get(occurrence_id)
        if occurrence is not None and occurrence.assignment_id == assignment_id:
            out[(assignment_id, occurrence_id)] = _view(row, occurrence)
    return out


async def visible_view(
    session: UnitOfWork, *, actor: Actor, assignment_id: int, occurrence_id: int | None = None
) -> AssignmentView:
    """One assignment's view, if it exists and the actor may see it."""
    found = await views(session, targets=[(assignment_id, occurrence_id)])
    view = found.get((assignment_id, occurrence_id))
    if view is None:
        raise UnknownAssignmentError(assignment_id)
    require_see(actor, agency_id=view.agency_id)
    return view


def _due_order() -> tuple[Any, ...]:
    return (col(Task.due_date).is_(None), col(Task.due_date), col(Assignment.id))


async def my_open_assignments(
    session: UnitOfWork, *, actor: Actor, today: date, limit: int = LIST_LIMIT
) -> ListResult:
    """The open assignments of the actor's agency: those it leads first, then those it
    cooperates on, each by nearest deadline.

    A recurring duty is listed by its open periods that have begun, not by the duty itself.
    """
    if actor.agency_id is None:
        return ListResult(views=(), more=0)
    agency_id = actor.agency_id
    recurring = select(Occurrence.assignment_id).distinct()
    statement = (
        _joined()
        .where(
            col(Assignment.agency_id) == agency_id,
            col(Assignment.status).in_(OPEN_STATUSES),
            col(Task.removed).is_(False),
            col(Assignment.id).not_in(recurring),
        )
        .order_by(*_due_order())
    )
    found = [_view(row) for row in (await session.exec(statement)).all()]
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
    return ListResult(views=tuple(found[:limit]), more=max(0, len(found) - limit))


async def find_by_code(session: UnitOfWork, *, actor: Actor, code: str) -> list[AssignmentView]:
    """Assignments whose task code is `code` ("III.12"), among those the actor may see."""
    statement = _joined().where(sa.func.lower(col(Task.code)) == code.strip().lower())
    if not actor.sees_everything:
        statement = statement.where(col(Assignment.agency_id) == actor.agency_id)
    rows = (await session.exec(statement.order_by(col(Assignment.id)).limit(LIST_LIMIT))).all()
    return [_view(row) for row in rows]


async def assignment_detail(
    session: UnitOfWork, *, actor: Actor, assignment_id: int
) -> AssignmentDetail:
    """An assignment, its cooperating agencies and its latest history."""
    view = await visible_view(session, actor=actor, assignment_id=assignment_id)
    history_rows = (
        await session.exec(
            select(StatusChange, Person.name, Occurrence.period_label)
            .outerjoin(Person, col(Person.id) == col(StatusChange.person_id))
            .outerjoin(Occurrence, col(Occurrence.id) == col(StatusChange.occurrence_id))
            .where(StatusChange.assignment_id == assignment_id)
            .order_by(col(StatusChange.at).desc(), col(StatusChange.id).desc())
            .limit(HISTORY_LIMIT)
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


async def resolve_scope(session: UnitOfWork, *, text: str) -> Scope | None:
    """An agency (code, alias or name; a group means its members) or a plan (number or key)."""
    wanted = fold(text)
    if not wanted:
        return None
    agencies = list((await session.exec(select(Agency))).all())
    for agency in agencies:
        names = [agency.code, agency.name, *agency.aliases]
        if any(fold(name) == wanted for name in names):
            return _agency_scope(agencies, agency)
    for plan in (await session.exec(select(Plan))).all():
        keys = [plan.source_key, *([plan.ref] if plan.ref else [])]
        if any(fold(key).replace(" ", "") == wanted.replace(" ", "") for key in keys):
            assert plan.id is not None
            return Scope(kind="plan", key=plan.id, label=plan_label(plan))
    return None


def _agency_scope(agencies: Sequence[Agency], agency: Agency) -> Scope:
    assert agency.id is not None
    members = expand_groups(agencies, [agency.code]) if agency.is_group else [agency]
    return Scope(
        kind="agency",
        key=agency.id,
        label=agency.code,
        agency_ids=tuple(a.id for a in members if a.id is not None),
    )


async def scope_from_token(session: UnitOfWork, *, token: str) -> Scope | None:
    """Rebuild a scope from its button form (a17, p3); None if it no longer exists."""
    if len(token) < 2 or token[0] not in "ap" or not token[1:].isdigit():
        return None
    key = int(token[1:])
    if token[0] == "p":
        plan = await session.get(Plan, key)
        return None if plan is None else Scope(kind="plan", key=key, label=plan_label(plan))
    agency = await session.get(Agency, key)
    if agency is None:
        return None
    agencies = list((await session.exec(select(Agency))).all()) if agency.is_group else [agency]
    return _agency_scope(agencies, agency)


def _overdue_union(
    *,
    actor: Actor,
    as_of: date,
    scope: Scope | None,
    periodic: bool,
    agency_ids: Sequence[int] | None = None,
) -> Any:
    """(assignment id, occurrence id, agency id, due date) of everything overdue.

    Without `periodic` (no occurrence exists) only the lead assignments are read: a union
    costs SQLite a materialized subquery and PostgreSQL an append node on every count.
    """
    lead = col(Assignment.role) == AssignmentRole.LEAD.value
    alive = col(Task.removed).is_(False)
    direct: Any = (
        select(
            col(Assignment.id).label("aid"),
            sa.cast(sa.null(), sa.Integer).label("oid"),
            col(Assignment.agency_id).label("agency_id"),
            col(Task.due_date).label("due"),
        )
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            lead,
            alive,
            # "|| ''" keeps SQLite off the status index: most assignments are open, and a
            # sequential scan beats ~30,000 random row lookups (see bench/overdue.py).
            (col(Assignment.status) + "").in_(OPEN_STATUSES),
            col(Task.due_date) < as_of,
        )
    )
    filters: list[Any] = []
    if not actor.sees_everything:
        filters.append(col(Assignment.agency_id) == actor.agency_id)
    if scope is not None and scope.kind == "agency":
        filters.append(col(Assignment.agency_id).in_(scope.agency_ids or (-1,)))
    if scope is not None and scope.kind == "plan":
        filters.append(col(Task.plan_id) == scope.key)
    if agency_ids is not None:
        filters.append(col(Assignment.agency_id).in_(agency_ids))
    if not periodic:
        return direct.where(*filters).subquery("overdue")
    periods: Any = (
        select(
            col(Assignment.id).label("aid"),
            col(Occurrence.id).label("oid"),
            col(Assignment.agency_id).label("agency_id"),
            col(Occurrence.due_date).label("due"),
        )
        .select_from(Occurrence)
        .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            lead,
            alive,
            col(Occurrence.status).in_(OPEN_STATUSES),
            col(Occurrence.due_date) < as_of,
        )
    )
    return sa.union_all(direct.where(*filters), periods.where(*filters)).subquery("overdue")


async def _any_occurrence(session: UnitOfWork) -> bool:
    found = await session.exec(select(Occurrence.id).limit(1))
    return found.first() is not None


async def overdue_page(
    session: UnitOfWork,
    *,
    actor: Actor,
    as_of: date,
    calendar: WorkCalendar,
    scope: Scope | None = None,
    page: int = 1,
    page_size: int = OVERDUE_PAGE_SIZE,
) -> OverduePage:
    """One page of what is overdue on `as_of`, grouped by agency, most overdue first.

    Officers see their own agency's list; coordinators and leaders everybody's.
    """
    periodic = await _any_occurrence(session)
    union = _overdue_union(actor=actor, as_of=as_of, scope=scope, periodic=periodic)
    # Grouping by "agency_id + 0" keeps SQLite from walking the agency index to avoid a sort:
    # that reads ~30,000 rows at random instead of scanning the table (bench/overdue.py).
    agency = (union.c.agency_id + 0).label("agency_id")
    counted = select(agency, sa.func.count().label("n")).group_by(agency).subquery("counted")
    counts = (
        await session.exec(
            select(counted.c.agency_id, Agency.code, Agency.name, counted.c.n)
            .join(Agency, col(Agency.id) == counted.c.agency_id)
            .order_by(Agency.code)
        )
    ).all()
    by_agency = tuple(
        AgencyCount(agency_id=a, code=code, name=name, count=n) for a, code, name, n in counts
    )
    total = sum(c.count for c in by_agency)
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    # The counts say which agencies the page spans, so the page itself reads only theirs.
    start = (page - 1) * page_size
    spanned: list[int] = []
    before = seen = 0
    for count in by_agency:
        if seen + count.count > start and seen < start + page_size:
            if not spanned:
                before = seen
            spanned.append(count.agency_id)
        seen += count.count
    within = _overdue_union(
        actor=actor, as_of=as_of, scope=scope, periodic=periodic, agency_ids=spanned
    )
    rows = await _overdue_rows(
        session,
        overdue=within,
        as_of=as_of,
        calendar=calendar,
        limit=page_size,
        offset=start - before,
    )
    return OverduePage(
        rows=rows,
        total=total,
        by_agency=by_agency,
        page=page,
        pages=pages,
        as_of=as_of,
        scope=scope,
    )


async def overdue_all(
    session: UnitOfWork,
    *,
    actor: Actor,
    as_of: date,
    calendar: WorkCalendar,
    scope: Scope | None = None,
) -> tuple[OverdueRow, ...]:
    """Everything overdue on `as_of`, by agency code then due date (for exports)."""
    periodic = await _any_occurrence(session)
    union = _overdue_union(actor=actor, as_of=as_of, scope=scope, periodic=periodic)
    return await _overdue_rows(session, overdue=union, as_of=as_of, calendar=calendar)


async def _overdue_rows(
    session: UnitOfWork,
    *,
    overdue: Any,
    as_of: date,
    calendar: WorkCalendar,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[OverdueRow, ...]:
    """The rows of an overdue subquery, by agency code then due date, in one query."""
    order = (col(Agency.code), overdue.c.due, overdue.c.aid, overdue.c.oid)
    keys: Any = (
        select(overdue.c.aid, overdue.c.oid, overdue.c.due, col(Agency.code).label("code"))
        .join(Agency, col(Agency.id) == overdue.c.agency_id)
        .order_by(*order)
    )
    if limit is not None:
        keys = keys.limit(limit).offset(offset)
    chosen = keys.subquery("chosen")
    columns: tuple[Any, ...] = (*_VIEW_COLUMNS, Occurrence)
    statement = (
        select(*columns)
        .select_from(chosen)
        .join(Assignment, col(Assignment.id) == chosen.c.aid)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .outerjoin(Occurrence, col(Occurrence.id) == chosen.c.oid)
        .order_by(chosen.c.code, chosen.c.due, chosen.c.aid, chosen.c.oid)
    )
    rows = []
    for row in (await session.exec(statement)).all():
        view = _view(row, row[-1])
        assert view.due_date is not None
        days = calendar.working_days_between(view.due_date, as_of)
        rows.append(OverdueRow(view=view, days_overdue=days))
    return tuple(rows)


async def upcoming(
    session: UnitOfWork, *, actor: Actor, today: date, days: int, limit: int = LIST_LIMIT
) -> ListResult:
    """Open lead assignments and occurrences due from today to `days` days ahead, soonest first."""
    until = today + timedelta(days=days)
    own = [] if actor.sees_everything else [col(Assignment.agency_id) == actor.agency_id]
    lead = col(Assignment.role) == AssignmentRole.LEAD.value
    direct = (
        await session.exec(
            _joined()
            .where(
                lead,
                *own,
                col(Task.removed).is_(False),
                col(Assignment.status).in_(OPEN_STATUSES),
                col(Task.due_date) >= today,
                col(Task.due_date) <= until,
            )
            .order_by(*_due_order())
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
                col(Occurrence.status).in_(OPEN_STATUSES),
                col(Occurrence.due_date) >= today,
                col(Occurrence.due_date) <= until,
            )
            .order_by(col(Occurrence.due_date), col(Occurrence.id))
            .limit(limit + 1)
        )
    ).all()
    found = [_view(row) for row in direct]
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
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .where(
                lead,
                *own,
                col(Task.removed).is_(False),
                col(Assignment.status).in_(OPEN_STATUSES),
                col(Task.due_date) >= today,
                col(Task.due_date) <= until,
            )
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
                col(Occurrence.status).in_(OPEN_STATUSES),
                col(Occurrence.due_date) >= today,
                col(Occurrence.due_date) <= until,
            )
        )
    ).one()
    return int(direct) + int(periodic)


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


async def weekly_summary(
    session: UnitOfWork, *, actor: Actor, now: datetime, config: ReportConfig, out_dir: Path
) -> Outgoing:
    """/summary: the summary as of now with its chart and spreadsheet, for those who read
    every agency's work."""
    if not actor.sees_everything:
        raise AccessDenied("summary")
    person = await session.get(Person, actor.person_id)
    if person is None:
        raise AccessDenied("summary")
    return await summary_message(session, person=person, now=now, out_dir=out_dir, config=config)
