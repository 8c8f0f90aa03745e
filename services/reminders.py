"""Reminder sweeps, escalations and the schedule preview over the store.

A sweep reads what the planner needs in a few set-based queries, lets the pure planner
(domain.reminders) decide, and writes each person's bundled message to the outbox in the
same transaction as its ledger rows. The ledger's unique key (target, recipient, kind)
makes a re-run, a restart or a racing second instance write nothing twice: a batch that
collides is rolled back and retried person by person, and the persons another sweep
already served are skipped.

A day's first sweep at 50,000 assignments writes some 11,000 ledger rows and 4,600
messages (bench/sweep.py): rows go in the driver's own form in a few bulk statements
(_Writes, _insert_outbox, _insert_ledger), the next chunk of messages is rendered while
the database writes the current one (_Ahead), and the garbage collector rests meanwhile
(_CollectorPause).
"""

import asyncio
import gc
import json
import logging
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import chain, islice
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from domain.access import Role
from domain.reminders import (
    DEFAULT_POLICY,
    NO_OFFICER,
    Escalation,
    EscalationReason,
    LedgerKey,
    Notice,
    OfficeHours,
    OpenTarget,
    PolicyError,
    Reason,
    Reminder,
    ReminderPolicy,
    due_now,
    escalation_candidates,
    escalation_kind,
    history_needed,
    plan,
    plan_escalations,
    reach,
    simulate,
    wanted_kinds,
)
from domain.status import Status
from domain.targets import target_key
from locales import Translate, gettext_for
from models.bulk import DriverForm, unnest_insert
from models.enums import AssignmentRole, OutboxKind
from models.tables import (
    Agency,
    Assignment,
    ChatIdentity,
    Occurrence,
    Outbox,
    Person,
    Plan,
    ReminderLedger,
    Snooze,
    Task,
)
from services.outbox import Wake, pending_row
from services.unit_of_work import Sessions, UnitOfWork, transaction
from views.keyboards import status_buttons
from views.messages import Outgoing, ReminderItem
from views.text import day, render_item_line, shorten, status_phrase

log = logging.getLogger(__name__)

# Telegram allows 4096 characters a message; 15 items of about 200 stay well inside, and
# 15 rows of 4 buttons inside its keyboard limits.
MAX_ITEMS_PER_MESSAGE = 15
REASON_LENGTH = 120
# Bundles written per transaction; a collision retries that batch person by person. Each
# commit writes every page the batch touched (SQLite rewrites the ledger's index pages
# for each), so fewer, larger batches cost less.
WRITE_BATCH = 5000
# Bundles rendered and inserted at a time within a batch (see _Ahead).
RENDER_CHUNK = 1000
# Snoozes that ended longer ago than this have long been answered by a "snoozed" reminder.
SNOOZE_MEMORY = timedelta(days=60)
# Values per IN list. They are written into the SQL (see _among), so SQLite's limit on bound
# parameters does not apply; chunks only keep a statement's text a reasonable size.
_CHUNK = 5000
_OUTBOX = cast(sa.Table, Outbox.__table__)  # type: ignore[attr-defined]
_LEDGER = cast(sa.Table, ReminderLedger.__table__)  # type: ignore[attr-defined]
_LEDGER_COLUMNS = ("target", "recipient_id", "kind", "created_at", "outbox_id")
_OPEN = tuple(s.value for s in Status if s.is_open)
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


@dataclass(frozen=True)
class TargetInfo:
    """What a message shows about a target."""

    handle: int
    task_code: str
    title: str
    plan_label: str
    period: str | None
    progress: int
    blocked_reason: str | None


