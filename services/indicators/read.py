"""Reading indicators back: what judging them needs, their current figures and standings.

A few set-based queries (indicators, owners, checkpoint targets, figures), then pure
domain code; reading every indicator of every plan costs the same few round trips as one.
"""

from collections import OrderedDict
from collections.abc import Collection as Many
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from domain.calendar import WorkCalendar
from domain.indicators.answers import AnswerKind
from domain.indicators.checkpoints import Checkpoint, checkpoints
from domain.indicators.collection import (
    CHECKPOINT_CADENCES,
    Collection,
    Figure,
    IndicatorLine,
    Standing,
    shown_checkpoint,
    standing,
)
from domain.indicators.model import Accumulation, IndicatorRule
from domain.indicators.quantities import Unit
from domain.indicators.targets import Direction
from domain.recurrence import Cadence
from models.tables import (
    Agency,
    Indicator,
    IndicatorCheckpointTarget,
    IndicatorOwner,
    IndicatorValue,
    Plan,
)
from services.indicators.store import stored_target
from services.unit_of_work import UnitOfWork
from views.indicators import IndicatorInfo


@dataclass(frozen=True)
class StoredIndicator:
    """A stored indicator with what judging and asking about it needs."""

    id: int
    plan_id: int
    key: str
    number: str
    name: str
    group: str
    table: str
    unit: Unit
    target_text: str
    rule: IndicatorRule
    # Owner agencies' ids, the lead first.
    owners: tuple[int, ...]
    year: int | None
    cadence: Cadence | None
    position: int
    is_heading: bool = False
    table_title: str = ""

    @property
    def lead(self) -> int | None:
        """The agency that leads its monitoring, if it has one."""
        return self.owners[0] if self.owners else None


@dataclass(frozen=True)
class PlanSettings:
    """A plan as its indicators need it: its label, year and collection settings."""

    plan_id: int
    label: str
    year: int | None
    collection: Collection


class Schedule:
    """Checkpoints per (year, cadence, report day), worked out once for many indicators."""

    def __init__(self, calendar: WorkCalendar, *, today: date) -> None:
        self._calendar = calendar
        self._today = today
        self._found: dict[tuple[int, Cadence, int], list[Checkpoint]] = {}
        self._shown: dict[tuple[int, Cadence, int], tuple[Checkpoint, str] | None] = {}

    def _key(self, indicator: StoredIndicator, plan: PlanSettings) -> tuple[int, Cadence, int]:
        year = indicator.year or plan.year or self._today.year
        cadence = indicator.cadence or plan.collection.cadence
        return (year, cadence, plan.collection.report_day)

    def of(self, indicator: StoredIndicator, plan: PlanSettings) -> list[Checkpoint]:
        """The checkpoints of an indicator's year, at its cadence (else its plan's)."""
        key = self._key(indicator, plan)
        if key not in self._found:
            year, cadence, day = key
            self._found[key] = checkpoints(
                year, cadence=cadence, report_day=day, calendar=self._calendar
            )
        return self._found[key]

    def shown(
        self, indicator: StoredIndicator, plan: PlanSettings
    ) -> tuple[Checkpoint, str] | None:
        """The checkpoint shown today for an indicator, with its key (worked out once for
        all the indicators that share a year, cadence and report day)."""
        key = self._key(indicator, plan)
        if key not in self._shown:
            found = shown_checkpoint(self.of(indicator, plan), on=self._today)
            self._shown[key] = (found, found.key) if found is not None else None
        return self._shown[key]


async def _rows(session: UnitOfWork, statement: Any) -> Sequence[Any]:
    connection = await session.connection()
    return (await connection.execute(statement)).all()


async def load_plans(session: UnitOfWork) -> dict[int, PlanSettings]:
    """Every plan's label, year and indicator settings."""
    rows = await _rows(
        session,
        sa.select(
            col(Plan.id),
            col(Plan.ref),
            col(Plan.source_key),
            col(Plan.plan_year),
            col(Plan.indicator_cadence),
            col(Plan.indicator_report_day),
            col(Plan.indicator_margin),
        ),
    )
    return {
        plan_id: PlanSettings(
            plan_id,
            ref or key,
            year,
            Collection.of(cadence=cadence, report_day=day, margin=margin),
        )
        for plan_id, ref, key, year, cadence, day, margin in rows
    }


# Stored values to enumerations by lookup: calling an enumeration costs more than the row.
_CADENCES = {cadence.value: cadence for cadence in CHECKPOINT_CADENCES}
_DIRECTIONS = {direction.value: direction for direction in Direction}
_ACCUMULATIONS = {accumulation.value: accumulation for accumulation in Accumulation}

_INDICATOR_COLUMNS = (
    col(Indicator.id),
    col(Indicator.plan_id),
    col(Indicator.key),
    col(Indicator.number),
    col(Indicator.name),
    col(Indicator.group_name),
    col(Indicator.table_prefix),
    col(Indicator.unit_text),
    col(Indicator.unit_base),
    col(Indicator.unit_scale),
    col(Indicator.target_text),
    col(Indicator.comparison),
    col(Indicator.target_low),
    col(Indicator.target_high),
    col(Indicator.target_reference),
    col(Indicator.direction),
    col(Indicator.accumulation),
    col(Indicator.year),
    col(Indicator.cadence),
    col(Indicator.position),
    col(Indicator.is_heading),
    col(Indicator.table_title),
)


