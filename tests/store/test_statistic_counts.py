"""The statistics the store keeps (migration 0020) give /thongke the same figures as the
assignments read row by row, after random histories of writes, of days passing and of the
zone changing, on SQLite and PostgreSQL; and they answer only what they can."""

import random
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from domain.access import Actor, Role
from domain.statistics import (
    Basis,
    Bucket,
    Period,
    half_year_of,
    quarter_of,
    shown_positions,
    standing_by_figures,
    year_period,
)
from models.counts import StatisticCount
from models.tables import Agency, Assignment, Occurrence, Plan, Task
from services import statistics as statistics_service
from services.overdue_counts import count_overdue_on, recount_overdue
from services.statistic_counts import KeptAnswer, kept_answer, kept_statistics, whole_quarters
from services.statistics import period_statistics, statistics_reply
from services.unit_of_work import Sessions, UnitOfWork, transaction
from tests.conftest import BOTH_STORES
from views.statistics import PeriodStatistics, reply_of

pytestmark = BOTH_STORES

NOW = datetime(2023, 1, 1, tzinfo=UTC)
BASE = date(2023, 6, 20)
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TOKYO = ZoneInfo("Asia/Tokyo")
STATUSES = ("not_started", "in_progress", "blocked", "awaiting", "done", "done", "cancelled")
COORDINATOR = Actor(
    person_id=1, name="Điều phối", role=Role.COORDINATOR, agency_id=None, locale="vi"
)


def _day(rng: random.Random, spread: int = 200) -> date:
    return BASE + timedelta(days=rng.randint(-spread, spread))


def _completed(rng: random.Random, today: date) -> datetime | None:
    """A completion time by the end of `today` in either zone (around local midnights, where
    the zone decides the day), or now and then none: the clock that stamps completions is
    the one whose today the counts count."""
    if rng.random() < 0.1:
        return None
    day = today - timedelta(days=rng.randint(1, 150))
    return datetime.combine(day, time(rng.choice((0, 1, 15, 16, 17, 23))), tzinfo=UTC)


async def _store(session: UnitOfWork, rng: random.Random) -> tuple[list[int], list[int]]:
    """Four agencies and two plans of eight tasks each, some with no date; their ids."""
    agencies = [Agency(code=f"S{n}", name=f"Sở {n}", kind="so") for n in range(4)]
    plans = [
        Plan(source_key=f"{n}/KH-UBND", title=f"Kế hoạch {n}", created_at=NOW, updated_at=NOW)
        for n in range(2)
    ]
    session.add_all([*agencies, *plans])
    await session.flush()
    tasks = [
        Task(
            plan_id=plans[n % 2].id,
            code=f"T.{n}",
            title=f"Nhiệm vụ {n}",
            due_date=_day(rng) if n % 5 else None,
        )
        for n in range(16)
    ]
    session.add_all(tasks)
    await session.flush()
    return [a.id for a in agencies if a.id], [p.id for p in plans if p.id]


async def _ids(session: UnitOfWork, table: Any) -> list[int]:
    return list((await session.exec(select(col(table.id)))).all())