@dataclass
class _Store:
    """Everything a sweep plans from, read in a few queries."""

    targets: list[OpenTarget]
    contacts: dict[int, Contact]
    recipients: dict[int, list[int]]
    coordinators: dict[int, list[int]]
    leaders: list[int]
    agencies: dict[int, tuple[str, str]]
    snoozes: dict[tuple[int, str], datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepResult:
    """What one reminder sweep wrote."""

    messages: int = 0
    reminders: int = 0
    skipped: int = 0
    notices: int = 0
    conflicts: int = 0
    unreported_agencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class EscalationResult:
    """What one escalation pass wrote."""

    messages: int = 0
    items: int = 0
    conflicts: int = 0
    plans_without_contact: tuple[int, ...] = ()


@dataclass(frozen=True)
class PreviewRow:
    """One reminder the current data would produce."""

    at: datetime
    person_id: int
    person: str
    agency: str
    plan_ref: str
    task_code: str
    handle: int
    period: str | None
    kind: str


@dataclass(frozen=True)
class Preview:
    """The reminders of a date range, and the agencies nobody would hear about."""

    rows: tuple[PreviewRow, ...]
    unstaffed: tuple[str, ...]


class _CollectorPause:
    """Pauses Python's cyclic garbage collector while sweeps run.

    A day's first sweep holds some hundred thousand rows, targets and messages at once, and
    every full pass of the collector walks them all and the whole application besides: a
    third of that sweep's time went there. Reference counting still frees whatever a sweep
    drops; only reference cycles wait for the collector to resume. Overlapping sweeps (the
    reminder sweep and the escalation pass share a loop) resume it when the last one ends,
    and a collector someone else turned off stays off.
    """

    def __init__(self) -> None:
        self._depth = 0
        self._resume = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The collector paused for the duration of the block."""
        if self._depth == 0:
            self._resume = gc.isenabled()
            gc.disable()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()


_COLLECTOR = _CollectorPause()


async def _rows(session: UnitOfWork, statement: sa.Executable) -> Sequence[Any]:
    """Plain rows of a column query (the ORM is not needed to read a few columns)."""
    connection = await session.connection()
    return (await connection.execute(statement)).all()


def _among(column: Any, values: Sequence[Any]) -> Any:
    """`column IN (values)` with the values written into the statement as literals.

    The values are ids and ledger keys the sweep made itself; binding thousands of them
    would pass SQLite's limit on parameters and cost a round trip per few hundred."""
    return column.in_(
        sa.bindparam(None, list(values), type_=column.type, expanding=True, literal_execute=True)
    )


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _blocked_since(status: Any, updated: Any) -> Any:
    # Only a blocked target needs its last update (it names the blocking episode); leaving
    # the others NULL spares the sweep converting tens of thousands of timestamps.
    return sa.case((status == Status.BLOCKED.value, updated), else_=sa.null())


async def _load_contacts(session: UnitOfWork) -> dict[int, Contact]:
    newest: dict[int, tuple[str, str]] = {}
    chats = await _rows(
        session,
        sa.select(
            col(ChatIdentity.person_id), col(ChatIdentity.channel), col(ChatIdentity.chat_id)
        ).order_by(col(ChatIdentity.created_at), col(ChatIdentity.id)),
    )
    for person_id, channel, chat_id in chats:
        newest[person_id] = (channel, chat_id)
    people = await _rows(
        session,
        sa.select(
            col(Person.id),
            col(Person.name),
            col(Person.role),
            col(Person.locale),
            col(Person.agency_id),
        ).where(col(Person.active)),
    )
    contacts = {}
    for person_id, name, role, locale, agency_id in people:
        if person_id is not None and person_id in newest:
            channel, chat_id = newest[person_id]
            contacts[person_id] = Contact(
                person_id, name, role, locale, agency_id, channel, chat_id
            )
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


async def _load_store(
    session: UnitOfWork,
    *,
    settings: ReminderSettings,
    now: datetime,
    remind_through: date | None,
    blocked_any: bool,
) -> _Store:
    """What planning needs. With `remind_through`, only targets that can have a reminder
    step by that day; without, only those due by today (for escalation). With
    `blocked_any`, blocked targets whatever their date (escalation hears of those)."""
    contacts = await _load_contacts(session)
    recipients: dict[int, list[int]] = {}
    for contact in contacts.values():
        if contact.role == Role.OFFICER and contact.agency_id is not None:
            recipients.setdefault(contact.agency_id, []).append(contact.person_id)
    plan_rows = await _rows(
        session,
        sa.select(col(Plan.id), col(Plan.hub_agency_id), col(Plan.reminder_policy)),
    )
    policies = {
        plan_id: _policy(plan_id, json.dumps(stored, sort_keys=True))
        for plan_id, _, stored in plan_rows
        if stored is not None
    }
    hubs = {plan_id: hub for plan_id, hub, _ in plan_rows}
    coordinators = _hub_contacts(hubs, contacts.values())
    agencies = {
        agency_id: (code, name)
        for agency_id, code, name in (
            await _rows(session, sa.select(col(Agency.id), col(Agency.code), col(Agency.name)))
        )
        if agency_id is not None
    }
    targets = await _load_targets(
        session,
        policies=policies,
        remind_cooperating=settings.remind_cooperating,
        due_by=(
            settings.hours.today(now)
            if remind_through is None
            else reach(
                [DEFAULT_POLICY, *policies.values()],
                calendar=settings.hours.calendar,
                day=remind_through,
            )
        ),
        blocked_any=blocked_any,
    )
    snoozes = {
        (person_id, target): until
        for person_id, target, until in (
            await _rows(
                session,
                sa.select(col(Snooze.person_id), col(Snooze.target), col(Snooze.until)).where(
                    col(Snooze.until) >= now - SNOOZE_MEMORY
                ),
            )
        )
    }
    return _Store(
        targets=targets,
        contacts=contacts,
        recipients=recipients,
        coordinators=coordinators,
        leaders=sorted(c.person_id for c in contacts.values() if c.role == Role.LEADER),
        agencies=agencies,
        snoozes=snoozes,
    )


async def _load_targets(
    session: UnitOfWork,
    *,
    policies: Mapping[int, ReminderPolicy],
    remind_cooperating: bool,
    due_by: date,
    blocked_any: bool,
) -> list[OpenTarget]:
    roles = [AssignmentRole.LEAD.value]
    if remind_cooperating:
        roles.append(AssignmentRole.COOPERATING.value)
    dated = _wanted(col(Task.due_date), col(Assignment.status), due_by, blocked_any)
    rows = await _rows(
        session,
        sa.select(
            col(Assignment.id),
            col(Assignment.agency_id),
            col(Assignment.role),
            col(Assignment.status),
            _blocked_since(col(Assignment.status), col(Assignment.last_update_at)),
            col(Task.plan_id),
            col(Task.due_date),
        )
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .where(
            sa.not_(col(Task.removed)),
            col(Assignment.status).in_(_OPEN),
            col(Assignment.role).in_(roles),
            dated,
            # Recurring duties are reminded through their occurrences. A task without a rule
            # holds JSON null when written through the ORM, SQL NULL otherwise.
            sa.or_(
                col(Task.recurrence).is_(None), sa.cast(col(Task.recurrence), sa.Text) == "null"
            ),
        ),
    )
    lead = AssignmentRole.LEAD.value
    # Positional, in OpenTarget's field order: twice as fast as keywords for tens of thousands.
    targets = [
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
        for assignment_id, agency_id, role, status, updated_at, plan_id, due in rows
    ]
    periods = await _rows(
        session,
        sa.select(
            col(Occurrence.id),
            col(Occurrence.assignment_id),
            col(Occurrence.due_date),
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
            col(Occurrence.status).in_(_OPEN),
            _wanted(col(Occurrence.due_date), col(Occurrence.status), due_by, blocked_any),
            col(Assignment.status) != Status.CANCELLED.value,
            col(Assignment.role).in_(roles),
        ),
    )
    targets.extend(
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
    )
    return targets


async def _ledger_rows(
    session: UnitOfWork, *, column: Any, values: Collection[str]
) -> set[LedgerKey]:
    """Ledger keys whose `column` (ReminderLedger.kind or .target) is one of `values`."""
    found: set[LedgerKey] = set()
    for chunk in _chunks(sorted(values), _CHUNK):
        rows = await _rows(
            session,
            sa.select(
                col(ReminderLedger.target),
                col(ReminderLedger.recipient_id),
                col(ReminderLedger.kind),
            ).where(_among(col(column), chunk)),
        )
        found.update((target, person, kind) for target, person, kind in rows)
    return found


async def _target_info(
    session: UnitOfWork, targets: Iterable[OpenTarget]
) -> dict[str, TargetInfo]:
    wanted = {t.key: t for t in targets}
    assignment_ids = sorted({t.assignment_id for t in wanted.values()})
    occurrence_ids = sorted({t.occurrence_id for t in wanted.values() if t.occurrence_id})
    base: dict[int, tuple[Any, ...]] = {}
    for chunk in _chunks(assignment_ids, _CHUNK):
        rows = await _rows(
            session,
            sa.select(
                col(Assignment.id),
                col(Assignment.progress),
                col(Assignment.blocked_reason),
                col(Task.code),
                col(Task.title),
                col(Plan.ref),
                col(Plan.source_key),
            )
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .join(Plan, col(Plan.id) == col(Task.plan_id))
            .where(_among(col(Assignment.id), chunk)),
        )
        base.update({row[0]: tuple(row) for row in rows})
    periods: dict[int, tuple[Any, ...]] = {}
    for chunk in _chunks(occurrence_ids, _CHUNK):
        rows = await _rows(
            session,
            sa.select(
                col(Occurrence.id),
                col(Occurrence.period_label),
                col(Occurrence.progress),
                col(Occurrence.blocked_reason),
            ).where(_among(col(Occurrence.id), chunk)),
        )
        periods.update({row[0]: tuple(row) for row in rows})
    info = {}
    for key, target in wanted.items():
        row = base.get(target.assignment_id)
        if row is None:
            continue
        _, progress, reason, code, title, ref, source_key = row
        period = None
        if target.occurrence_id is not None:
            occurrence = periods.get(target.occurrence_id)
            if occurrence is None:
                continue
            _, period, progress, reason = occurrence
        info[key] = TargetInfo(
            handle=target.assignment_id,
            task_code=code,
            title=title,
            plan_label=ref or source_key,
            period=period,
            progress=progress,
            blocked_reason=reason,
        )
    return info


# ---------------------------------------------------------------- rendering


@lru_cache(maxsize=4096)
def _long_day(value: date, locale: str) -> str:
    # Babel formatting is slow enough to matter across thousands of bundles; dates repeat.
    return day(value, locale=locale)


def _distance(_: Translate, *, due: date, today: date, hours: OfficeHours) -> str:
    calendar = hours.calendar
    if today <= due:
        left = calendar.working_days_between(today, due)
        if left == 0:
            return _("hôm nay là ngày làm việc cuối cùng")
        if left == 1:
            return _("còn 1 ngày làm việc")
        return _("còn {days} ngày làm việc").format(days=left)
    late = calendar.working_days_between(due, today)
    if late <= 1:
        return _("quá hạn 1 ngày làm việc")
    return _("quá hạn {days} ngày làm việc").format(days=late)


def _headline(info: TargetInfo, *, number: int, locale: str, _: Translate) -> str:
    return render_item_line(
        handle=info.handle,
        task_code=info.task_code,
        title=info.title,
        due_date=None,
        locale=locale,
        _=_,
        number=number,
        period_label=info.period,
    )


class ReminderWording:
    """One locale's reminder phrases on one day, each worked out once: a day's first sweep
    words thousands of items over a few hundred due dates and a handful of statuses."""

    def __init__(self, locale: str, *, today: date, hours: OfficeHours) -> None:
        self.locale = locale
        self._ = gettext_for(locale)
        self._today = today
        self._hours = hours
        self._deadlines: dict[date, str] = {}
        self._statuses: dict[tuple[Status, int], str] = {}

    def deadline(self, due: date) -> str:
        """The due date and the working days left or overdue."""
        text = self._deadlines.get(due)
        if text is None:
            _ = self._
            text = self._deadlines[due] = " · ".join(
                [
                    _("Hạn: {day}").format(day=_long_day(due, self.locale)),
                    _distance(_, due=due, today=self._today, hours=self._hours),
                ]
            )
        return text

    def status(self, status: Status, progress: int) -> str:
        """The status of work under way, as the item shows it."""
        text = self._statuses.get((status, progress))
        if text is None:
            text = self._statuses[(status, progress)] = status_phrase(
                status, progress, None, _=self._, locale=self.locale
            )
        return text


def _reminder_line(
    reminder: Reminder, info: TargetInfo, *, number: int, wording: ReminderWording
) -> str:
    _ = wording._
    target = reminder.target
    assert target.due is not None, "only dated targets are reminded"
    details = wording.deadline(target.due)
    if target.status in (Status.IN_PROGRESS, Status.BLOCKED):
        details += " · " + wording.status(target.status, info.progress)
    lines = [_headline(info, number=number, locale=wording.locale, _=_), "   " + details]
    if reminder.reason is Reason.CHECK:
        lines.append("   " + _("Đã quá hạn: việc này đã hoàn thành chưa?"))
    elif reminder.reason is Reason.SNOOZED:
        lines.append("   " + _("Nhắc lại theo yêu cầu của anh/chị."))
    if target.informational:
        lines.append("   " + _("Đơn vị phối hợp: để biết và phối hợp."))
    return "\n".join(lines)


def reminder_messages(
    reminders: Sequence[Reminder], *, info: Mapping[str, TargetInfo], wording: ReminderWording
) -> list[tuple[Outgoing, list[Reminder]]]:
    """One person's reminders as numbered messages (several only past the size limit)."""
    _ = wording._
    shown = [r for r in reminders if r.target.key in info]
    parts = list(_chunks(shown, MAX_ITEMS_PER_MESSAGE))
    messages = []
    for index, part in enumerate(parts, start=1):
        many = len(part) > 1
        if many:
            header = _("🔔 Nhắc việc: {count} nhiệm vụ").format(count=len(part))
        else:
            header = _("🔔 Nhắc việc")
        if len(parts) > 1:
            header += " " + _("(phần {part}/{parts})").format(part=index, parts=len(parts))
        lines = [header]
        items = []
        buttons = []
        for number, reminder in enumerate(part, start=1):
            target = reminder.target
            lines.append(
                _reminder_line(reminder, info[target.key], number=number, wording=wording)
            )
            item = ReminderItem(number, target.assignment_id, target.occurrence_id)
            items.append(item)
            buttons.append(status_buttons(item=item, _=_, numbered=many))
        if many:
            hint = _("Trả lời: {a} xong · {b} 50% · {c} vướng <lý do>").format(
                a=1, b=2, c=min(3, len(part))
            )
        else:
            hint = _("Trả lời: xong · 50% · vướng <lý do> · nhắc sau 3 ngày")
        message = Outgoing(
            text="\n".join(lines),
            items=tuple(items),
            buttons=tuple(buttons),
            reply_hint=hint,
        )
        messages.append((message, list(part)))
    return messages


def notice_message(
    notices: Sequence[Notice], *, agencies: Mapping[int, tuple[str, str]], locale: str
) -> Outgoing:
    """Tell a coordinator which agencies have nobody to receive their reminders."""
    _ = gettext_for(locale)
    lines = [_("⚠️ Cơ quan chưa có cán bộ nhận nhắc việc")]
    for notice in notices:
        code, name = agencies.get(notice.agency_id, ("?", "?"))
        handles = ", ".join(f"#{t.assignment_id}" for t in notice.targets[:5])
        if len(notice.targets) > 5:
            handles += ", …"
        lines.append(
            _("• {agency} ({code}): {count} nhiệm vụ đang chờ nhắc ({handles})").format(
                agency=name, code=code, count=len(notice.targets), handles=handles
            )
        )
    lines.append(_("Đề nghị cơ quan cử cán bộ đầu mối đăng ký bằng mã mời (dondoc invite MÃ)."))
    return Outgoing(text="\n".join(lines))


def escalation_messages(
    escalations: Sequence[Escalation],
    *,
    info: Mapping[str, TargetInfo],
    agencies: Mapping[int, tuple[str, str]],
    locale: str,
    settings: ReminderSettings,
) -> list[tuple[Outgoing, list[Escalation]]]:
    """A coordinator's or leader's digest: blocked, overdue and long-overdue sections."""
    _ = gettext_for(locale)
    headers = {
        EscalationReason.BLOCKED: _("⚠️ Nhiệm vụ báo vướng ({count})"),
        EscalationReason.OVERDUE: _("📋 Nhiệm vụ quá hạn từ {days} ngày làm việc ({count})"),
        EscalationReason.LONG_OVERDUE: _(
            "📌 Nhiệm vụ quá hạn kéo dài, từ {days} ngày làm việc ({count})"
        ),
    }
    limits = {
        EscalationReason.OVERDUE: settings.escalate_after_days,
        EscalationReason.LONG_OVERDUE: settings.long_overdue_days,
    }
    messages = []
    for reason in (
        EscalationReason.BLOCKED,
        EscalationReason.OVERDUE,
        EscalationReason.LONG_OVERDUE,
    ):
        lines_of = [e for e in escalations if e.reason is reason and e.target.key in info]
        for part in _chunks(lines_of, MAX_ITEMS_PER_MESSAGE):
            lines = [headers[reason].format(count=len(part), days=limits.get(reason, 0))]
            for number, escalation in enumerate(part, start=1):
                target = escalation.target
                shown = info[target.key]
                agency = agencies.get(target.agency_id, ("?", "?"))[1]
                lines.append(_headline(shown, number=number, locale=locale, _=_))
                if reason is EscalationReason.BLOCKED:
                    why = shorten(shown.blocked_reason or _("chưa nêu lý do"), REASON_LENGTH)
                    lines.append("   " + _("{agency}: {reason}").format(agency=agency, reason=why))
                else:
                    assert target.due is not None, "only dated targets are overdue"
                    lines.append(
                        "   "
                        + _("{agency} · hạn {day} · quá hạn {days} ngày làm việc").format(
                            agency=agency,
                            day=_long_day(target.due, locale),
                            days=escalation.overdue_days,
                        )
                    )
            messages.append((Outgoing(text="\n".join(lines)), list(part)))
    return messages


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class _Bundle:
    """Messages for one person, each with the ledger rows it writes."""

    contact: Contact
    outbox_kind: str
    messages: list[tuple[Outgoing, list[tuple[str, str]]]]
    skipped: list[tuple[str, str]]
    items: int


def _untyped(table: sa.Table, names: Iterable[str]) -> sa.TableClause:
    """`table` with untyped columns, to write values already in the driver's form."""
    return sa.table(table.name, *(sa.column(name) for name in names))


@dataclass(frozen=True)
class _Writes:
    """Some bundles' rows in the driver's form, ready to insert.

    Round r holds the r-th message of every bundle, with who it goes to and the ledger
    rows it writes: (person, outbox kind) then tells which outbox row got which id without
    asking the database to keep RETURNING in order (SQLite would insert row by row).
    """

    outbox: list[list[dict[str, Any]]]
    messages: list[list[tuple[int, str, list[tuple[str, str]]]]]
    skipped: list[tuple[str, int, str, Any, None]]
    stamp: Any


def _writes(bundles: Sequence[_Bundle], *, dialect: sa.Dialect, now: datetime) -> _Writes:
    """The outbox rows services.outbox.enqueue would write for the bundles, and their ledger
    rows."""
    keys = [(b.contact.person_id, b.outbox_kind) for b in bundles]
    if len(set(keys)) != len(keys):
        raise ValueError("one bundle per person and outbox kind")
    outbox = DriverForm(_OUTBOX, dialect)
    stamp = DriverForm(_LEDGER, dialect).value("created_at", now)
    # Officers of one agency share their message objects: build each payload once.
    payloads: dict[int, dict[str, Any]] = {}
    rows = _Writes(
        outbox=[],
        messages=[],
        skipped=[
            (target, bundle.contact.person_id, kind, stamp, None)
            for bundle in bundles
            for target, kind in bundle.skipped
        ],
        stamp=stamp,
    )
    for index in range(max((len(b.messages) for b in bundles), default=0)):
        entries = [(b, *b.messages[index]) for b in bundles if index < len(b.messages)]
        rows.outbox.append(
            [
                outbox.row(
                    pending_row(
                        channel=bundle.contact.channel,
                        chat_id=bundle.contact.chat_id,
                        person_id=bundle.contact.person_id,
                        kind=bundle.outbox_kind,
                        payload=payloads.get(id(message))
                        or payloads.setdefault(id(message), message.to_payload()),
                        now=now,
                    )
                )
                for bundle, message, _ in entries
            ]
        )
        rows.messages.append(
            [(bundle.contact.person_id, bundle.outbox_kind, keys) for bundle, _, keys in entries]
        )
    return rows


_LedgerRow = tuple[str, int, str, Any, int | None]


async def _insert_outbox(connection: AsyncConnection, rows: _Writes) -> list[_LedgerRow]:
    """The outbox rows; return the ledger rows, now that their outbox ids are known."""
    dialect = connection.dialect
    ledger: list[_LedgerRow] = list(rows.skipped)
    for outbox_rows, messages in zip(rows.outbox, rows.messages, strict=True):
        names = list(outbox_rows[0])
        if dialect.name == "postgresql":
            inserted = await connection.execute(
                sa.text(unnest_insert(_OUTBOX, names, dialect) + " RETURNING id, person_id, kind"),
                {name: [row[name] for row in outbox_rows] for name in names},
            )
        else:
            table = _untyped(_OUTBOX, [*names, "id"])
            inserted = await connection.execute(
                sa.insert(table).returning(table.c.id, table.c.person_id, table.c.kind),
                outbox_rows,
            )
        ids = {(person_id, kind): outbox_id for outbox_id, person_id, kind in inserted}
        for person_id, outbox_kind, keys in messages:
            outbox_id = ids[(person_id, outbox_kind)]
            ledger.extend(
                (target, person_id, kind, rows.stamp, outbox_id) for target, kind in keys
            )
    return ledger


async def _insert_ledger(connection: AsyncConnection, ledger: Sequence[_LedgerRow]) -> None:
    """Ledger rows already in the driver's form."""
    dialect = connection.dialect
    if not ledger:
        return
    if dialect.name == "postgresql":
        columns = zip(*ledger, strict=True)
        await connection.execute(
            sa.text(unnest_insert(_LEDGER, _LEDGER_COLUMNS, dialect)),
            {name: list(values) for name, values in zip(_LEDGER_COLUMNS, columns, strict=True)},
        )
    else:
        # A plain executemany of tuples: SQLite's own bulk path, nothing to convert.
        insert = sa.insert(_untyped(_LEDGER, _LEDGER_COLUMNS)).compile(dialect=dialect)
        await connection.exec_driver_sql(insert.string, ledger)


class _Ahead:
    """Bundles turned into rows a chunk at a time, the next chunk prepared while the
    database writes the current one.

    Rendering the messages (`bundles` may be a lazy iterator) and preparing their rows is
    pure Python; inserting them is mostly the database's work, or SQLite's own thread's.
    `prefetch` starts preparing the next chunk in a task of its own, which the event loop
    runs as soon as the caller awaits an insert, so the two overlap instead of taking
    turns. (A worker thread overlaps no better: it fights the event loop for the GIL.)
    """

    def __init__(self, bundles: Iterable[_Bundle], *, dialect: sa.Dialect, now: datetime) -> None:
        self._pending = iter(bundles)
        self._dialect = dialect
        self._now = now
        self._next: asyncio.Future[tuple[list[_Bundle], _Writes] | None] | None = None

    async def _prepare(self) -> tuple[list[_Bundle], _Writes] | None:
        chunk = list(islice(self._pending, RENDER_CHUNK))
        return (chunk, _writes(chunk, dialect=self._dialect, now=self._now)) if chunk else None

    def prefetch(self) -> None:
        """Start preparing the next chunk, if that has not started yet."""
        if self._next is None:
            self._next = asyncio.ensure_future(self._prepare())

    async def next(self) -> tuple[list[_Bundle], _Writes] | None:
        """The next chunk of bundles and their rows; None once all are taken."""
        self.prefetch()
        assert self._next is not None
        prepared, self._next = await self._next, None
        return prepared

    def close(self) -> None:
        """Drop a chunk not yet taken (only left after a failure)."""
        if self._next is not None:
            if self._next.done() and not self._next.cancelled():
                self._next.exception()  # retrieved: the failure that matters is the caller's
            self._next.cancel()


async def _write(
    sessions: Sessions,
    bundles: Iterable[_Bundle],
    *,
    dialect: sa.Dialect,
    now: datetime,
    wake: Wake | None,
) -> tuple[list[_Bundle], int]:
    """Write the bundles; return those written and how many another sweep had written."""
    ahead = _Ahead(bundles, dialect=dialect, now=now)
    written: list[_Bundle] = []
    conflicts = 0
    try:
        while True:
            batch: list[_Bundle] = []
            try:
                async with transaction(sessions) as session:
                    connection = await session.connection()
                    while len(batch) < WRITE_BATCH and (prepared := await ahead.next()):
                        chunk, rows = prepared
                        batch.extend(chunk)
                        ledger = await _insert_outbox(connection, rows)
                        # Prepared while the ledger rows, the longer insert, are written.
                        ahead.prefetch()
                        await _insert_ledger(connection, ledger)
                written.extend(batch)
            except IntegrityError:
                log.info(
                    "a batch of %d reminder bundles collided; retrying one by one", len(batch)
                )
                for bundle in batch:
                    try:
                        async with transaction(sessions) as session:
                            connection = await session.connection()
                            rows = _writes([bundle], dialect=dialect, now=now)
                            await _insert_ledger(
                                connection, await _insert_outbox(connection, rows)
                            )
                        written.append(bundle)
                    except IntegrityError as exc:
                        conflicts += 1
                        log.info(
                            "person %s: reminders already written by another sweep, skipped (%s)",
                            bundle.contact.person_id,
                            exc.orig,
                        )
            if not batch:
                return written, conflicts
            if wake is not None and any(b.messages for b in batch):
                wake()
    finally:
        ahead.close()


# ---------------------------------------------------------------- sweep


async def sweep(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None = None,
) -> SweepResult:
    """Send every reminder that has fallen due, once, bundled per person."""
    if not settings.hours.is_open(now):
        return SweepResult()
    with _COLLECTOR.paused():
        return await _sweep(sessions, settings=settings, now=now, wake=wake)


async def _sweep(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None,
) -> SweepResult:
    hours = settings.hours
    async with sessions() as session:
        dialect = (await session.connection()).dialect
        store = await _load_store(
            session, settings=settings, now=now, remind_through=hours.today(now), blocked_any=False
        )
        dues = due_now(store.targets, hours=hours, now=now)
        recorded = await _ledger_rows(
            session, column=ReminderLedger.kind, values=wanted_kinds(dues, store.snoozes)
        )
        owed = history_needed(
            dues,
            recipients=store.recipients,
            recorded=recorded,
            snoozes=store.snoozes,
            now=now,
        )
        recorded |= await _ledger_rows(session, column=ReminderLedger.target, values=owed)
        decided = plan(
            dues,
            recipients=store.recipients,
            coordinators=store.coordinators,
            recorded=recorded,
            snoozes=store.snoozes,
            hours=hours,
            now=now,
        )
        info = await _target_info(session, [r.target for r in decided.reminders])
    notices: dict[int, list[Notice]] = {}
    for notice in decided.notices:
        notices.setdefault(notice.person_id, []).append(notice)
    notice_bundles = []
    for person_id, theirs in sorted(notices.items()):
        contact = store.contacts[person_id]
        message = notice_message(theirs, agencies=store.agencies, locale=contact.locale)
        keys = [(n.key, NO_OFFICER) for n in theirs]
        notice_bundles.append(
            _Bundle(contact, OutboxKind.NOTICE, [(message, keys)], [], len(theirs))
        )
    # Reminders are rendered batch by batch as they are written (see _write).
    bundles = chain(
        _reminder_bundles(decided.by_person(), store=store, info=info, settings=settings, now=now),
        notice_bundles,
    )
    written, conflicts = await _write(sessions, bundles, dialect=dialect, now=now, wake=wake)
    unreported = tuple(store.agencies.get(a, (str(a), ""))[0] for a in decided.unreported)
    if unreported:
        log.warning(
            "agencies with nobody registered and no coordinator to tell: %s",
            ", ".join(unreported),
        )
    return SweepResult(
        messages=sum(len(b.messages) for b in written),
        reminders=sum(b.items for b in written if b.outbox_kind == OutboxKind.REMINDER),
        skipped=sum(len(b.skipped) for b in written),
        notices=sum(b.items for b in written if b.outbox_kind == OutboxKind.NOTICE),
        conflicts=conflicts,
        unreported_agencies=unreported,
    )


def _reminder_bundles(
    by_person: Mapping[int, list[Reminder]],
    *,
    store: _Store,
    info: Mapping[str, TargetInfo],
    settings: ReminderSettings,
    now: datetime,
) -> Iterator[_Bundle]:
    today = settings.hours.today(now)
    wordings: dict[str, ReminderWording] = {}
    # The officers of one agency usually get the same items: render each text once.
    rendered: dict[tuple[str, tuple[tuple[str, Reason], ...]], list[tuple[Outgoing, int]]] = {}
    for person_id, reminders in by_person.items():
        contact = store.contacts[person_id]
        signature = (contact.locale, tuple((r.target.key, r.reason) for r in reminders))
        if signature not in rendered:
            wording = wordings.get(contact.locale) or wordings.setdefault(
                contact.locale,
                ReminderWording(contact.locale, today=today, hours=settings.hours),
            )
            rendered[signature] = [
                (message, len(part))
                for message, part in reminder_messages(reminders, info=info, wording=wording)
            ]
        shown = [r for r in reminders if r.target.key in info]
        messages = []
        start = 0
        for message, size in rendered[signature]:
            part, start = shown[start : start + size], start + size
            keys = [(r.target.key, kind) for r in part for kind in (r.kind, *r.covers)]
            messages.append((message, keys))
        skipped = [(r.target.key, kind) for r in shown for kind in r.skipped]
        yield _Bundle(contact, OutboxKind.REMINDER, messages, skipped, len(shown))


# ---------------------------------------------------------------- escalation


async def escalate(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None = None,
) -> EscalationResult:
    """Tell hub coordinators of blocked and long-overdue targets and leadership of the
    longest overdue, each item once, in one digest per person."""
    if not settings.hours.is_open(now):
        return EscalationResult()
    with _COLLECTOR.paused():
        return await _escalate(sessions, settings=settings, now=now, wake=wake)


async def _escalate(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None,
) -> EscalationResult:
    hours = settings.hours
    async with sessions() as session:
        dialect = (await session.connection()).dialect
        store = await _load_store(
            session, settings=settings, now=now, remind_through=None, blocked_any=True
        )
        candidates = escalation_candidates(
            store.targets,
            hours=hours,
            now=now,
            escalate_after=settings.escalate_after_days,
            long_overdue=settings.long_overdue_days,
        )
        kinds = {escalation_kind(target, reason) for target, reason, _ in candidates}
        recorded = await _ledger_rows(session, column=ReminderLedger.kind, values=kinds)
        escalations, nobody = plan_escalations(
            candidates,
            coordinators=store.coordinators,
            leaders=store.leaders,
            recorded=recorded,
        )
        info = await _target_info(session, [e.target for e in escalations])
    by_person: dict[int, list[Escalation]] = {}
    for escalation in sorted(
        escalations, key=lambda e: (-e.overdue_days, e.target.key, e.person_id)
    ):
        by_person.setdefault(escalation.person_id, []).append(escalation)
    bundles = []
    for person_id, theirs in sorted(by_person.items()):
        contact = store.contacts[person_id]
        messages = escalation_messages(
            theirs,
            info=info,
            agencies=store.agencies,
            locale=contact.locale,
            settings=settings,
        )
        keyed = [(m, [(e.target.key, e.kind) for e in part]) for m, part in messages]
        bundles.append(
            _Bundle(contact, OutboxKind.ESCALATION, keyed, [], sum(len(p) for _, p in messages))
        )
    written, conflicts = await _write(sessions, bundles, dialect=dialect, now=now, wake=wake)
    if nobody:
        log.warning(
            "escalations with nobody to receive them (no coordinator or leader) for plans: %s",
            ", ".join(str(p) for p in sorted(nobody)),
        )
    return EscalationResult(
        messages=sum(len(b.messages) for b in written),
        items=sum(b.items for b in written),
        conflicts=conflicts,
        plans_without_contact=tuple(sorted(nobody)),
    )


# ---------------------------------------------------------------- preview


async def preview(
    session: UnitOfWork, *, settings: ReminderSettings, start: date, end: date, now: datetime
) -> Preview:
    """The reminders sweeps would send from `start` to `end`, by the planner sweeps use."""
    store = await _load_store(
        session, settings=settings, now=now, remind_through=end, blocked_any=False
    )
    recorded = await _ledger_rows(
        session, column=ReminderLedger.target, values=[t.key for t in store.targets]
    )
    planned = simulate(
        store.targets,
        recipients=store.recipients,
        recorded=recorded,
        snoozes=store.snoozes,
        hours=settings.hours,
        start=start,
        end=end,
    )
    info = await _target_info(session, [p.reminder.target for p in planned])
    rows = []
    for item in planned:
        reminder = item.reminder
        shown = info.get(reminder.target.key)
        if shown is None:
            continue
        contact = store.contacts[reminder.person_id]
        rows.append(
            PreviewRow(
                at=item.at,
                person_id=contact.person_id,
                person=contact.name,
                agency=store.agencies.get(reminder.target.agency_id, ("?", ""))[0],
                plan_ref=shown.plan_label,
                task_code=shown.task_code,
                handle=shown.handle,
                period=shown.period,
                kind=reminder.label,
            )
        )
    unstaffed = sorted(
        {
            store.agencies.get(t.agency_id, (str(t.agency_id), ""))[0]
            for t in store.targets
            if not t.informational and t.due is not None and t.agency_id not in store.recipients
        }
    )
    return Preview(tuple(rows), tuple(unstaffed))
