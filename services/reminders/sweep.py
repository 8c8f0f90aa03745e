"""The reminder sweep and the escalation pass: plan (domain.reminders), word, write."""

import logging
from bisect import bisect_right
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from domain.indicators.collection import indicator_of
from domain.plans import PSEUDO_GROUPS
from domain.reminders import (
    DEFAULT_POLICY,
    NO_OFFICER,
    Escalation,
    EscalationReason,
    Notice,
    OpenTarget,
    Reason,
    Reminder,
    ReminderPolicy,
    due_now,
    escalation_candidates,
    escalation_kind,
    plan,
    plan_escalations,
)
from domain.status import Status
from domain.targets import agency_key
from models.enums import OutboxKind
from models.tables import (
    ReminderLedger,
)
from services.outbox import Wake
from services.reminders.load import (
    ReminderSettings,
    Store,
    assignment_chunks,
    assignments_wanted,
    ledger_rows,
    load_store,
    read_people,
    target_info,
)
from services.reminders.steps import move_on, next_steps
from services.reminders.write import COLLECTOR, Bundle, write_bundles
from services.spool import SortedSpool
from services.unit_of_work import Sessions, UnitOfWork
from views.digests import escalation_digest, notice_digest
from views.indicators import IndicatorInfo
from views.messages import Outgoing
from views.reminders import (
    ReminderWording,
    TargetInfo,
    reminder_messages,
)

log = logging.getLogger(__name__)

# Assignments planned and written at a time (a little more, to keep an agency's together):
# what a sweep holds grows with this, not with the store.
CHUNK = 2000
# Escalation digests rendered and written per transaction: one can carry thousands of lines
# (a hub's coordinator at a million assignments, some 6,000), held with their ledger rows
# until the transaction commits.
DIGESTS_PER_WRITE = 5


@dataclass(frozen=True)
class SweepResult:
    """What one reminder sweep read, planned and wrote."""

    messages: int = 0
    reminders: int = 0
    skipped: int = 0
    notices: int = 0
    conflicts: int = 0
    unreported_agencies: tuple[str, ...] = ()
    # How much work it did (the benchmarks' units), not what it did: left out of equality.
    # Open targets read, and those with a reminder step fallen due (sent before or not).
    read: int = field(default=0, compare=False)
    due: int = field(default=0, compare=False)


@dataclass(frozen=True)
class EscalationResult:
    """What one escalation pass wrote."""

    messages: int = 0
    items: int = 0
    conflicts: int = 0
    plans_without_contact: tuple[int, ...] = ()


async def sweep(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None = None,
    incremental: bool = True,
) -> SweepResult:
    """Send every reminder that has fallen due, once, bundled per person.

    Incremental (the default): only the assignments whose next step has come are planned
    (services.reminders.steps); otherwise every open one within reach, as a full re-plan
    does. Either way each planned assignment's next step is written after."""
    if not settings.hours.is_open(now):
        return SweepResult()
    with COLLECTOR.paused():
        return await _sweep(
            sessions, settings=settings, now=now, wake=wake, incremental=incremental
        )


@dataclass
class _Chunk:
    """What one chunk of a sweep (one range of agencies) planned and wrote."""

    result: SweepResult
    notices: list[Notice]
    # What the notices show of their tasks: they are written once every chunk is planned.
    info: dict[str, TargetInfo]
    unreported: tuple[int, ...]


async def _sweep(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None,
    incremental: bool,
) -> SweepResult:
    hours = settings.hours
    done: list[_Chunk] = []
    # The reading session streams the assignments while each chunk is planned and written
    # in sessions of its own: a chunk written stays written, and a failure leaves the
    # chunks after it due for the next sweep.
    async with sessions() as reader:
        dialect = (await reader.connection()).dialect
        store = await load_store(
            reader,
            settings=settings,
            now=now,
            remind_through=hours.today(now),
            blocked_any=False,
            incremental=incremental,
            assignments=False,
        )
        statement = assignments_wanted(
            store,
            remind_cooperating=settings.remind_cooperating,
            blocked_any=False,
            step_by=hours.today(now) if incremental else None,
        )
        async for targets, seen in _agency_chunks(reader, statement, store=store):
            await read_people(reader, store, now=now)
            done.append(
                await _sweep_chunk(
                    sessions, store, targets, seen, settings=settings, now=now, wake=wake
                )
            )
    notices = await _write_notices(
        sessions,
        [n for chunk in done for n in chunk.notices],
        info={k: v for chunk in done for k, v in chunk.info.items()},
        store=store,
        dialect=dialect,
        now=now,
        wake=wake,
    )
    unreported = tuple(
        store.agencies.get(a, (str(a), ""))[0] for chunk in done for a in chunk.unreported
    )
    if unreported:
        log.warning(
            "agencies with nobody registered and no coordinator to tell: %s",
            ", ".join(unreported),
        )
    results = [chunk.result for chunk in done]
    return SweepResult(
        messages=sum(r.messages for r in results) + notices.messages,
        reminders=sum(r.reminders for r in results),
        skipped=sum(r.skipped for r in results),
        notices=notices.notices,
        conflicts=sum(r.conflicts for r in results) + notices.conflicts,
        unreported_agencies=unreported,
        read=sum(r.read for r in results),
        due=sum(r.due for r in results),
    )


