"""Recording indicator figures from chat: answers, entries on an owner's behalf, explanations
(giải trình), the requests for them, and /undo.

Figures are appended to IndicatorValue, never updated; the newest row not undone is the
current one. An officer reports only the indicators their agency owns; a coordinator (or an
admin) may enter or correct any, recorded as on the lead owner's behalf unless the
coordinator's own agency owns it; leaders read. A request for an explanation goes to the
officers of the first owner that has any, once per indicator, person and checkpoint (the
reminder ledger's row "i:<id>" / "explain@<checkpoint>" is written with its outbox row).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor, Role, require_chase, require_report
from domain.calendar import WorkCalendar
from domain.indicators.answers import AnswerKind, AskedIndicator, IndicatorReply
from domain.indicators.checkpoints import Checkpoint, checkpoint, parse_checkpoint_key
from domain.indicators.collection import (
    Figure,
    Standing,
    indicator_target,
    shown_checkpoint,
    standing,
)
from locales import gettext_for
from models.enums import OutboxKind
from models.tables import ChatIdentity, IndicatorValue, Person, ReminderLedger, StatusChange
from services.indicators.read import (
    PlanSettings,
    Schedule,
    StoredIndicator,
    agency_names,
    current_figures,
    describe,
    load_indicators,
    load_plans,
)
from services.outbox import enqueue_for_person
from services.unit_of_work import UnitOfWork
from views.indicators import explain_request_message
from views.messages import IndicatorItem

UNDO_WINDOW = timedelta(minutes=10)
EXPLANATION_LENGTH = 1000


class UnknownIndicatorError(LookupError):
    """No live indicator has that id (or key)."""


class NothingToExplainError(ValueError):
    """The figure meets its target, or is not due yet: there is nothing to ask about."""

    def __init__(self, key: str, found: Standing) -> None:
        super().__init__(found.verdict.value)
        self.key = key
        self.standing = found


@dataclass
class Asking:
    """What a reply about indicators is read against: the indicators asked (numbered as the
    message numbered them, or by their own numbers), each with its checkpoint."""

    asked: list[AskedIndicator] = field(default_factory=list)
    indicators: dict[str, StoredIndicator] = field(default_factory=dict)
    checkpoints: dict[str, Checkpoint] = field(default_factory=dict)
    plans: dict[int, PlanSettings] = field(default_factory=dict)

    def add(self, ref: str, indicator: StoredIndicator, at: Checkpoint) -> None:
        """Ask about `indicator` at `at`, as item `ref` ("" when only its number names it)."""
        if indicator.key in self.indicators:
            return  # the first (the message's own, then the newest plan's) wins
        self.asked.append(
            AskedIndicator(
                ref=ref,
                key=indicator.key,
                number=indicator.number,
                name=indicator.name,
                unit=indicator.unit,
                target=indicator.rule.target,
            )
        )
        self.indicators[indicator.key] = indicator
        self.checkpoints[indicator.key] = at


def _checkpoint(key: str, plan: PlanSettings, calendar: WorkCalendar) -> Checkpoint | None:
    parsed = parse_checkpoint_key(key)
    if parsed is None:
        return None
    year, months = parsed
    return checkpoint(year, months, report_day=plan.collection.report_day, calendar=calendar)


async def asking(
    session: UnitOfWork,
    *,
    actor: Actor,
    items: Sequence[IndicatorItem],
    own: bool,
    today: date,
    calendar: WorkCalendar,
) -> Asking:
    """The indicators of a message's numbered items, and with `own` every indicator the actor
    may report, at its open checkpoint (for "CT12: 7,5" and "PL1.4: 28.500" said unasked)."""
    found = Asking(plans=await load_plans(session))
    ids = {item.indicator_id for item in items}
    stored = {i.id: i for i in await load_indicators(session, ids=ids)} if ids else {}
    for item in items:
        indicator = stored.get(item.indicator_id)
        at = (
            _checkpoint(item.checkpoint, found.plans[indicator.plan_id], calendar)
            if indicator
            else None
        )
        if indicator is not None and at is not None:
            found.add(str(item.number), indicator, at)
    if own:
        # Everyone's for those who read everything: a leader's figure is then refused, not
        # misread.
        mine = await load_indicators(
            session,
            agency_ids={actor.agency_id}
            if actor.role is Role.OFFICER and actor.agency_id is not None
            else (),
        )
        if actor.role is Role.OFFICER and actor.agency_id is None:
            mine = []
        schedule = Schedule(calendar, today=today)
        # The newest plans first, so that "PL1.12" names this year's indicator.
        for indicator in sorted(mine, key=lambda i: (-(i.year or 0), -i.plan_id, i.position)):
            at = shown_checkpoint(schedule.of(indicator, found.plans[indicator.plan_id]), on=today)
            if at is not None:
                found.add("", indicator, at)
    return found


async def asking_one(
    session: UnitOfWork, *, indicator: StoredIndicator, today: date, calendar: WorkCalendar
) -> Asking:
    """One indicator at its open checkpoint (a figure typed after /chitieu PL1.12)."""
    found = Asking(plans=await load_plans(session))
    at = shown_checkpoint(
        Schedule(calendar, today=today).of(indicator, found.plans[indicator.plan_id]), on=today
    )
    if at is not None:
        found.add("1", indicator, at)
    return found


@dataclass(frozen=True)
class Recorded:
    """A figure stored, and how it stands now."""

    indicator: StoredIndicator
    checkpoint: Checkpoint
    kind: AnswerKind
    standing: Standing
    note: str | None
    on_behalf_of: str | None


def _reporting_agency(actor: Actor, indicator: StoredIndicator) -> tuple[int | None, bool]:
    """The owner a figure is reported for, and whether someone else entered it for them."""
    if actor.agency_id is not None and actor.agency_id in indicator.owners:
        return actor.agency_id, False
    return indicator.lead, True


async def record(
    session: UnitOfWork,
    *,
    actor: Actor,
    reply: IndicatorReply,
    asking: Asking,
    channel: str,
    source_message_id: str | None,
    now: datetime,
    today: date,
) -> list[Recorded]:
    """Store every answer of a reply (raises AccessDenied, storing nothing, if the actor may
    not report one of them)."""
    for answer in reply.answers:
        require_report(actor, owners=asking.indicators[answer.key].owners)
    names = await agency_names(session) if reply.answers else {}
    found = []
    for number, answer in enumerate(reply.answers, start=1):
        indicator = asking.indicators[answer.key]
        at = asking.checkpoints[answer.key]
        agency_id, behalf = _reporting_agency(actor, indicator)
        note = str(answer.note) if answer.note is not None else None
        session.add(
            IndicatorValue(
                indicator_id=indicator.id,
                checkpoint_key=at.key,
                kind=answer.kind.value,
                value=answer.value,
                estimate=answer.estimate,
                written=answer.written[:EXPLANATION_LENGTH],
                note=note,
                agency_id=agency_id,
                reported_by_id=actor.person_id,
                on_behalf=behalf,
                channel=channel,
                reported_at=now,
                source_message_id=_numbered(source_message_id, number),
            )
        )
        figure = Figure(answer.value, answer.estimate, reported_at=now, on_behalf=behalf)
        plan = asking.plans[indicator.plan_id]
        found.append(
            Recorded(
                indicator=indicator,
                checkpoint=at,
                kind=answer.kind,
                standing=standing(
                    indicator.rule, figure, at=at, margin=plan.collection.margin, today=today
                ),
                note=note,
                on_behalf_of=names.get(agency_id or 0, ("", ""))[1] if behalf else None,
            )
        )
    await session.flush()
    return found


def _numbered(source: str | None, number: int) -> str | None:
    if source is None:
        return None
    return source if number == 1 else f"{source}#i{number}"


async def _one(session: UnitOfWork, indicator_id: int) -> StoredIndicator:
    found = await load_indicators(session, ids={indicator_id})
    if not found:
        raise UnknownIndicatorError(indicator_id)
    return found[0]


@dataclass(frozen=True)
class Explained:
    """An explanation stored with an indicator's figure."""

    indicator: StoredIndicator
    checkpoint: Checkpoint
    text: str
    # Who asked for it (told that it came), and the agency it speaks for.
    requester: Person | None
    agency_name: str


