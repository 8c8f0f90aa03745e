"""/thongke's four buckets as the store keeps them (models.counts.StatisticCount, migration
0020): reading them for a period, setting the zone they date completions in, recounting.

The kept rows answer the question /thongke asks most, the whole city's figures for this
quarter, half-year or year: a period of whole quarters, asked as of the day the counts
count against (the sweep moves it to today each morning). Then, against each deadline:
- done on time / done late: done rows completed in the period's quarters, by their flag;
- open and overdue: open rows due before that day;
- open and in time: the other open rows due by the period's end.
That reads a few rows per agency and plan, however many assignments the store holds; for
the counted day's own quarter, six months and year (what /thongke asks unless told), one
row each, the store keeping them summed (models.counts.StatisticTotal, migration 0021). Any
other question (an agency's or a plan's figures, an officer's own agency, another day, a
period that is not whole quarters, a past period, work completed after the day asked)
is answered from the assignments, as services.statistics reads them; so is everything
until the counts count a day.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from domain.statistics import Period, half_year_of, quarter_of, year_period
from models.counts import OverdueDay, StatisticCount, StatisticTotal
from models.tables import Agency, Plan
from services.unit_of_work import UnitOfWork

_ENTRY = "statistic_entry"
_KEY = ("dim", "key", "which", "kind", "q", "flag")
_TOTAL_ENTRY = "statistic_total_entry"
_TOTAL_KEY = ("span", "dim", "key")
_TOTAL_FIGURES = ("o0", "o1", "o2", "o3", "e0", "e1", "e2", "e3", "later")


def quarter_number(day: date) -> int:
    """A day's quarter as the kept counts number it: year * 4 + 0..3."""
    return day.year * 4 + (day.month - 1) // 3


def whole_quarters(period: Period) -> bool:
    """Whether a period starts on a quarter's first day and ends on a quarter's last."""
    start, end = period.start, period.end
    after_end = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
    return (
        start.day == 1
        and start.month % 3 == 1
        and end.month % 3 == 0
        and (after_end - end).days == 1
    )


def zone_of(tz: tzinfo, *, on: date) -> tuple[str, int] | None:
    """The zone's name and its offset in seconds, as the counts keep them; None for a zone
    with no name or whose offset changes in the year (SQLite's triggers date completions by
    one fixed offset)."""
    name = getattr(tz, "key", None)
    winter = tz.utcoffset(datetime(on.year, 1, 1))
    summer = tz.utcoffset(datetime(on.year, 7, 1))
    if not isinstance(name, str) or winter is None or winter != summer:
        return None
    return name, int(winter.total_seconds())


async def date_completions_in(session: UnitOfWork, tz: tzinfo, *, on: date) -> None:
    """Keep the zone completions are dated in (the configured one); changing it recounts the
    done rows, in the statement that changes it (migration 0020's triggers)."""
    zone = zone_of(tz, on=on)
    if zone is None or await _kept_zone(session) in (None, zone):
        # Read first: the sweep asks every minute, and a write (even of no row) would take
        # SQLite's write lock each time.
        return
    name, offset = zone
    await session.exec(
        sa.update(OverdueDay).where(col(OverdueDay.id) == 1).values(zone=name, utc_offset=offset)
    )


async def _kept_zone(session: UnitOfWork) -> tuple[str, int] | None:
    """The zone (and offset) the counts date completions in; None before there is a row."""
    found = await session.exec(
        select(col(OverdueDay.zone), col(OverdueDay.utc_offset)).where(col(OverdueDay.id) == 1)
    )
    row = found.first()
    return None if row is None else (row[0], row[1])


async def recount_statistics(session: UnitOfWork) -> None:
    """Count the kept statistics, and their totals, again from the store (a repair: the
    triggers keep them right)."""
    key = ", ".join(_KEY)
    postgres = (await session.connection()).dialect.name == "postgresql"

    async def recounting(on: bool) -> None:
        # The totals' trigger leaves them alone meanwhile (migration 0021): they are summed
        # once after, not row by row.
        if postgres:
            setting = sa.func.set_config("dondoc.recounting", "on" if on else "off", True)
            await (await session.connection()).execute(sa.select(setting))

    await recounting(True)
    await session.exec(sa.delete(StatisticCount))
    await session.exec(
        sa.text(  # type: ignore[call-overload]
            f"INSERT INTO statistic_count ({key}, n) "
            f"SELECT {key}, count(*) FROM {_ENTRY} WHERE true GROUP BY {key}"
        )
    )
    await recounting(False)
    figures = ", ".join(_TOTAL_KEY + _TOTAL_FIGURES)
    await session.exec(sa.delete(StatisticTotal))
    await session.exec(
        sa.text(  # type: ignore[call-overload]
            f"INSERT INTO statistic_total ({figures}) "
            f"SELECT {figures} FROM {_TOTAL_ENTRY} WHERE true"
        )
    )


