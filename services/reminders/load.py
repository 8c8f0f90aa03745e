"""What a sweep, an escalation pass or a preview plans from, read in a few set-based queries."""

import json
import logging
from collections.abc import AsyncIterator, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel import col

from domain.access import Role
from domain.reminders import (
    DEFAULT_POLICY,
    OfficeHours,
    OpenTarget,
    PolicyError,
    ReminderPolicy,
    reach,
)
from domain.status import Status
from domain.targets import target_key
from models.enums import AssignmentRole
from models.schedule import AssignmentStep
from models.tables import (
    PERIOD_DUE,
    Agency,
    Assignment,
    ChatIdentity,
    Occurrence,
    Person,
    Plan,
    Snooze,
    Task,
    open_work,
)
from services.indicators.collect import Owed, owed_indicators
from services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# Snoozes that ended longer ago than this have long been answered by a "snoozed" reminder.
SNOOZE_MEMORY = timedelta(days=60)
# Values looked up per statement (see among): one bound parameter holds them all, so
# SQLite's limit on bound parameters does not apply; chunks keep each read a modest size.
_CHUNK_OF_VALUES = 5000
# Work waiting for the office to confirm its completion is not reminded.
_OPEN = tuple(s.value for s in Status if s.is_reminded)
_STATUSES = {s.value: s for s in Status}

T = TypeVar("T")


@dataclass(frozen=True)
class ReminderSettings:
    """How reminders and escalations behave (from bot.settings, built by the scheduler)."""

    hours: OfficeHours
    remind_cooperating: bool = False
    escalate_after_days: int = 5
    long_overdue_days: int = 20


@dataclass(frozen=True)
class Contact:
    """A reachable person: who they are and the chat they registered last."""

    person_id: int
    name: str
    role: str
    locale: str
    agency_id: int | None
    channel: str
    chat_id: str


@dataclass
class Store:
    """Everything a sweep plans from, read in a few queries."""

    targets: list[OpenTarget]
    contacts: dict[int, Contact]
    recipients: dict[int, list[int]]
    coordinators: dict[int, list[int]]
    leaders: list[int]
    agencies: dict[int, tuple[str, str]]
    snoozes: dict[tuple[int, str], datetime] = field(default_factory=dict)
    # The indicators among `targets` (services.indicators.collect).
    owed: Owed = field(default_factory=Owed)
    # What the targets were read by: each plan's policy and hub, and the last deadline
    # within reach (chunks.assignment_chunks reads the assignments by them).
    policies: dict[int, ReminderPolicy] = field(default_factory=dict)
    hubs: dict[int, int | None] = field(default_factory=dict)
    due_by: date = date.min
    # Whether contacts, recipients, coordinators, leaders, agencies and snoozes are read.
    people_read: bool = False
    # Read by agency (read_people's `agencies`): whether all but the officers are read,
    # and the agencies whose officers are.
    others_read: bool = False
    officers_of: set[int] = field(default_factory=set)


async def rows_of(session: UnitOfWork, statement: sa.Executable) -> Sequence[Any]:
    """Plain rows of a column query (the ORM is not needed to read a few columns)."""
    connection = await session.connection()
    return (await connection.execute(statement)).all()


def among(column: Any, values: Sequence[Any], *, dialect: sa.Dialect) -> Any:
    """`column IN (values)`, the values bound as one parameter: a JSON array SQLite reads
    with json_each, an array on PostgreSQL (`= ANY`).

    The statement's text is then the same whatever the values. Written into it as
    literals, every chunk made a statement of its own, and the driver's cache of prepared
    statements (128 a connection in Python's sqlite3) kept each one, 300-600 KiB apiece:
    some 100 MiB of a national sweep's peak that stayed after it. Binding each value
    would pass SQLite's limit on parameters."""
    if dialect.name == "postgresql":
        return column == sa.any_(
            sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        )
    listed = sa.func.json_each(
        sa.bindparam(None, json.dumps(list(values)), type_=sa.String())
    ).table_valued("value")
    return column.in_(sa.select(listed.c.value))


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def rows_among(
    session: UnitOfWork, statement: sa.Select[*tuple[Any, ...]], column: Any, values: Sequence[Any]
) -> AsyncIterator[Sequence[Any]]:
    """The rows of `statement` whose `column` is one of `values` (among), read and given
    _CHUNK_OF_VALUES values at a time."""
    dialect = (await session.connection()).dialect
    for chunk in _chunks(values, _CHUNK_OF_VALUES):
        yield await rows_of(session, statement.where(among(column, chunk, dialect=dialect)))