async def _write(
    session: UnitOfWork, rng: random.Random, agencies: list[int], plans: list[int], today: date
) -> None:
    """One random write to an assignment, a report period or a task, as the bot, an import
    or an edit makes it."""
    tasks = await _ids(session, Task)
    assignments = await _ids(session, Assignment)
    occurrences = await _ids(session, Occurrence)
    kind = rng.randrange(12)
    if kind <= 1 or not assignments:
        values = {
            "task_id": rng.choice(tasks),
            "agency_id": rng.choice(agencies),
            "role": rng.choice(("lead", "lead", "cooperating")),
        }
        taken = await session.exec(
            select(col(Assignment.id)).where(
                col(Assignment.task_id) == values["task_id"],
                col(Assignment.agency_id) == values["agency_id"],
            )
        )
        if taken.first() is None:
            await session.exec(sa.insert(Assignment).values(**values))
        return
    if kind == 2:
        label = f"P{rng.randrange(10_000)}"
        due = _day(rng)
        await session.exec(
            sa.insert(Occurrence).values(
                assignment_id=rng.choice(assignments),
                period_label=label,
                period_start=due - timedelta(days=30),
                period_end=due,
                due_date=due,
            )
        )
        return
    table: Any = Occurrence if kind in (3, 4, 5) and occurrences else Assignment
    row = rng.choice(occurrences if table is Occurrence else assignments)
    one = col(table.id) == row
    if kind in (3, 6):
        status = rng.choice(STATUSES)
        done = status == "done"
        await session.exec(
            sa.update(table)
            .where(one)
            .values(status=status, completed_at=_completed(rng, today) if done else None)
        )
    elif kind in (4, 7):
        extended = _day(rng) if rng.random() < 0.7 else None
        await session.exec(sa.update(table).where(one).values(extended_due_date=extended))
    elif kind == 5 and table is Occurrence:
        await session.exec(sa.update(Occurrence).where(one).values(due_date=_day(rng)))
    elif kind == 8:
        choice = rng.randrange(3)
        if choice == 0:
            task_of = select(col(Assignment.task_id)).where(one).scalar_subquery()
            taken = select(col(Assignment.agency_id)).where(col(Assignment.task_id) == task_of)
            free = [a for a in agencies if a not in (await session.exec(taken)).all()]
            if free:
                await session.exec(
                    sa.update(Assignment).where(one).values(agency_id=rng.choice(free))
                )
        elif choice == 1:
            await session.exec(
                sa.update(Assignment).where(one).values(role=rng.choice(("lead", "cooperating")))
            )
        else:
            await session.exec(sa.delete(Occurrence).where(col(Occurrence.assignment_id) == row))
            await session.exec(sa.delete(Assignment).where(one))
    elif kind == 9:
        task = col(Task.id) == rng.choice(tasks)
        due = _day(rng) if rng.random() < 0.8 else None
        await session.exec(sa.update(Task).where(task).values(due_date=due))
    elif kind == 10:
        task = col(Task.id) == rng.choice(tasks)
        await session.exec(sa.update(Task).where(task).values(plan_id=rng.choice(plans)))
    else:
        task_id = rng.choice(tasks)
        task = col(Task.id) == task_id
        if rng.random() < 0.5:
            await session.exec(sa.update(Task).where(task).values(removed=rng.random() < 0.4))
        else:
            restated = rng.choice([t for t in tasks if t != task_id] + [None, None, None])
            await session.exec(sa.update(Task).where(task).values(same_as_task_id=restated))


