"""The reminder sweep and the escalation pass: plan (domain.reminders), word, write."""

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from domain.indicators.collection import indicator_of
from domain.plans import PSEUDO_GROUPS
from domain.reminders import (
    NO_OFFICER,
    Escalation,
    Notice,
    Reason,
    Reminder,
    due_now,
    escalation_candidates,
    escalation_kind,
    history_needed,
    plan,
    plan_escalations,
    wanted_kinds,
)
from models.enums import OutboxKind
from models.tables import (
    ReminderLedger,
)
from services.outbox import Wake
from services.reminders.load import ReminderSettings, Store, ledger_rows, load_store, target_info
from services.reminders.steps import move_on, next_steps
from services.reminders.write import COLLECTOR, Bundle, write_bundles
from services.unit_of_work import Sessions
from views.digests import escalation_digest, notice_digest
from views.indicators import IndicatorInfo
from views.messages import Outgoing
from views.reminders import (
    ReminderWording,
    TargetInfo,
    reminder_messages,
)

log = logging.getLogger(__name__)


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


async def _sweep(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None,
    incremental: bool,
) -> SweepResult:
    hours = settings.hours
    async with sessions() as session:
        dialect = (await session.connection()).dialect
        store = await load_store(
            session,
            settings=settings,
            now=now,
            remind_through=hours.today(now),
            blocked_any=False,
            incremental=incremental,
        )
        dues = due_now(store.targets, hours=hours, now=now)
        recorded = await ledger_rows(
            session, column=ReminderLedger.kind, values=wanted_kinds(dues, store.snoozes)
        )
        owed = history_needed(
            dues,
            recipients=store.recipients,
            recorded=recorded,
            snoozes=store.snoozes,
            now=now,
        )
        recorded |= await ledger_rows(session, column=ReminderLedger.target, values=owed)
        decided = plan(
            dues,
            recipients=store.recipients,
            coordinators=store.coordinators,
            recorded=recorded,
            snoozes=store.snoozes,
            hours=hours,
            now=now,
        )
        info = await target_info(
            session,
            [
                *(r.target for r in decided.reminders),
                # A digest of agencies nobody registered for names their tasks once each.
                *(t for n in decided.notices for t in n.targets if indicator_of(t.key) is None),
            ],
        )
    indicators = store.owed.info((r.target for r in decided.reminders), agencies=store.agencies)
    notices: dict[int, list[Notice]] = {}
    for notice in decided.notices:
        # A group that names nobody has no officer to find; a store imported before such
        # groups were left unassigned may still hold work of theirs (re-importing cancels it).
        if store.agencies.get(notice.agency_id, ("", ""))[0] in PSEUDO_GROUPS:
            continue
        notices.setdefault(notice.person_id, []).append(notice)
    notice_bundles = []
    for person_id, theirs in sorted(notices.items()):
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
        notice_bundles.append(Bundle(contact, OutboxKind.NOTICE, messages, [], len(theirs)))
    # Reminders are rendered batch by batch as they are written (see _write).
    bundles = chain(
        _reminder_bundles(
            decided.by_person(),
            store=store,
            info=info,
            indicators=indicators,
            settings=settings,
            now=now,
        ),
        notice_bundles,
    )
    written, conflicts = await write_bundles(
        sessions, bundles, dialect=dialect, now=now, wake=wake
    )
    # Only once what was owed is written: a sweep that failed leaves the days as they were.
    await move_on(sessions, seen=store.steps_seen, days=next_steps(store, hours=hours, now=now))
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
        read=len(store.targets),
        due=len(dues),
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
    hours = settings.hours
    async with sessions() as session:
        dialect = (await session.connection()).dialect
        store = await load_store(
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
        recorded = await ledger_rows(session, column=ReminderLedger.kind, values=kinds)
        escalations, nobody = plan_escalations(
            candidates,
            coordinators=store.coordinators,
            leaders=store.leaders,
            recorded=recorded,
        )
        info = await target_info(session, [e.target for e in escalations])
    indicators = store.owed.info((e.target for e in escalations), agencies=store.agencies)
    by_person: dict[int, list[Escalation]] = {}
    for escalation in sorted(
        escalations, key=lambda e: (-e.overdue_days, e.target.key, e.person_id)
    ):
        by_person.setdefault(escalation.person_id, []).append(escalation)
    bundles = []
    for person_id, theirs in sorted(by_person.items()):
        contact = store.contacts[person_id]
        messages = escalation_digest(
            theirs,
            info=info,
            agencies=store.agencies,
            indicators=indicators,
            locale=contact.locale,
            channel=contact.channel,
            escalate_after_days=settings.escalate_after_days,
            long_overdue_days=settings.long_overdue_days,
        )
        keyed = [(m, [(e.target.key, e.kind) for e in part]) for m, part in messages]
        bundles.append(
            Bundle(contact, OutboxKind.ESCALATION, keyed, [], sum(len(p) for _, p in messages))
        )
    written, conflicts = await write_bundles(
        sessions, bundles, dialect=dialect, now=now, wake=wake
    )
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