@lru_cache(maxsize=256)
def _policy(plan_id: int, stored: str) -> ReminderPolicy:
    # Cached on the stored text, so a bad policy is logged once per process, not per sweep.
    try:
        return ReminderPolicy.from_json(json.loads(stored))
    except PolicyError as exc:
        log.warning("plan %s: reminder policy ignored, defaults used: %s", plan_id, exc)
        return DEFAULT_POLICY


def _wanted(due: Any, status: Any, due_by: date, blocked_any: bool) -> Any:
    # Undated work is never reminded; when blocked, it is still escalated.
    dated = due <= due_by
    return sa.or_(dated, status == Status.BLOCKED.value) if blocked_any else dated


class _ByNextStep(Alias):
    """The assignment table, read on SQLite by the index of next steps (INDEXED BY).

    SQLite's statistics are a sample; by them it can rate the index of open work by
    deadline above it and read every open assignment within reach to find the few whose
    step has come (a steady sweep four times slower at 50,000)."""

    inherit_cache = True


@compiles(_ByNextStep, "sqlite")
def _indexed_by(element: _ByNextStep, compiler: SQLCompiler, **kw: Any) -> str:
    text = str(compiler.visit_alias(element, **kw))  # type: ignore[no-untyped-call]
    return f"{text} INDEXED BY ix_assignment_next_step" if kw.get("asfrom") else text


class _StepsByDay(Alias):
    """assignmentstep, read on SQLite by its index of days (INDEXED BY): else SQLite reads
    every open assignment within reach and looks up each one's step (a steady sweep five
    times slower at 50,000)."""

    inherit_cache = True


@compiles(_StepsByDay, "sqlite")
def _steps_indexed_by(element: _StepsByDay, compiler: SQLCompiler, **kw: Any) -> str:
    text = str(compiler.visit_alias(element, **kw))  # type: ignore[no-untyped-call]
    return f"{text} INDEXED BY ix_assignmentstep_next_step_on" if kw.get("asfrom") else text


def _blocked_since(status: Any, updated: Any) -> Any:
    # Only a blocked target needs its last update (it names the blocking episode); leaving
    # the others NULL spares the sweep converting tens of thousands of timestamps.
    return sa.case((status == Status.BLOCKED.value, updated), else_=sa.null())


async def _load_contacts(session: UnitOfWork, *where: Any) -> dict[int, Contact]:
    """The active people `where` holds of, by id, each with the chat registered last."""
    rows = await rows_of(
        session,
        sa.select(
            col(Person.id),
            col(Person.name),
            col(Person.role),
            col(Person.locale),
            col(Person.agency_id),
            col(ChatIdentity.channel),
            col(ChatIdentity.chat_id),
        )
        .join(ChatIdentity, col(ChatIdentity.person_id) == col(Person.id))
        .where(col(Person.active), *where)
        .order_by(col(Person.id), col(ChatIdentity.created_at), col(ChatIdentity.id)),
    )
    contacts = {}
    # A person's chats in the order they registered: the last one stays.
    for person_id, name, role, locale, agency_id, channel, chat_id in rows:
        contacts[person_id] = Contact(person_id, name, role, locale, agency_id, channel, chat_id)
    return contacts


def _hub_contacts(
    hubs: Mapping[int, int | None], contacts: Iterable[Contact]
) -> dict[int, list[int]]:
    """Each plan's hub coordinators; else the city-wide coordinators; else administrators."""
    by_agency: dict[int, list[int]] = {}
    city: list[int] = []
    admins: list[int] = []
    for contact in sorted(contacts, key=lambda c: c.person_id):
        if contact.role == Role.COORDINATOR and contact.agency_id is not None:
            by_agency.setdefault(contact.agency_id, []).append(contact.person_id)
        elif contact.role == Role.COORDINATOR:
            city.append(contact.person_id)
        elif contact.role == Role.ADMIN:
            admins.append(contact.person_id)
    fallback = city or admins
    return {
        plan_id: (by_agency.get(hub, []) if hub is not None else []) or fallback
        for plan_id, hub in hubs.items()
    }