async def _counts_day(session: UnitOfWork, tz: tzinfo, *, as_of: date) -> bool:
    """Whether the kept counts count `as_of`, with completions dated in `tz`."""
    zone = zone_of(tz, on=as_of)
    found = (
        await session.exec(
            select(col(OverdueDay.day), col(OverdueDay.zone), col(OverdueDay.utc_offset)).where(
                col(OverdueDay.id) == 1
            )
        )
    ).first()
    return zone is not None and found is not None and tuple(found) == (as_of, *zone)


@dataclass(frozen=True)
class KeptFigures:
    """Eight figures per agency code and per plan reference (against the original deadline,
    then the extended one, in the order of domain.statistics.Bucket), and their names."""

    by_agency: dict[str, list[int]]
    by_plan: dict[str, list[int]]
    agency_names: dict[str, str]
    plan_titles: dict[str, str]


async def kept_statistics(
    session: UnitOfWork, *, period: Period, as_of: date, tz: tzinfo
) -> KeptFigures | None:
    """The whole store's figures of `period` as of `as_of` from the kept counts, by agency
    and by plan, named (agencies and plans with nothing counted left out; plans sharing a
    reference added up, as domain.statistics.tally adds them); None when the counts cannot
    answer (see the module's notes)."""
    if not whole_quarters(period) or as_of > period.end:
        return None
    if not await _counts_day(session, tz, as_of=as_of):
        return None
    span = _span(period, as_of)
    counted = _summed(period, as_of) if span is None else _totals(span)
    # Plain rows from the connection: the ORM's result handling cost 40 ms at 14,500 rows.
    connection = await session.connection()
    found: Sequence[Any] = (await connection.execute(_named(counted))).all()
    kept = KeptFigures({}, {}, {}, {})
    for dim, code, name, completed_later, *eight in found:
        if completed_later:
            return None
        if not any(eight):
            continue
        into, names = (
            (kept.by_agency, kept.agency_names) if dim == "a" else (kept.by_plan, kept.plan_titles)
        )
        names[code] = name
        summed = into.get(code)
        if summed is None:
            into[code] = eight
        else:
            into[code] = [a + b for a, b in zip(summed, eight, strict=True)]
    return kept


def _span(period: Period, as_of: date) -> str | None:
    """The span of migration 0021's kept totals that is `period` ("q", "h", "y": the
    quarter, six months or year of `as_of`), None if none is."""
    for span, of in (("q", quarter_of), ("h", half_year_of), ("y", _year_of)):
        kept = of(as_of)
        if (kept.start, kept.end) == (period.start, period.end):
            return span
    return None


def _year_of(day: date) -> Period:
    return year_period(day.year)


def _totals(span: str) -> Any:
    """Per agency and plan, the kept totals of a span (migration 0021), as `_summed` sums
    them."""
    row = StatisticTotal
    return (
        select(
            col(row.dim),
            col(row.key),
            col(row.later),
            *(col(getattr(row, name)) for name in _TOTAL_FIGURES[:-1]),
        )
        .where(col(row.span) == span)
        .subquery("counted")
    )


def _summed(period: Period, as_of: date) -> Any:
    """Per agency and plan, whether any work was completed after the day asked (which would
    count as open then: the rows cannot tell), and its eight figures, summed from the counts
    of the period's quarters."""
    first, last, today = (
        quarter_number(period.start),
        quarter_number(period.end),
        quarter_number(as_of),
    )
    row = StatisticCount
    kind, flag, q, which = col(row.kind), col(row.flag), col(row.q), col(row.which)
    done = sa.and_(kind == "d", q >= first)
    overdue = sa.and_(kind == "o", flag)
    in_time = sa.and_(kind == "o", sa.not_(flag), q <= last)
    completed_later = sa.and_(kind == "d", q > today)

    def total(*terms: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(col(row.n)).filter(sa.and_(*terms)), 0)

    figures = [
        total(which.in_((deadline, "b")), *bucket).label(f"{deadline}{number}")
        for deadline in ("o", "e")
        for number, bucket in enumerate(
            ((done, flag), (done, sa.not_(flag)), (in_time,), (overdue,))
        )
    ]
    return (
        select(col(row.dim), col(row.key), total(completed_later).label("later"), *figures)
        .where(sa.or_(done, overdue, in_time, completed_later))
        .group_by(col(row.dim), col(row.key))
        .subquery("counted")
    )