async def explain(
    session: UnitOfWork,
    *,
    actor: Actor,
    item: IndicatorItem,
    text: str,
    channel: str,
    source_message_id: str | None,
    now: datetime,
    calendar: WorkCalendar,
) -> Explained:
    """Store the owner's explanation with the current figure (appended: the figure repeated,
    the explanation set)."""
    indicator = await _one(session, item.indicator_id)
    require_report(actor, owners=indicator.owners)
    plans = await load_plans(session)
    at = _checkpoint(item.checkpoint, plans[indicator.plan_id], calendar)
    if at is None:
        raise UnknownIndicatorError(item.indicator_id)
    current = (
        await session.exec(
            select(IndicatorValue)
            .where(
                IndicatorValue.indicator_id == indicator.id,
                IndicatorValue.checkpoint_key == at.key,
                col(IndicatorValue.undone).is_(False),
            )
            .order_by(col(IndicatorValue.id).desc())
        )
    ).first()
    agency_id, behalf = _reporting_agency(actor, indicator)
    said = " ".join(text.split())[:EXPLANATION_LENGTH]
    session.add(
        IndicatorValue(
            indicator_id=indicator.id,
            checkpoint_key=at.key,
            kind=current.kind if current else AnswerKind.NO_DATA.value,
            value=current.value if current else None,
            estimate=current.estimate if current else False,
            written=current.written if current else "",
            note=current.note if current else None,
            explanation=said,
            agency_id=agency_id,
            reported_by_id=actor.person_id,
            on_behalf=behalf,
            channel=channel,
            reported_at=now,
            source_message_id=source_message_id,
        )
    )
    await session.flush()
    requester = await session.get(Person, item.requested_by) if item.requested_by else None
    names = await agency_names(session)
    return Explained(indicator, at, said, requester, names.get(agency_id or 0, ("", ""))[1])