async def load_store(
    session: UnitOfWork,
    *,
    settings: ReminderSettings,
    now: datetime,
    remind_through: date | None,
    blocked_any: bool,
    incremental: bool = False,
    assignments: bool = True,
) -> Store:
    """What planning needs. With `remind_through`, only targets that can have a reminder
    step by that day; without, only those due by today (for escalation). With
    `blocked_any`, blocked targets whatever their date (escalation hears of those). With
    `incremental`, only the assignments whose next step has come (next_step_on by today,
    or unknown): the others have nothing new since they were last planned. Without
    `assignments`, report periods and indicators only: the sweep reads the assignments
    chunk by chunk (chunks.assignment_chunks), and who would be told with them (read_people);
    otherwise who would be told is read only if some target was."""
    plan_rows = await rows_of(
        session,
        sa.select(col(Plan.id), col(Plan.hub_agency_id), col(Plan.reminder_policy)),
    )
    policies = {
        plan_id: _policy(plan_id, json.dumps(stored, sort_keys=True))
        for plan_id, _, stored in plan_rows
        if stored is not None
    }
    today = settings.hours.today(now)
    due_by = (
        today
        if remind_through is None
        else reach(
            [DEFAULT_POLICY, *policies.values()],
            calendar=settings.hours.calendar,
            day=remind_through,
        )
    )
    store = Store(
        [],
        {},
        {},
        {},
        [],
        {},
        policies=policies,
        hubs={plan_id: hub for plan_id, hub, _ in plan_rows},
        due_by=due_by,
    )
    if assignments:
        statement = assignments_wanted(
            store,
            remind_cooperating=settings.remind_cooperating,
            blocked_any=blocked_any,
            step_by=today if incremental else None,
        )
        targets, _seen = assignment_targets(await rows_of(session, statement), policies=policies)
        store.targets.extend(targets)
    store.targets.extend(
        await _period_targets(
            session,
            policies=policies,
            remind_cooperating=settings.remind_cooperating,
            due_by=due_by,
            blocked_any=blocked_any,
        )
    )
    store.owed = await owed_indicators(
        session, policies=policies, calendar=settings.hours.calendar, through=due_by, today=today
    )
    store.targets.extend(store.owed.targets)
    # Nothing has come due (the usual incremental sweep): who would be told is moot. A
    # caller that reads the assignments chunk by chunk reads the people the same way.
    if store.targets and assignments:
        await read_people(session, store, now=now)
    return store


async def read_people(
    session: UnitOfWork, store: Store, *, now: datetime, agencies: Iterable[int] | None = None
) -> None:
    """Read into `store` who would be told: contacts, recipients, coordinators, leaders,
    agencies and snoozes (once).

    With `agencies`, the officers of only those agencies (those not read yet), and once
    everyone else: a sweep reads the people of the agencies it has work for, not the
    50,000 officers of a nation for one reply (0.2 s, before its first chunk could be
    planned)."""
    if store.people_read:
        return
    if agencies is None:
        contacts = await _load_contacts(session)
        store.contacts, store.recipients = contacts, {}
        _add_officers(store, contacts.values())
        await _read_others(session, store, contacts.values(), now=now)
        store.people_read = True
        return
    if not store.others_read:
        others = await _load_contacts(session, col(Person.role) != Role.OFFICER.value)
        store.contacts.update(others)
        await _read_others(session, store, others.values(), now=now)
    wanted = sorted(set(agencies) - store.officers_of)
    if not wanted:
        return
    dialect = (await session.connection()).dialect
    officers = await _load_contacts(
        session,
        col(Person.role) == Role.OFFICER.value,
        among(col(Person.agency_id), wanted, dialect=dialect),
    )
    store.contacts.update(officers)
    _add_officers(store, officers.values())
    store.officers_of.update(wanted)