async def _drift(session: UnitOfWork) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Where the kept counts differ from the entries the store holds now, grouped."""
    key = "dim, key, which, kind, q, flag"
    kept = await session.exec(
        sa.text(f"SELECT {key}, n FROM statistic_count WHERE n <> 0")  # type: ignore[call-overload]
    )
    entries = await session.exec(
        sa.text(f"SELECT {key}, count(*) FROM statistic_entry GROUP BY {key}")  # type: ignore[call-overload]
    )
    a = {tuple(row[:6]): row[6] for row in kept.all()}
    b = {tuple(row[:6]): row[6] for row in entries.all()}
    drifted = {k: (a.get(k, 0), b.get(k, 0)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    # The totals kept of the counted day's spans (migration 0021), against their sums now.
    figures = "o0, o1, o2, o3, e0, e1, e2, e3, later"
    kept_totals = await session.exec(
        sa.text(f"SELECT span, dim, key, {figures} FROM statistic_total")  # type: ignore[call-overload]
    )
    summed = await session.exec(
        sa.text(f"SELECT span, dim, key, {figures} FROM statistic_total_entry")  # type: ignore[call-overload]
    )
    zero = (0,) * 9
    c = {tuple(row[:3]): tuple(row[3:]) for row in kept_totals.all() if any(row[3:])}
    d = {tuple(row[:3]): tuple(row[3:]) for row in summed.all() if any(row[3:])}
    drifted.update(
        {k: (c.get(k, zero), d.get(k, zero)) for k in c.keys() | d.keys() if c.get(k) != d.get(k)}
    )
    return drifted


async def _both(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch, period: Period, as_of: date, tz: Any
) -> tuple[PeriodStatistics, PeriodStatistics, bool]:
    """The figures as /thongke gives them, as the rows give them, and whether the kept
    counts answered; what /thongke shows of them is the same both ways too."""
    async with sessions() as session:
        answered = await kept_statistics(session, period=period, as_of=as_of, tz=tz) is not None
        kept = await period_statistics(
            session, actor=COORDINATOR, period=period, as_of=as_of, tz=tz
        )
        shown = await statistics_reply(
            session, actor=COORDINATOR, period=period, as_of=as_of, tz=tz
        )

    async def unanswered(*_args: Any, **_kwargs: Any) -> None:
        return None

    with monkeypatch.context() as patched:
        patched.setattr(statistics_service, "kept_statistics", unanswered)
        async with sessions() as session:
            rows = await period_statistics(
                session, actor=COORDINATOR, period=period, as_of=as_of, tz=tz
            )
    assert shown == reply_of(rows)
    if answered:
        async with sessions() as session:
            await _ranked_alike(session, period=period, as_of=as_of, tz=tz)
    return kept, rows, answered


async def _ranked_alike(session: UnitOfWork, *, period: Period, as_of: date, tz: Any) -> None:
    """The store ranks the kept totals as domain.statistics ranks their figures, cut short
    (one agency at each end, one plan) so that the four agencies are not all shown."""
    figures = await kept_statistics(session, period=period, as_of=as_of, tz=tz)
    answer = await kept_answer(
        session,
        period=period,
        as_of=as_of,
        tz=tz,
        shown=partial(shown_positions, best=1, weakest=1),
        plans=1,
    )
    assert figures is not None
    if answer is None:
        return  # not the counted day's quarter, six months or year
    standing = standing_by_figures(figures.by_agency, basis=Basis.EXTENDED, best=1, weakest=1)
    ranked = {
        position: (
            entry.agency_code,
            figures.agency_names[entry.agency_code],
            entry.rank,
            [entry.tally.count(bucket) for bucket in Bucket],
        )
        for positions, entries in zip(
            shown_positions(answer.rated, best=1, weakest=1),
            (standing.best, standing.weakest),
            strict=True,
        )
        for position, entry in zip(positions, entries, strict=True)
    }
    plans = sorted(figures.by_plan)
    assert answer == KeptAnswer(
        overall=[sum(column) for column in zip(*figures.by_agency.values(), strict=True)]
        or [0] * 8,
        agencies=len(figures.by_agency),
        rated=answer.rated,
        unrated=standing.unrated,
        ranked=ranked,
        plans=[(label, figures.by_plan[label][4:]) for label in plans[:1]],
        plan_count=len(plans),
    )
    assert answer.rated == standing.hidden + len(standing.best) + len(standing.weakest)


async def test_kept_statistics_equal_the_rows_after_random_histories(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(20)
    async with transaction(sessions) as session:
        agencies, plans = await _store(session, rng)
    today, tz = BASE, HANOI
    answered = 0
    for step in range(70):
        async with transaction(sessions) as session:
            if step % 7 == 3:
                # A day the sweep counted earlier, then today's, days later.
                await count_overdue_on(session, day=_day(rng, 60), tz=tz)
                assert await _drift(session) == {}, f"step {step}"
                today += timedelta(days=rng.randint(1, 20))
            if step % 23 == 11:
                tz = TOKYO if tz is HANOI else HANOI
            for _write_number in range(rng.randint(1, 5)):
                await _write(session, rng, agencies, plans, today)
            await count_overdue_on(session, day=today, tz=tz)
            assert await _drift(session) == {}, f"step {step}"
        # The counted day's quarter, six months and year (kept summed), and a longer period
        # of whole quarters (summed from the counts per quarter).
        longer = Period(quarter_of(today).start, date(today.year + 1, 12, 31))
        for period in (quarter_of(today), half_year_of(today), year_period(today.year), longer):
            kept, rows, used = await _both(sessions, monkeypatch, period, today, tz)
            assert kept == rows, f"step {step}, {period}"
            answered += used
    # Most answers came from the kept counts (the rest had work completed later in the
    # quarter than the day asked, which the counts cannot place).
    assert answered > 150


async def _written(
    sessions: Sessions, *, seed: int, writes: int, counted: bool = True
) -> tuple[list[int], list[int]]:
    """A store after `writes` random writes (its agencies and plans), its statistics
    counted on BASE in Hanoi's zone unless not `counted`."""
    rng = random.Random(seed)
    async with transaction(sessions) as session:
        agencies, plans = await _store(session, rng)
        for _write_number in range(writes):
            await _write(session, rng, agencies, plans, BASE)
        if counted:
            await count_overdue_on(session, day=BASE, tz=HANOI)
    return agencies, plans


