"""/chitieu: indicators and how they stand, and one indicator's history.

An officer sees the indicators their agency owns (what is due first); coordinators, leaders
and admins see every one, colour first, or those of an agency or group, a plan, a table
("PL3") or a group of the table ("II"). An indicator is named by its key ("PL1.12") or, when
that is unambiguous among those the reader sees, its number ("12").
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from domain.access import AccessDenied, Actor, Role
from domain.calendar import WorkCalendar
from domain.indicators.checkpoints import Checkpoint, Verdict
from domain.indicators.collection import (
    SEVERITY,
    IndicatorLine,
    Standing,
    shown_checkpoint,
    standing,
)
from domain.text import fold
from models.tables import IndicatorValue, Person
from services.indicators.read import (
    PlanSettings,
    Schedule,
    StoredIndicator,
    agency_names,
    current_figures,
    line_of,
    load_indicators,
    load_plans,
    standings,
)
from services.queries.scope import resolve_scope
from services.reminders.write import COLLECTOR
from services.unit_of_work import UnitOfWork
from views.indicator_lists import MAX_LINES, HistoryRow

# Owners look for what they still have to report.
_OWNER_ORDER = (Verdict.NOT_REPORTED, Verdict.MISSED, Verdict.NEAR, Verdict.UNJUDGED, Verdict.MET)


class UnknownScopeError(LookupError):
    """No agency, plan, table or group has that name."""


class UnknownIndicatorKeyError(LookupError):
    """No indicator the reader sees has that key or number."""


@dataclass(frozen=True)
class IndicatorList:
    """Indicators in a reader's scope: how many stand at each verdict, and the first `shown`
    with their standings, in the order to show them, of `total`."""

    lines: list[IndicatorLine]
    counts: dict[Verdict, int]
    scope: str | None
    mine: bool
    total: int


async def _visible(
    session: UnitOfWork, *, actor: Actor, scope: str | None
) -> tuple[list[StoredIndicator], str | None]:
    if actor.role is Role.OFFICER:
        if actor.agency_id is None:
            return [], None
        if scope:
            found = await resolve_scope(session, text=scope)
            if found is None or found.kind != "agency" or actor.agency_id not in found.agency_ids:
                raise AccessDenied("indicators")
        return await load_indicators(session, agency_ids={actor.agency_id}), None
    if not scope:
        return await load_indicators(session), None
    found = await resolve_scope(session, text=scope)
    if found is not None and found.kind == "agency":
        return await load_indicators(session, agency_ids=set(found.agency_ids)), found.label
    if found is not None:
        return await load_indicators(session, plan_ids={found.key}), found.label
    every = await load_indicators(session)
    wanted = fold(scope).replace(" ", "")
    by_table = [i for i in every if fold(i.table) == wanted]
    if by_table:
        return by_table, scope.upper()
    by_group = [i for i in every if fold(i.group).split(".")[0].strip() == wanted]
    if by_group:
        return by_group, by_group[0].group
    raise UnknownScopeError(scope)


async def indicator_list(
    session: UnitOfWork,
    *,
    actor: Actor,
    scope: str | None,
    today: date,
    calendar: WorkCalendar,
    shown: int = MAX_LINES,
) -> IndicatorList:
    """The indicators an actor asked for, with their standings at the current checkpoint."""
    # A standing per indicator, thousands of them: with the collector paused (as sweeps do),
    # a full collection does not walk them all, and the indicators kept, in mid-request.
    with COLLECTOR.paused():
        indicators, label = await _visible(session, actor=actor, scope=scope)
        plans = await load_plans(session)
        found = await standings(
            session, indicators=indicators, plans=plans, calendar=calendar, today=today
        )
    counts = dict.fromkeys(SEVERITY, 0)
    for _indicator, standing_ in found:
        counts[standing_.verdict] += 1
    mine = actor.role is Role.OFFICER
    rank = {verdict: index for index, verdict in enumerate(_OWNER_ORDER if mine else SEVERITY)}
    # Sorted is stable: table order within each verdict. Only the lines shown are built.
    ordered = sorted(found, key=lambda pair: rank[pair[1].verdict])[:shown]
    names = await agency_names(session)
    lines = [line_of(indicator, standing_, names) for indicator, standing_ in ordered]
    return IndicatorList(lines, counts, label, mine, len(found))


@dataclass(frozen=True)
class IndicatorHistory:
    """One indicator: what it is, how it stands at each checkpoint so far, every figure."""

    indicator: StoredIndicator
    plan_label: str
    owners: tuple[str, ...]
    standings: tuple[Standing, ...]
    current: Standing | None
    rows: tuple[HistoryRow, ...]
    can_chase: bool


async def find_indicator(session: UnitOfWork, *, actor: Actor, text: str) -> list[StoredIndicator]:
    """The indicators the reader sees whose key is `text`, else whose number is."""
    if actor.role is Role.OFFICER:
        if actor.agency_id is None:
            return []
        visible = await load_indicators(session, agency_ids={actor.agency_id})
    else:
        visible = await load_indicators(session)
    wanted = fold(text).replace(" ", "").removeprefix("ct")
    by_key = [i for i in visible if fold(i.key) == wanted]
    if by_key:
        return _newest_first(by_key)
    return _newest_first([i for i in visible if i.number and fold(i.number) == wanted])


def _newest_first(found: Sequence[StoredIndicator]) -> list[StoredIndicator]:
    return sorted(found, key=lambda i: (-(i.year or 0), -i.plan_id, i.position))


async def indicator_history(
    session: UnitOfWork,
    *,
    actor: Actor,
    indicator: StoredIndicator,
    today: date,
    calendar: WorkCalendar,
) -> IndicatorHistory:
    """An indicator's standings at each checkpoint up to the current one, and every figure
    reported for it (undone ones marked)."""
    plans: dict[int, PlanSettings] = await load_plans(session)
    plan = plans[indicator.plan_id]
    checkpoints = Schedule(calendar, today=today).of(indicator, plan)
    current = shown_checkpoint(checkpoints, on=today)
    shown: list[Checkpoint] = [c for c in checkpoints if current and c.months <= current.months]
    figures = await current_figures(
        session, checkpoint_keys={c.key for c in shown}, indicator_ids={indicator.id}
    )
    standings = tuple(
        standing(
            indicator.rule,
            figures.get((indicator.id, c.key)),
            at=c,
            margin=plan.collection.margin,
            today=today,
        )
        for c in shown
    )
    names = await agency_names(session)
    connection = await session.connection()
    rows = (
        await connection.execute(
            sa.select(
                col(IndicatorValue.checkpoint_key),
                col(IndicatorValue.reported_at),
                col(IndicatorValue.kind),
                col(IndicatorValue.value),
                col(IndicatorValue.estimate),
                col(IndicatorValue.explanation),
                col(Person.name),
                col(IndicatorValue.agency_id),
                col(IndicatorValue.on_behalf),
                col(IndicatorValue.undone),
            )
            .outerjoin(Person, col(Person.id) == col(IndicatorValue.reported_by_id))
            .where(col(IndicatorValue.indicator_id) == indicator.id)
            .order_by(col(IndicatorValue.id))
        )
    ).all()
    history = tuple(
        HistoryRow(
            checkpoint=key,
            at=at,
            kind=kind,
            value=value,
            estimate=estimate,
            explanation=why,
            by=by or "",
            agency=names.get(agency, ("", ""))[1] if agency is not None else "",
            on_behalf=behalf,
            undone=undone,
        )
        for key, at, kind, value, estimate, why, by, agency, behalf, undone in rows
    )
    return IndicatorHistory(
        indicator=indicator,
        plan_label=plan.label,
        owners=tuple(names.get(owner, ("", ""))[1] for owner in indicator.owners),
        standings=standings,
        current=standings[-1] if standings else None,
        rows=history,
        can_chase=actor.role in (Role.COORDINATOR, Role.ADMIN),
    )