async def _read_others(
    session: UnitOfWork, store: Store, contacts: Collection[Contact], *, now: datetime
) -> None:
    """Into `store`, from `contacts` (everyone but the officers, or everyone): the plans'
    coordinators and the leaders; and the agencies and the snoozes."""
    store.coordinators = _hub_contacts(store.hubs, contacts)
    store.leaders = sorted(c.person_id for c in contacts if c.role == Role.LEADER)
    store.agencies = {
        agency_id: (code, name)
        for agency_id, code, name in (
            await rows_of(session, sa.select(col(Agency.id), col(Agency.code), col(Agency.name)))
        )
        if agency_id is not None
    }
    store.snoozes = {
        (person_id, target): until
        for person_id, target, until in (
            await rows_of(
                session,
                sa.select(col(Snooze.person_id), col(Snooze.target), col(Snooze.until)).where(
                    col(Snooze.until) >= now - SNOOZE_MEMORY
                ),
            )
        )
    }
    store.others_read = True


def _add_officers(store: Store, contacts: Iterable[Contact]) -> None:
    """Each agency's officers, by person id, into store.recipients."""
    for contact in contacts:
        if contact.role == Role.OFFICER and contact.agency_id is not None:
            store.recipients.setdefault(contact.agency_id, []).append(contact.person_id)


def _roles(remind_cooperating: bool) -> list[str]:
    roles = [AssignmentRole.LEAD.value]
    if remind_cooperating:
        roles.append(AssignmentRole.COOPERATING.value)
    return roles


def assignments_wanted(
    store: Store,
    *,
    remind_cooperating: bool,
    blocked_any: bool,
    step_by: date | None,
    steps: bool = True,
    candidates: bool = False,
) -> sa.Select[Any] | sa.CompoundSelect[Any]:
    """The open assignments within the store's reach (and, with `step_by`, those not planned
    and those whose next step has come by then), as rows for assignment_targets, each with
    the day of its next step as read (NULL if it is not planned; always NULL without
    `steps`, for a reader that has no use for it).

    With `candidates` (and `step_by`), those whose step has come are found without a look
    at their task (nor its plan): a few more than are wanted, for a reader that reads each
    one again by id, task and all (chunks.assignment_chunks' `by_id`). A task looked up for each
    of 113,000 steps come was two thirds of the first read of a million (0.45 → 0.17 s)."""
    # By the assignment's copy of its live task's deadline in force: the partial index of
    # open work by deadline gives the targets within reach, not every assignment stored.
    dated = _wanted(col(Assignment.deadline), col(Assignment.status), store.due_by, blocked_any)

    # A live task that is not a recurring duty (those are reminded through their
    # occurrences). A task without a rule holds JSON null when written through the ORM,
    # SQL NULL otherwise.
    live_task = sa.and_(
        sa.not_(col(Task.removed)),
        col(Task.same_as_task_id).is_(None),
        sa.or_(col(Task.recurrence).is_(None), sa.cast(col(Task.recurrence), sa.Text) == "null"),
    )

    def wanted(step: Any, *, task_by_row: bool = False, task: bool = True) -> sa.Select[Any]:
        plan_id: Any
        task_wanted: Any
        if not task:
            plan_id, task_wanted = sa.cast(sa.null(), sa.Integer()).label("plan_id"), sa.true()
        elif task_by_row:
            # The task looked up by its key for each assignment (a scalar subquery, which
            # PostgreSQL runs row by row and never turns into a join), where a join would
            # be planned from an estimate that can be thousands of times too high.
            def of_task(value: Any) -> Any:
                return (
                    sa.select(value).where(col(Task.id) == col(Assignment.task_id))
                ).scalar_subquery()

            plan_id = of_task(col(Task.plan_id)).label("plan_id")
            task_wanted = of_task(live_task)
        else:
            plan_id, task_wanted = col(Task.plan_id), live_task
        statement = sa.select(
            col(Assignment.id),
            col(Assignment.agency_id),
            col(Assignment.role),
            col(Assignment.status),
            _blocked_since(col(Assignment.status), col(Assignment.last_update_at)),
            plan_id,
            col(Assignment.deadline),
            step.label("next_step_on"),
        )
        if task and not task_by_row:
            statement = statement.join(Task, col(Task.id) == col(Assignment.task_id))
        return statement.where(
            task_wanted,
            # Open work as the partial indexes name it, less what awaits the office's
            # confirmation: that is not reminded (nor escalated) but stays open.
            open_work(col(Assignment.status)),
            col(Assignment.status) != Status.AWAITING.value,
            col(Assignment.role).in_(_roles(remind_cooperating)),
            dated,
        )

    day = col(AssignmentStep.next_step_on)
    unknown = sa.cast(sa.null(), sa.Date())
    if step_by is None:
        if not steps:
            return wanted(unknown)
        return wanted(day).outerjoin(
            AssignmentStep, col(AssignmentStep.assignment_id) == col(Assignment.id)
        )
    # Those not planned, by the index of 0017 (next_step_on NULL), and those whose step has
    # come, by assignmentstep's index of days (migration 0024). The planner cannot know that
    # the assignments not planned are nearly all beyond reach (they were planned once they
    # came within it): at a million it expected 229,000 where 1,843 were, and joined them to
    # a scan of every task (0.3 s, in any sweep after a status change), hence task_by_row.
    table = cast(sa.Table, Assignment.__table__)  # type: ignore[attr-defined]
    by_next_step = _ByNextStep._construct(table, name=table.name)
    unplanned = ClauseAdapter(by_next_step).traverse(
        wanted(unknown, task_by_row=True).where(col(Assignment.next_step_on).is_(None))
    )
    steps_table = cast(sa.Table, AssignmentStep.__table__)  # type: ignore[attr-defined]
    by_day = _StepsByDay._construct(steps_table, name=steps_table.name)
    come = ClauseAdapter(by_day).traverse(
        wanted(day, task=not candidates)
        .join(AssignmentStep, col(AssignmentStep.assignment_id) == col(Assignment.id))
        .where(day <= step_by)
    )
    return sa.union_all(unplanned, come)