def _named(counted: Any) -> Any:
    """Each counted agency's and plan's code and name, `later`, and its eight figures; named
    in the same statement, not by a list of 12,500 ids after."""
    c = counted.c
    agency = sa.and_(c.dim == "a", col(Agency.id) == c.key)
    plan = sa.and_(c.dim == "p", col(Plan.id) == c.key)
    # Named as services.queries.tasks.plan_label names a plan: its number, else its key.
    label = sa.func.coalesce(sa.func.nullif(col(Plan.ref), ""), col(Plan.source_key))
    return (
        select(
            c.dim,
            sa.func.coalesce(col(Agency.code), label),
            sa.func.coalesce(col(Agency.name), col(Plan.title)),
            c.later,
            *(c[f"{deadline}{number}"] for deadline in ("o", "e") for number in range(4)),
        )
        .select_from(counted)
        .outerjoin(Agency, agency)
        .outerjoin(Plan, plan)
    )


@dataclass(frozen=True)
class KeptAnswer:
    """What /thongke shows of the kept totals of a span, ranked by the store: the agencies'
    eight figures summed, how many agencies have figures, how many of them are ranked
    (against the extended deadline) and how many have nothing fallen due; the ranked
    agencies at the positions asked for (from 0) as (code, name, rank, the extended
    deadline's four figures); the first plans by label with theirs, and how many plans."""

    overall: list[int]
    agencies: int
    rated: int
    unrated: int
    ranked: dict[int, tuple[str, str, int, list[int]]]
    plans: list[tuple[str, list[int]]]
    plan_count: int


# The ranking in SQL sorts the on-time rates as floats, as domain.statistics does: exact for
# counts fallen due below this (see domain.statistics._ranked).
_EXACT_RATES = 10**6


async def kept_answer(
    session: UnitOfWork,
    *,
    period: Period,
    as_of: date,
    tz: tzinfo,
    shown: Callable[[int], tuple[range, range]],
    plans: int,
) -> KeptAnswer | None:
    """The kept totals of `period` as /thongke shows them (`KeptAnswer`), the agencies at
    the positions `shown` gives for a ranking of so many, the first `plans` plans; None
    when the totals cannot answer (a period other than the counted day's quarter, six
    months or year: `kept_statistics` may), or ranking by float rates might not be exact.
    A few dozen rows, however many agencies: the store sums and ranks them."""
    span = _span(period, as_of) if as_of <= period.end else None
    if span is None or not await _counts_day(session, tz, as_of=as_of):
        return None
    connection = await session.connection()
    row = StatisticTotal
    spanned = col(row.span) == span
    eight = [col(getattr(row, name)) for name in _TOTAL_FIGURES[:-1]]
    counted = sa.or_(*(figure != 0 for figure in eight))
    e0, e1, _e2, e3 = eight[4:]
    fell_due = e0 + e1 + e3
    later = select(sa.func.coalesce(sa.func.max(col(row.later)), 0)).where(spanned)
    whole = (
        await connection.execute(
            sa.select(
                *(sa.func.coalesce(sa.func.sum(figure), 0) for figure in eight),
                sa.func.count(),
                sa.func.count().filter(fell_due > 0),
                sa.func.coalesce(sa.func.max(fell_due), 0),
                later.scalar_subquery(),
            ).where(spanned, col(row.dim) == "a", counted)
        )
    ).one()
    *overall, agencies, rated, most_due, completed_later = whole
    if completed_later or most_due >= _EXACT_RATES:
        return None
    head, tail = shown(rated)
    exact = "C" if connection.dialect.name == "postgresql" else "BINARY"
    rate = sa.cast(e0, sa.Float) / sa.cast(fell_due, sa.Float)
    merit = rate.desc(), fell_due.desc(), e3, e1
    ranking = (
        select(
            col(Agency.code),
            col(Agency.name),
            sa.func.rank().over(order_by=merit).label("rank"),
            (
                sa.func.row_number().over(order_by=(*merit, sa.collate(col(Agency.code), exact)))
                - 1
            ).label("position"),
            *eight[4:],
        )
        .join(Agency, col(Agency.id) == col(row.key))
        .where(spanned, col(row.dim) == "a", fell_due > 0)
        .subquery("ranking")
    )
    positions = [*head, *tail]
    found = await connection.execute(
        sa.select(ranking).where(ranking.c.position.in_(positions or [-1]))
    )
    ranked = {
        position: (code, name, rank, list(figures))
        for code, name, rank, position, *figures in found.all()
    }
    label = sa.func.coalesce(sa.func.nullif(col(Plan.ref), ""), col(Plan.source_key))
    first = await connection.execute(
        sa.select(
            label,
            *(sa.func.sum(figure) for figure in eight[4:]),
            sa.func.count().over(),
        )
        .join(Plan, col(Plan.id) == col(row.key))
        .where(spanned, col(row.dim) == "p", counted)
        .group_by(label)
        .order_by(sa.collate(label, exact))
        .limit(plans)
    )
    listed = first.all()
    return KeptAnswer(
        overall=list(overall),
        agencies=agencies,
        rated=rated,
        unrated=agencies - rated,
        ranked=ranked,
        plans=[(plan, list(figures)) for plan, *figures, _count in listed],
        plan_count=listed[0][-1] if listed else 0,
    )