async def _agency_chunks(
    reader: UnitOfWork, statement: sa.Select[Any], *, store: Store
) -> AsyncIterator[tuple[list[OpenTarget], dict[int, date | None]]]:
    """The assignments `statement` finds, some CHUNK at a time, each agency whole
    (assignment_chunks), joined by the report periods and indicators of their agencies
    (few, read whole into the store); those of agencies after the last assignment's come
    last."""
    others = sorted(store.targets, key=lambda t: t.agency_id)
    async for targets, seen in assignment_chunks(reader, statement, store=store, size=CHUNK):
        taken = bisect_right(others, targets[-1].agency_id, key=lambda t: t.agency_id)
        targets.extend(others[:taken])
        del others[:taken]
        yield targets, seen
    if others:
        yield others, {}


async def _sweep_chunk(
    sessions: Sessions,
    store: Store,
    targets: list[OpenTarget],
    seen: dict[int, date | None],
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None,
) -> _Chunk:
    """Plan and write the reminders of some agencies' targets, then move their next days
    on."""
    hours = settings.hours
    dues = due_now(targets, hours=hours, now=now)
    # Every ledger row of the due targets: what was sent, and what `plan` must know of
    # their history. And whether the agencies nobody receives for were reported.
    keys = {d.target.key for d in dues}
    keys.update(
        agency_key(d.target.agency_id) for d in dues if d.target.agency_id not in store.recipients
    )
    async with sessions() as session:
        dialect = (await session.connection()).dialect
        recorded = await ledger_rows(session, column=ReminderLedger.target, values=keys)
        decided = plan(
            dues,
            recipients=store.recipients,
            coordinators=store.coordinators,
            recorded=recorded,
            snoozes=store.snoozes,
            hours=hours,
            now=now,
        )
        del recorded
        notices = [
            notice
            for notice in decided.notices
            # A group that names nobody has no officer to find; a store imported before such
            # groups were left unassigned may still hold work of theirs (re-importing
            # cancels it).
            if store.agencies.get(notice.agency_id, ("", ""))[0] not in PSEUDO_GROUPS
        ]
        info = await target_info(
            session,
            [
                *(r.target for r in decided.reminders),
                # A digest of agencies nobody registered for names their tasks once each.
                *(t for n in notices for t in n.targets if indicator_of(t.key) is None),
            ],
        )
    indicators = store.owed.info((r.target for r in decided.reminders), agencies=store.agencies)
    # Reminders are rendered batch by batch as they are written (see write_bundles).
    bundles = _reminder_bundles(
        decided.by_person(),
        store=store,
        info=info,
        indicators=indicators,
        settings=settings,
        now=now,
    )
    written = await write_bundles(sessions, bundles, dialect=dialect, now=now, wake=wake)
    # Only once what was owed is written: a sweep that failed leaves the days as they were.
    await move_on(
        sessions, seen=seen, days=next_steps(targets, seen, store=store, hours=hours, now=now)
    )
    noticed = {t.key for n in notices for t in n.targets}
    return _Chunk(
        SweepResult(
            messages=written.messages,
            reminders=written.items,
            skipped=written.skipped,
            conflicts=written.conflicts,
            read=len(targets),
            due=len(dues),
        ),
        notices,
        {key: value for key, value in info.items() if key in noticed},
        decided.unreported,
    )


async def _write_notices(
    sessions: Sessions,
    notices: list[Notice],
    *,
    info: Mapping[str, TargetInfo],
    store: Store,
    dialect: sa.Dialect,
    now: datetime,
    wake: Wake | None,
) -> SweepResult:
    """One digest per coordinator of the agencies nobody receives reminders for."""
    by_person: dict[int, list[Notice]] = {}
    for notice in notices:
        by_person.setdefault(notice.person_id, []).append(notice)
    bundles = []
    for person_id, theirs in sorted(by_person.items()):
        contact = store.contacts[person_id]
        parts = notice_digest(
            theirs,
            info=info,
            agencies=store.agencies,
            locale=contact.locale,
            channel=contact.channel,
        )
        keys = [(n.key, NO_OFFICER) for n in theirs]
        # The first part records every agency, so a digest is sent whole or not at all.
        messages = [(part, keys if index == 0 else []) for index, part in enumerate(parts)]
        bundles.append(Bundle(contact, OutboxKind.NOTICE, messages, [], len(theirs)))
    if not bundles:
        return SweepResult()
    written = await write_bundles(sessions, bundles, dialect=dialect, now=now, wake=wake)
    return SweepResult(
        messages=written.messages, notices=written.items, conflicts=written.conflicts
    )