class _Definitions:
    """The stored indicators of each store this process uses, read again only when an import
    changed them: every /chitieu, summary and sweep reads them all, and for thousands of
    indicators reading and building them costs far more than asking whether they changed."""

    SIZE = 8

    def __init__(self) -> None:
        self._found: OrderedDict[str, tuple[tuple[Any, ...], list[StoredIndicator]]] = (
            OrderedDict()
        )

    async def every(self, session: UnitOfWork) -> list[StoredIndicator]:
        """Every live indicator, headings included, in table order."""
        version = tuple((await _rows(session, _VERSION))[0])
        store = str((await session.connection()).engine.url)
        cached = self._found.get(store)
        if cached is not None and cached[0] == version:
            self._found.move_to_end(store)
            return cached[1]
        found = await _read_all(session)
        self._found[store] = (version, found)
        self._found.move_to_end(store)
        while len(self._found) > self.SIZE:
            self._found.popitem(last=False)
        return found


# What changes whenever an import (or anything else) changes an indicator, its owners or its
# checkpoint targets: imports stamp every indicator they touch with updated_at.
_VERSION = sa.select(
    sa.select(sa.func.count()).select_from(Indicator).scalar_subquery(),
    sa.select(sa.func.max(col(Indicator.id))).scalar_subquery(),
    sa.select(sa.func.max(col(Indicator.updated_at))).scalar_subquery(),
    sa.select(sa.func.count()).select_from(IndicatorOwner).scalar_subquery(),
    sa.select(sa.func.max(col(IndicatorOwner.id))).scalar_subquery(),
    sa.select(sa.func.count()).select_from(IndicatorCheckpointTarget).scalar_subquery(),
    sa.select(sa.func.max(col(IndicatorCheckpointTarget.id))).scalar_subquery(),
)
_DEFINITIONS = _Definitions()


async def load_indicators(
    session: UnitOfWork,
    *,
    plan_ids: Many[int] = (),
    agency_ids: Many[int] = (),
    ids: Many[int] = (),
    headings: bool = False,
) -> list[StoredIndicator]:
    """The live indicators (not removed; headings only when asked) in table order, narrowed
    to plans, to indicators some of `agency_ids` own, or to `ids` when given."""
    plans, agencies, wanted = set(plan_ids), set(agency_ids), set(ids)
    return [
        indicator
        for indicator in await _DEFINITIONS.every(session)
        if (headings or not indicator.is_heading)
        and (not plans or indicator.plan_id in plans)
        and (not wanted or indicator.id in wanted)
        and (not agencies or not agencies.isdisjoint(indicator.owners))
    ]


async def _read_all(session: UnitOfWork) -> list[StoredIndicator]:
    # Plain columns through the connection: building ORM objects costs more than the query
    # for thousands of indicators.
    rows = await _rows(
        session,
        sa.select(*_INDICATOR_COLUMNS)
        .where(col(Indicator.removed_at).is_(None))
        .order_by(col(Indicator.plan_id), col(Indicator.position)),
    )
    owners: dict[int, list[int]] = {}
    for indicator_id, agency_id in await _rows(
        session,
        sa.select(col(IndicatorOwner.indicator_id), col(IndicatorOwner.agency_id)).order_by(
            col(IndicatorOwner.indicator_id), col(IndicatorOwner.position)
        ),
    ):
        owners.setdefault(indicator_id, []).append(agency_id)
    targets: dict[int, list[tuple[int, Any]]] = {}
    for indicator_id, months, text, comparison, low, high in await _rows(
        session,
        sa.select(
            col(IndicatorCheckpointTarget.indicator_id),
            col(IndicatorCheckpointTarget.months),
            col(IndicatorCheckpointTarget.target_text),
            col(IndicatorCheckpointTarget.comparison),
            col(IndicatorCheckpointTarget.low),
            col(IndicatorCheckpointTarget.high),
        ),
    ):
        targets.setdefault(indicator_id, []).append(
            (months, stored_target(text, comparison, low, high))
        )
    found = []
    for row in rows:
        (iid, plan_id, key, number, name, group, prefix, unit_text, unit_base, scale) = row[:10]
        (text, comparison, low, high, reference, direction, accumulation) = row[10:17]
        year, cadence, position, heading, title = row[17:]
        theirs = tuple(owners.get(iid, ()))
        unit = Unit(unit_text, unit_base, scale)
        rule = IndicatorRule(
            target=stored_target(text, comparison, low, high, reference),
            direction=_DIRECTIONS[direction],
            accumulation=_ACCUMULATIONS[accumulation],
            checkpoint_targets=tuple(sorted(targets.get(iid, []), key=lambda t: t[0])),
            unit=unit,
        )
        found.append(
            StoredIndicator(
                id=iid,
                plan_id=plan_id,
                key=key,
                number=number,
                name=name,
                group=group,
                table=prefix,
                unit=unit,
                target_text=text,
                rule=rule,
                owners=theirs,
                year=year,
                cadence=_CADENCES.get(cadence) if cadence else None,
                position=position,
                is_heading=heading,
                table_title=title,
            )
        )
    return found


