"""Reading indicators back: what judging them needs, their current figures and standings.

A few set-based queries (indicators, owners, checkpoint targets, figures), then pure
domain code; reading every indicator of every plan costs the same few round trips as one.
"""

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
    Collection,
    Figure,
    IndicatorLine,
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

    def of(self, indicator: StoredIndicator, plan: PlanSettings) -> list[Checkpoint]:
        """The checkpoints of an indicator's year, at its cadence (else its plan's)."""
        year = indicator.year or plan.year or self._today.year
        cadence = indicator.cadence or plan.collection.cadence
        key = (year, cadence, plan.collection.report_day)
        if key not in self._found:
            self._found[key] = checkpoints(
                year,
                cadence=cadence,
                report_day=plan.collection.report_day,
                calendar=self._calendar,
            )
        return self._found[key]


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
    # Plain columns through the connection: building ORM objects costs more than the query
    # for thousands of indicators.
    statement = sa.select(*_INDICATOR_COLUMNS).where(col(Indicator.removed_at).is_(None))
    if not headings:
        statement = statement.where(sa.not_(col(Indicator.is_heading)))
    if plan_ids:
        statement = statement.where(col(Indicator.plan_id).in_(sorted(plan_ids)))
    if ids:
        statement = statement.where(col(Indicator.id).in_(sorted(ids)))
    rows = await _rows(
        session, statement.order_by(col(Indicator.plan_id), col(Indicator.position))
    )
    owners: dict[int, list[int]] = {}
    for indicator_id, agency_id in await _rows(
        session,
        sa.select(col(IndicatorOwner.indicator_id), col(IndicatorOwner.agency_id)).order_by(
            col(IndicatorOwner.indicator_id), col(IndicatorOwner.position)
        ),
    ):
        owners.setdefault(indicator_id, []).append(agency_id)
    wanted = set(agency_ids)
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
        if wanted and not wanted.intersection(theirs):
            continue
        unit = Unit(unit_text, unit_base, scale)
        rule = IndicatorRule(
            target=stored_target(text, comparison, low, high, reference),
            direction=Direction(direction),
            accumulation=Accumulation(accumulation),
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
                cadence=Cadence(cadence) if cadence in set(Cadence) else None,
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


async def indicator_lines(
    session: UnitOfWork,
    *,
    indicators: Sequence[StoredIndicator],
    plans: Mapping[int, PlanSettings],
    calendar: WorkCalendar,
    today: date,
    at: Mapping[int, Checkpoint] | None = None,
) -> list[IndicatorLine]:
    """The indicators with their standings at the checkpoint shown today (or at `at`'s, by
    indicator id), in the order given."""
    schedule = Schedule(calendar, today=today)
    chosen: dict[int, Checkpoint] = {}
    for indicator in indicators:
        plan = plans[indicator.plan_id]
        checkpoint = (at or {}).get(indicator.id) or shown_checkpoint(
            schedule.of(indicator, plan), on=today
        )
        if checkpoint is not None:
            chosen[indicator.id] = checkpoint
    figures = await current_figures(
        session,
        checkpoint_keys={c.key for c in chosen.values()},
        indicator_ids={i.id for i in indicators},
    )
    names = await agency_names(session)
    lines = []
    for indicator in indicators:
        checkpoint = chosen.get(indicator.id)
        if checkpoint is None:
            continue
        code, name = names.get(indicator.lead, ("", "")) if indicator.lead else ("", "")
        plan = plans[indicator.plan_id]
        lines.append(
            IndicatorLine(
                indicator_id=indicator.id,
                plan_id=indicator.plan_id,
                key=indicator.key,
                number=indicator.number,
                name=indicator.name,
                group=indicator.group,
                table=indicator.table,
                unit=indicator.unit.text,
                target=indicator.target_text,
                agency_code=code,
                agency_name=name,
                standing=standing(
                    indicator.rule,
                    figures.get((indicator.id, checkpoint.key)),
                    at=checkpoint,
                    margin=plan.collection.margin,
                    today=today,
                ),
            )
        )
    return lines