def assignment_targets(
    rows: Iterable[Sequence[Any]], *, policies: Mapping[int, ReminderPolicy]
) -> tuple[list[OpenTarget], dict[int, date | None]]:
    """The open targets of rows of assignments_wanted, and each one's next_step_on."""
    lead = AssignmentRole.LEAD.value
    targets = []
    steps_seen = {}
    for assignment_id, agency_id, role, status, updated_at, plan_id, due, step in rows:
        # Positional, in OpenTarget's field order: twice as fast as keywords for tens of
        # thousands.
        targets.append(
            OpenTarget(
                target_key(assignment_id),
                assignment_id,
                None,
                agency_id,
                plan_id,
                due,
                policies.get(plan_id, DEFAULT_POLICY),
                role != lead,
                _STATUSES[status],
                updated_at,
            )
        )
        steps_seen[assignment_id] = step
    return targets, steps_seen


async def _period_targets(
    session: UnitOfWork,
    *,
    policies: Mapping[int, ReminderPolicy],
    remind_cooperating: bool,
    due_by: date,
    blocked_any: bool,
) -> list[OpenTarget]:
    # Without report periods SQLite, which has no statistics of an empty table, would read
    # every assignment to find none (bench/sweep.py's plans): look first.
    if not await rows_of(session, sa.select(col(Occurrence.id)).limit(1)):
        return []
    periods = await rows_of(
        session,
        sa.select(
            col(Occurrence.id),
            col(Occurrence.assignment_id),
            PERIOD_DUE,
            col(Occurrence.status),
            _blocked_since(col(Occurrence.status), col(Occurrence.last_update_at)),
            col(Assignment.agency_id),
            col(Assignment.role),
            col(Task.plan_id),
        )
        .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            sa.not_(col(Task.removed)),
            col(Task.same_as_task_id).is_(None),
            col(Occurrence.status).in_(_OPEN),
            _wanted(PERIOD_DUE, col(Occurrence.status), due_by, blocked_any),
            col(Assignment.status) != Status.CANCELLED.value,
            col(Assignment.role).in_(_roles(remind_cooperating)),
        ),
    )
    return [
        OpenTarget(
            key=target_key(assignment_id, occurrence_id),
            assignment_id=assignment_id,
            occurrence_id=occurrence_id,
            agency_id=agency_id,
            plan_id=plan_id,
            due=due,
            policy=policies.get(plan_id, DEFAULT_POLICY),
            informational=role != AssignmentRole.LEAD.value,
            status=_STATUSES[status],
            updated_at=updated_at,
        )
        for occurrence_id, assignment_id, due, status, updated_at, agency_id, role, plan_id in (
            periods
        )
        if occurrence_id is not None
    ]