def _reminder_bundles(
    by_person: Mapping[int, list[Reminder]],
    *,
    store: Store,
    info: Mapping[str, TargetInfo],
    indicators: Mapping[str, IndicatorInfo],
    settings: ReminderSettings,
    now: datetime,
) -> Iterator[Bundle]:
    today = settings.hours.today(now)
    wordings: dict[str, ReminderWording] = {}
    # The officers of one agency usually get the same items: render each text once, and
    # remember which targets each message carries.
    rendered: dict[tuple[str, tuple[tuple[str, Reason], ...]], list[tuple[Outgoing, list[str]]]]
    rendered = {}
    for person_id, reminders in by_person.items():
        contact = store.contacts[person_id]
        signature = (contact.locale, tuple((r.target.key, r.reason) for r in reminders))
        if signature not in rendered:
            wording = wordings.get(contact.locale) or wordings.setdefault(
                contact.locale,
                ReminderWording(contact.locale, today=today, hours=settings.hours),
            )
            rendered[signature] = [
                (message, [r.target.key for r in part])
                for message, part in reminder_messages(
                    reminders, info=info, wording=wording, indicators=indicators
                )
            ]
        theirs = {r.target.key: r for r in reminders}
        messages = []
        for message, keys in rendered[signature]:
            part = [theirs[key] for key in keys]
            messages.append(
                (message, [(r.target.key, k) for r in part for k in (r.kind, *r.covers)])
            )
        shown = [theirs[key] for _message, keys in rendered[signature] for key in keys]
        skipped = [(r.target.key, kind) for r in shown for kind in r.skipped]
        yield Bundle(contact, OutboxKind.REMINDER, messages, skipped, len(shown))


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
    with COLLECTOR.paused():
        return await _escalate(sessions, settings=settings, now=now, wake=wake)


async def _escalate(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None,
) -> EscalationResult:
    nobody: set[int] = set()
    # The report periods and indicators escalated (few): indicators' lines need what the
    # store read of them.
    indicator_targets: dict[str, OpenTarget] = {}
    # The reading session streams the open targets while each chunk's ledger rows and
    # task details are read in sessions of their own. Nothing is written until every
    # chunk is planned: a person's digest covers all their agencies, so it is written
    # whole, once, from the lines the chunks spilled (see _EscalationLines).
    async with sessions() as reader:
        dialect = (await reader.connection()).dialect
        store = await load_store(
            reader,
            settings=settings,
            now=now,
            remind_through=None,
            blocked_any=True,
            assignments=False,
        )
        lines = _EscalationLines(store)
        statement = assignments_wanted(
            store,
            remind_cooperating=settings.remind_cooperating,
            blocked_any=True,
            step_by=None,
        )
        async for targets, _seen in _agency_chunks(reader, statement, store=store):
            await read_people(reader, store, now=now)
            escalations, info = await _plan_escalation_chunk(
                sessions, store, targets, settings=settings, now=now, nobody=nobody
            )
            lines.add(escalations, info)
            indicator_targets.update(
                (e.target.key, e.target) for e in escalations if indicator_of(e.target.key)
            )
    indicators = store.owed.info(indicator_targets.values(), agencies=store.agencies)
    written = await write_bundles(
        sessions,
        _escalation_bundles(lines, store=store, indicators=indicators, settings=settings),
        dialect=dialect,
        now=now,
        wake=wake,
        per_batch=DIGESTS_PER_WRITE,
        per_chunk=DIGESTS_PER_WRITE,
    )
    if nobody:
        log.warning(
            "escalations with nobody to receive them (no coordinator or leader) for plans: %s",
            ", ".join(str(p) for p in sorted(nobody)),
        )
    return EscalationResult(
        messages=written.messages,
        items=written.items,
        conflicts=written.conflicts,
        plans_without_contact=tuple(sorted(nobody)),
    )