async def current_figures(
    session: UnitOfWork, *, checkpoint_keys: Iterable[str], indicator_ids: Many[int] = ()
) -> dict[tuple[int, str], Figure]:
    """Each indicator's current figure at each of the checkpoints (the newest row not undone),
    for the indicators given (all when none are)."""
    keys = sorted(set(checkpoint_keys))
    if not keys:
        return {}
    statement = sa.select(
        col(IndicatorValue.indicator_id),
        col(IndicatorValue.checkpoint_key),
        col(IndicatorValue.kind),
        col(IndicatorValue.value),
        col(IndicatorValue.estimate),
        col(IndicatorValue.explanation),
        col(IndicatorValue.reported_at),
        col(IndicatorValue.on_behalf),
    ).where(sa.not_(col(IndicatorValue.undone)), col(IndicatorValue.checkpoint_key).in_(keys))
    if indicator_ids and len(indicator_ids) <= 500:
        statement = statement.where(col(IndicatorValue.indicator_id).in_(sorted(indicator_ids)))
    found: dict[tuple[int, str], Figure] = {}
    wanted = set(indicator_ids)
    for iid, key, kind, value, estimate, explanation, at, behalf in await _rows(
        session, statement.order_by(col(IndicatorValue.id))
    ):
        if wanted and iid not in wanted:
            continue
        number = value if kind == AnswerKind.VALUE.value else None
        found[(iid, key)] = Figure(number, estimate, explanation, at, behalf)
    return found


async def agency_names(session: UnitOfWork) -> dict[int, tuple[str, str]]:
    """Every agency's (code, name) by id."""
    rows = await _rows(session, sa.select(col(Agency.id), col(Agency.code), col(Agency.name)))
    return {agency_id: (code, name) for agency_id, code, name in rows}


def describe(
    indicator: StoredIndicator,
    at: Checkpoint,
    plans: Mapping[int, PlanSettings],
    agencies: Mapping[int, tuple[str, str]],
) -> IndicatorInfo:
    """What a message shows about an indicator asked for at checkpoint `at`."""
    return IndicatorInfo(
        indicator_id=indicator.id,
        key=indicator.key,
        number=indicator.number,
        name=indicator.name,
        unit=indicator.unit.text,
        target=indicator.target_text,
        plan_label=plans[indicator.plan_id].label,
        agency_name=agencies.get(indicator.lead or 0, ("", ""))[1],
        year=at.year,
        months=at.months,
        report_by=at.report_by,
        order=(indicator.plan_id, indicator.position),
    )


async def standings(
    session: UnitOfWork,
    *,
    indicators: Sequence[StoredIndicator],
    plans: Mapping[int, PlanSettings],
    calendar: WorkCalendar,
    today: date,
) -> list[tuple[StoredIndicator, Standing]]:
    """The indicators with their standings at the checkpoint shown today, in the order given."""
    schedule = Schedule(calendar, today=today)
    chosen: dict[int, tuple[Checkpoint, str]] = {}
    for indicator in indicators:
        shown = schedule.shown(indicator, plans[indicator.plan_id])
        if shown is not None:
            chosen[indicator.id] = shown
    figures = await current_figures(
        session,
        checkpoint_keys={key for _, key in chosen.values()},
        indicator_ids={i.id for i in indicators},
    )
    found: list[tuple[StoredIndicator, Standing]] = []
    for indicator in indicators:
        if indicator.id not in chosen:
            continue
        checkpoint, key = chosen[indicator.id]
        margin = plans[indicator.plan_id].collection.margin
        figure = figures.get((indicator.id, key))
        found.append(
            (
                indicator,
                standing(indicator.rule, figure, at=checkpoint, margin=margin, today=today),
            )
        )
    return found


def line_of(
    indicator: StoredIndicator, found: Standing, agencies: Mapping[int, tuple[str, str]]
) -> IndicatorLine:
    """An indicator and its standing as lists and reports show them."""
    code, name = agencies.get(indicator.lead, ("", "")) if indicator.lead else ("", "")
    return IndicatorLine(
        indicator.id,
        indicator.plan_id,
        indicator.key,
        indicator.number,
        indicator.name,
        indicator.group,
        indicator.table,
        indicator.unit.text,
        indicator.target_text,
        code,
        name,
        found,
    )


async def indicator_lines(
    session: UnitOfWork,
    *,
    indicators: Sequence[StoredIndicator],
    plans: Mapping[int, PlanSettings],
    calendar: WorkCalendar,
    today: date,
) -> list[IndicatorLine]:
    """The indicators with their standings at the checkpoint shown today, in the order given."""
    found = await standings(
        session, indicators=indicators, plans=plans, calendar=calendar, today=today
    )
    names = await agency_names(session)
    return [line_of(indicator, standing, names) for indicator, standing in found]