@dataclass(frozen=True)
class ExplainRequest:
    """A request for an explanation, and whom it went to."""

    indicator: StoredIndicator
    checkpoint: Checkpoint
    standing: Standing
    sent_to: tuple[str, ...]
    already: tuple[str, ...]


async def request_explanation(
    session: UnitOfWork,
    *,
    actor: Actor,
    indicator_id: int,
    checkpoint_key: str,
    now: datetime,
    today: date,
    calendar: WorkCalendar,
) -> ExplainRequest:
    """Ask the owner's officers why a figure is short (or missing after its report day)."""
    require_chase(actor)
    indicator = await _one(session, indicator_id)
    plans = await load_plans(session)
    plan = plans[indicator.plan_id]
    at = _checkpoint(checkpoint_key, plan, calendar)
    if at is None:
        raise UnknownIndicatorError(indicator_id)
    figure = (
        await current_figures(session, checkpoint_keys=[at.key], indicator_ids={indicator.id})
    ).get((indicator.id, at.key))
    found = standing(indicator.rule, figure, at=at, margin=plan.collection.margin, today=today)
    if not found.wants_explanation:
        raise NothingToExplainError(indicator.key, found)
    people = await _owners_officers(session, indicator)
    target, kind = indicator_target(indicator.id), f"explain@{at.key}"
    asked = set(
        (
            await session.exec(
                select(ReminderLedger.recipient_id).where(
                    ReminderLedger.target == target, ReminderLedger.kind == kind
                )
            )
        ).all()
    )
    names = await agency_names(session)
    info = describe(indicator, at, plans, names)
    sent, already = [], []
    for person in people:
        assert person.id is not None
        if person.id in asked:
            already.append(person.name)
            continue
        message = explain_request_message(
            info,
            found,
            item=IndicatorItem(
                1, indicator.id, at.key, explain=True, requested_by=actor.person_id
            ),
            requester=actor.name,
            _=gettext_for(person.locale),
        )
        row = await enqueue_for_person(
            session,
            person_id=person.id,
            message=message,
            now=now,
            kind=OutboxKind.INDICATOR_REQUEST,
        )
        if row is None:
            continue
        session.add(
            ReminderLedger(
                target=target, recipient_id=person.id, kind=kind, created_at=now, outbox_id=row.id
            )
        )
        sent.append(person.name)
    await session.flush()
    return ExplainRequest(indicator, at, found, tuple(sent), tuple(already))


