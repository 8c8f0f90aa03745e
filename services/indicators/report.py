"""What the weekly summary and `dondoc report indicators` say about indicators.

The summary's overview: every indicator in scope at its current checkpoint (counts by
colour, the reds with their explanations, who has figures missing near a report day). The
report: the plans' tables in their own layout (PHỤ LỤC 1, 3 …), with the target, the figure
at each checkpoint of the year up to the one asked for, its judgement and explanation.
"""

from collections.abc import Collection as Many
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from domain.calendar import WorkCalendar
from domain.indicators.checkpoints import checkpoint
from domain.indicators.collection import Figure, IndicatorOverview, Standing, standing
from models.tables import Agency
from services.indicators.read import (
    agency_names,
    current_figures,
    indicator_lines,
    load_indicators,
    load_plans,
)
from services.unit_of_work import UnitOfWork

# The checkpoints a report has columns for, besides the one asked for.
REPORT_MONTHS = (3, 6, 9, 12)


async def _agency_ids(session: UnitOfWork, codes: Many[str]) -> set[int]:
    if not codes:
        return set()
    connection = await session.connection()
    rows = await connection.execute(
        sa.select(col(Agency.id)).where(col(Agency.code).in_(sorted(codes)))
    )
    return {agency_id for (agency_id,) in rows if agency_id is not None}


async def indicator_overview(
    session: UnitOfWork,
    *,
    plan_ids: Many[int] = (),
    agency_codes: Many[str] = (),
    today: date,
    calendar: WorkCalendar,
) -> IndicatorOverview:
    """Indicators in a summary's scope at their current checkpoints."""
    agencies = await _agency_ids(session, agency_codes)
    if agency_codes and not agencies:
        return IndicatorOverview((), today)
    indicators = await load_indicators(session, plan_ids=plan_ids, agency_ids=agencies)
    plans = await load_plans(session)
    lines = await indicator_lines(
        session, indicators=indicators, plans=plans, calendar=calendar, today=today
    )
    return IndicatorOverview(tuple(lines), today)


@dataclass(frozen=True)
class ReportRow:
    """One row of a report: an indicator (or a heading) and its figures."""

    table: str
    table_title: str
    group: str
    number: str
    name: str
    unit: str
    target: str
    owners: str
    is_heading: bool
    figures: dict[int, Figure | None] = field(default_factory=dict)
    standing: Standing | None = None


@dataclass(frozen=True)
class IndicatorReport:
    """The indicators of a year's plans at one checkpoint, table by table."""

    year: int
    months: int
    columns: tuple[int, ...]
    rows: tuple[ReportRow, ...]


async def indicator_report(
    session: UnitOfWork,
    *,
    year: int,
    months: int,
    plan_ids: Many[int] = (),
    agency_codes: Many[str] = (),
    today: date,
    calendar: WorkCalendar,
) -> IndicatorReport:
    """Every indicator of `year` (its own year, else its plan's) at the checkpoint of the first
    `months` months, with the figures of the earlier checkpoints beside it."""
    plans = await load_plans(session)
    columns = tuple(sorted({m for m in REPORT_MONTHS if m < months} | {months}))
    agencies = await _agency_ids(session, agency_codes)
    if agency_codes and not agencies:
        return IndicatorReport(year, months, columns, ())
    indicators = [
        i
        for i in await load_indicators(
            session, plan_ids=plan_ids, agency_ids=agencies, headings=True
        )
        if (i.year or plans[i.plan_id].year) == year
    ]
    keys = {f"{year}-{m:02d}M" for m in columns}
    figures = await current_figures(
        session, checkpoint_keys=keys, indicator_ids={i.id for i in indicators}
    )
    names = await agency_names(session)
    rows = []
    for indicator in indicators:
        plan = plans[indicator.plan_id]
        at = checkpoint(year, months, report_day=plan.collection.report_day, calendar=calendar)
        values = {m: figures.get((indicator.id, f"{year}-{m:02d}M")) for m in columns}
        rows.append(
            ReportRow(
                table=indicator.table,
                table_title=indicator.table_title,
                group=indicator.group,
                number=indicator.number,
                name=indicator.name,
                unit=indicator.unit.text,
                target=indicator.target_text,
                owners=", ".join(names.get(owner, ("", ""))[1] for owner in indicator.owners),
                is_heading=indicator.is_heading,
                figures=values,
                standing=None
                if indicator.is_heading
                else standing(
                    indicator.rule,
                    values[months],
                    at=at,
                    margin=plan.collection.margin,
                    today=today,
                ),
            )
        )
    return IndicatorReport(year, months, columns, tuple(rows))
