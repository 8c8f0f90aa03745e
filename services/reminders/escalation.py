"""The escalation pass: hub coordinators and leadership told of blocked and long-overdue
work in one digest per person, each line once (see the package's docstring)."""

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from domain.indicators.collection import indicator_of
from domain.reminders import (
    DEFAULT_POLICY,
    Escalation,
    EscalationReason,
    OpenTarget,
    ReminderPolicy,
    escalation_candidates,
    escalation_kind,
    plan_escalations,
)
from domain.status import Status
from models.enums import OutboxKind
from models.tables import ReminderLedger
from services.outbox import Wake
from services.reminders.chunks import agency_chunks
from services.reminders.history import ledger_rows, target_info
from services.reminders.load import (
    ReminderSettings,
    Store,
    assignments_wanted,
    load_store,
    read_people,
)
from services.reminders.sweep import CHUNK
from services.reminders.write import COLLECTOR, Bundle, write_bundles
from services.spool import SortedSpool
from services.unit_of_work import Sessions
from views.digests import escalation_digest
from views.indicators import IndicatorInfo
from views.reminders import TargetInfo

log = logging.getLogger(__name__)

# Escalation digests rendered and written per transaction: one can carry thousands of lines
# (a hub's coordinator at a million assignments, some 6,000), held with their ledger rows
# until the transaction commits, and the next is rendered meanwhile (write._Ahead). Five at a
# time raised the pass's peak memory at a million by 26 MiB over one at a time, for 10
# transactions instead of 50 and no time saved.
DIGESTS_PER_WRITE = 1


@dataclass(frozen=True)
class EscalationResult:
    """What one escalation pass wrote."""

    messages: int = 0
    items: int = 0
    conflicts: int = 0
    plans_without_contact: tuple[int, ...] = ()


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
            steps=False,
        )
        async for targets, _seen in agency_chunks(reader, statement, store=store, size=CHUNK):
            await read_people(reader, store, now=now)
            escalations, info = await _plan_escalation_chunk(
                sessions, store, targets, settings=settings, now=now, nobody=nobody
            )
            lines.add(escalations, info)
            indicator_targets.update(
                (e.target.key, e.target)
                for e in escalations
                if indicator_of(e.target.key) is not None
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