async def test_the_kept_counts_answer_only_what_they_can(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _written(sessions, seed=4, writes=60, counted=False)
    asked = quarter_of(BASE)
    async with sessions() as session:
        # Not counted yet.
        assert await kept_statistics(session, period=asked, as_of=BASE, tz=HANOI) is None
    async with transaction(sessions) as session:
        await count_overdue_on(session, day=BASE, tz=HANOI)
    async with sessions() as session:
        assert await kept_statistics(session, period=asked, as_of=BASE, tz=HANOI) is not None
        # Another day, another zone, a past period, a period of other than whole quarters.
        other_day = BASE - timedelta(days=1)
        assert await kept_statistics(session, period=asked, as_of=other_day, tz=HANOI) is None
        assert await kept_statistics(session, period=asked, as_of=BASE, tz=TOKYO) is None
        past = quarter_of(BASE - timedelta(days=100))
        assert await kept_statistics(session, period=past, as_of=BASE, tz=HANOI) is None
        month = Period(date(2023, 6, 1), date(2023, 6, 30))
        assert not whole_quarters(month)
        assert await kept_statistics(session, period=month, as_of=BASE, tz=HANOI) is None
    for period in (asked, quarter_of(BASE - timedelta(days=100)), Period(BASE, BASE)):
        kept, rows, _used = await _both(sessions, monkeypatch, period, BASE, HANOI)
        assert kept == rows


async def test_work_completed_after_the_day_asked_is_read_from_the_rows(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _written(sessions, seed=9, writes=40)
    async with transaction(sessions) as session:
        first = (await _ids(session, Assignment))[0]
        later = datetime.combine(BASE + timedelta(days=120), time(3), tzinfo=UTC)
        await session.exec(
            sa.update(Assignment)
            .where(col(Assignment.id) == first)
            .values(status="done", completed_at=later, role="lead")
        )
        await session.exec(
            sa.update(Task)
            .where(
                col(Task.id)
                == select(col(Assignment.task_id))
                .where(col(Assignment.id) == first)
                .scalar_subquery()
            )
            .values(removed=False, same_as_task_id=None, due_date=BASE)
        )
    async with sessions() as session:
        year = year_period(BASE.year)
        assert await kept_statistics(session, period=year, as_of=BASE, tz=HANOI) is None
    kept, rows, used = await _both(sessions, monkeypatch, year_period(BASE.year), BASE, HANOI)
    assert kept == rows and not used


async def test_a_recount_repairs_kept_statistics_that_drifted(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    agencies, _plans = await _written(sessions, seed=13, writes=50)
    async with transaction(sessions) as session:
        # Written past the triggers' reach, as a hand edit of the table would.
        await session.exec(sa.delete(StatisticCount))
        session.add(
            StatisticCount(dim="a", key=agencies[0], which="o", kind="d", q=0, flag=True, n=5)
        )
    async with transaction(sessions) as session:
        assert await recount_overdue(session) == BASE
    kept, rows, used = await _both(sessions, monkeypatch, year_period(BASE.year), BASE, HANOI)
    assert used and kept == rows