async def _plan_escalation_chunk(
    sessions: Sessions,
    store: Store,
    targets: list[OpenTarget],
    *,
    settings: ReminderSettings,
    now: datetime,
    nobody: set[int],
) -> tuple[list[Escalation], dict[str, TargetInfo]]:
    """The escalations of some agencies' targets nobody has been told of yet, with what
    the digests show of their tasks; adds to `nobody` the plans with nobody to tell."""
    candidates = escalation_candidates(
        targets,
        hours=settings.hours,
        now=now,
        escalate_after=settings.escalate_after_days,
        long_overdue=settings.long_overdue_days,
    )
    if not candidates:
        return [], {}
    async with sessions() as session:
        # By target (the ledger's unique key leads with it: a chunk's few), and of the
        # escalations' kinds only: each target also has its reminders' rows.
        recorded = await ledger_rows(
            session,
            column=ReminderLedger.target,
            values={target.key for target, _reason, _late in candidates},
            kinds={escalation_kind(target, reason) for target, reason, _late in candidates},
        )
        escalations, unreached = plan_escalations(
            candidates,
            coordinators=store.coordinators,
            leaders=store.leaders,
            recorded=recorded,
        )
        info = await target_info(session, [e.target for e in escalations])
    nobody.update(unreached)
    return escalations, info


_Line = tuple[Escalation, TargetInfo | None]


class _EscalationLines:
    """Every escalation planned, each with what its digest shows of its task, kept sorted
    by person in an anonymous temporary file (services.spool) and read back person by
    person: what is held grows with one person's digest, not with the store.

    Within a person's lines the order is the digest's: most overdue first, then by target
    (the order one pass over every target at once gave)."""

    # Lines held before they go to the file as one sorted run (some 5 MiB): reading back
    # holds one block of each run, so fewer, longer runs keep that light.
    RUN = 5000

    def __init__(self, store: Store) -> None:
        policies = store.policies
        self._spool = SortedSpool[_Line](
            encode=_encode_line, decode=lambda data: _decode_line(data, policies)
        )
        self._held: list[tuple[tuple[int, int, str, str], _Line]] = []

    def add(self, escalations: Iterable[Escalation], info: Mapping[str, TargetInfo]) -> None:
        """Keep the escalations, with what `info` shows of each one's task."""
        for e in escalations:
            key = (e.person_id, -e.overdue_days, e.target.key, e.reason.value)
            self._held.append((key, (e, info.get(e.target.key))))
        if len(self._held) >= self.RUN:
            self._spill()

    def _spill(self) -> None:
        self._held.sort(key=itemgetter(0))
        self._spool.add_run(self._held)
        self._held = []

    def by_person(self) -> Iterator[tuple[int, list[_Line]]]:
        """Each person's lines, in the digest's order, by person."""
        self._spill()
        for person_id, lines in groupby(self._spool, key=lambda line: line[0].person_id):
            yield person_id, list(lines)


def _encode_line(line: _Line) -> tuple[Any, ...]:
    escalation, shown = line
    target = escalation.target
    return (
        escalation.person_id,
        (
            target.key,
            target.assignment_id,
            target.occurrence_id,
            target.agency_id,
            target.plan_id,
            target.due,
            target.informational,
            target.status.value,
            target.updated_at,
        ),
        escalation.reason.value,
        escalation.kind,
        escalation.overdue_days,
        None
        if shown is None
        else (
            shown.handle,
            shown.task_code,
            shown.title,
            shown.plan_label,
            shown.period,
            shown.progress,
            shown.blocked_reason,
        ),
    )


def _decode_line(data: tuple[Any, ...], policies: Mapping[int, ReminderPolicy]) -> _Line:
    person_id, target, reason, kind, overdue_days, shown = data
    key, assignment_id, occurrence_id, agency_id, plan_id, due, informational, status, at = target
    return (
        Escalation(
            person_id,
            OpenTarget(
                key,
                assignment_id,
                occurrence_id,
                agency_id,
                plan_id,
                due,
                policies.get(plan_id, DEFAULT_POLICY),
                informational,
                Status(status),
                at,
            ),
            EscalationReason(reason),
            kind,
            overdue_days,
        ),
        None if shown is None else TargetInfo(*shown),
    )


def _escalation_bundles(
    lines: _EscalationLines,
    *,
    store: Store,
    indicators: Mapping[str, IndicatorInfo],
    settings: ReminderSettings,
) -> Iterator[Bundle]:
    """One digest per person, rendered as it is written."""
    for person_id, theirs in lines.by_person():
        contact = store.contacts[person_id]
        messages = escalation_digest(
            [escalation for escalation, _shown in theirs],
            info={e.target.key: shown for e, shown in theirs if shown is not None},
            agencies=store.agencies,
            indicators=indicators,
            locale=contact.locale,
            channel=contact.channel,
            escalate_after_days=settings.escalate_after_days,
            long_overdue_days=settings.long_overdue_days,
        )
        keyed = [(m, [(e.target.key, e.kind) for e in part]) for m, part in messages]
        yield Bundle(contact, OutboxKind.ESCALATION, keyed, [], sum(len(p) for _, p in messages))