async def _owners_officers(session: UnitOfWork, indicator: StoredIndicator) -> list[Person]:
    """The active officers (with a chat) of the first owner that has any."""
    for agency_id in indicator.owners:
        people = (
            await session.exec(
                select(Person)
                .where(
                    Person.agency_id == agency_id,
                    Person.role == Role.OFFICER.value,
                    col(Person.active).is_(True),
                    col(Person.id).in_(select(ChatIdentity.person_id)),
                )
                .order_by(col(Person.id))
            )
        ).all()
        if people:
            return list(people)
    return []


class FiguresUndo(StrEnum):
    """How an /undo of figures ended."""

    UNDONE = "undone"
    TOO_LATE = "too_late"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class UndoneFigures:
    """What an /undo of figures took back."""

    outcome: FiguresUndo
    keys: tuple[str, ...] = ()


async def figures_are_latest(session: UnitOfWork, *, actor: Actor) -> bool:
    """Whether the actor's last reply was about figures (not a task's status)."""
    figure = (
        await session.exec(
            select(sa.func.max(IndicatorValue.reported_at)).where(
                IndicatorValue.reported_by_id == actor.person_id,
                col(IndicatorValue.undone).is_(False),
            )
        )
    ).first()
    if figure is None:
        return False
    change = (
        await session.exec(
            select(sa.func.max(StatusChange.at)).where(
                StatusChange.person_id == actor.person_id, col(StatusChange.undone).is_(False)
            )
        )
    ).first()
    return change is None or figure >= change


async def undo_figures(
    session: UnitOfWork, *, actor: Actor, now: datetime, window: timedelta = UNDO_WINDOW
) -> UndoneFigures:
    """Take back the figures (or explanation) of the actor's last reply, if it is recent and
    nobody has reported those indicators since."""
    rows = (
        await session.exec(
            select(IndicatorValue)
            .where(
                IndicatorValue.reported_by_id == actor.person_id,
                col(IndicatorValue.undone).is_(False),
            )
            .order_by(col(IndicatorValue.reported_at).desc(), col(IndicatorValue.id).desc())
        )
    ).all()
    latest = rows[0]
    if now - latest.reported_at > window:
        return UndoneFigures(FiguresUndo.TOO_LATE)
    batch = sorted(
        (row for row in rows if row.reported_at == latest.reported_at), key=lambda r: r.id or 0
    )
    for row in batch:
        later = (
            await session.exec(
                select(IndicatorValue.id).where(
                    IndicatorValue.indicator_id == row.indicator_id,
                    IndicatorValue.checkpoint_key == row.checkpoint_key,
                    col(IndicatorValue.undone).is_(False),
                    col(IndicatorValue.id) > (row.id or 0),
                )
            )
        ).first()
        if later is not None:
            return UndoneFigures(FiguresUndo.SUPERSEDED)
    for row in batch:
        row.undone = True
        session.add(row)
    await session.flush()
    stored = {
        i.id: i.key for i in await load_indicators(session, ids={r.indicator_id for r in batch})
    }
    return UndoneFigures(FiguresUndo.UNDONE, tuple(stored.get(r.indicator_id, "?") for r in batch))
