"""The overdue counts the store keeps (migration 0019) equal a recount from the assignments
after random histories of writes and of days passing, on SQLite and PostgreSQL, and /overdue
reads the same figures from them as from the assignments."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.bootstrap import App
from bot.settings import load_settings
from domain.access import Actor, Role
from domain.calendar import WorkCalendar
from models.counts import OverdueCount
from models.tables import Agency, Assignment, Plan, Task
from scheduler.jobs import run_sweep
from services import queries
from services.overdue_counts import count_overdue_on, counted_day, recount_overdue
from services.unit_of_work import Sessions, UnitOfWork, transaction
from tests.builders import World, local
from tests.conftest import BOTH_STORES
from views.rows import Scope

pytestmark = BOTH_STORES

NOW = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
BASE = date(2023, 6, 15)
STATUSES = ("not_started", "in_progress", "blocked", "awaiting", "done", "cancelled")
COORDINATOR = Actor(
    person_id=1, name="Điều phối", role=Role.COORDINATOR, agency_id=None, locale="vi"
)


def _day(rng: random.Random) -> date:
    return BASE + timedelta(days=rng.randint(-12, 12))


async def _store(session: UnitOfWork, rng: random.Random) -> tuple[list[int], list[int]]:
    """Five agencies and a plan of ten tasks, some with no date; their ids."""
    agencies = [Agency(code=f"S{n}", name=f"Sở {n}", kind="so") for n in range(5)]
    plan = Plan(source_key="40/KH-UBND", title="Kế hoạch", created_at=NOW, updated_at=NOW)
    session.add_all([*agencies, plan])
    await session.flush()
    assert plan.id is not None
    tasks = [
        Task(
            plan_id=plan.id,
            code=f"T.{n}",
            title=f"Nhiệm vụ {n}",
            due_date=_day(rng) if n % 4 else None,
        )
        for n in range(10)
    ]
    session.add_all(tasks)
    await session.flush()
    return [a.id for a in agencies if a.id is not None], [t.id for t in tasks if t.id is not None]


async def _assignments(session: UnitOfWork) -> list[Any]:
    found = await session.exec(
        select(
            col(Assignment.id),
            col(Assignment.task_id),
            col(Assignment.agency_id),
            col(Assignment.role),
            col(Assignment.status),
            col(Assignment.deadline),
        )
    )
    return list(found.all())


def _recount(rows: list[Any], day: date) -> dict[int, int]:
    """What is overdue on `day` per agency, counted from the rows in Python."""
    counted = Counter(
        agency
        for _id, _task, agency, role, status, deadline in rows
        if role == "lead"
        and status not in ("done", "cancelled")
        and deadline is not None
        and deadline < day
    )
    return dict(counted)


async def _kept(session: UnitOfWork) -> dict[int, int]:
    found = await session.exec(select(col(OverdueCount.agency_id), col(OverdueCount.n)))
    return {agency: n for agency, n in found.all() if n}


async def _write(
    session: UnitOfWork, rng: random.Random, agencies: list[int], tasks: list[int]
) -> None:
    """One random write, the way the bot, an import or an edit makes it."""
    rows = await _assignments(session)
    taken = {(task, agency) for _id, task, agency, *_rest in rows}
    free = [(t, a) for t in tasks for a in agencies if (t, a) not in taken]
    chosen = rng.choice(rows) if rows else None
    kind = rng.randrange(9) if chosen is not None else 0
    if kind == 0 and free:
        task, agency = rng.choice(free)
        values = {
            "task_id": task,
            "agency_id": agency,
            "role": rng.choice(("lead", "lead", "cooperating")),
            "status": rng.choice(STATUSES),
        }
        if rng.random() < 0.5:
            session.add(Assignment(**values))
            await session.flush()
        else:
            await session.exec(sa.insert(Assignment).values(**values))
        return
    if chosen is None:
        return
    one = col(Assignment.id) == chosen[0]
    if kind == 1:
        await session.exec(sa.update(Assignment).where(one).values(status=rng.choice(STATUSES)))
    elif kind == 2:
        extended = _day(rng) if rng.random() < 0.7 else None
        await session.exec(sa.update(Assignment).where(one).values(extended_due_date=extended))
    elif kind == 3:
        elsewhere = [a for t, a in free if t == chosen[1]]
        if elsewhere:
            await session.exec(
                sa.update(Assignment).where(one).values(agency_id=rng.choice(elsewhere))
            )
    elif kind == 4:
        role = "cooperating" if chosen[3] == "lead" else "lead"
        await session.exec(sa.update(Assignment).where(one).values(role=role))
    elif kind == 5:
        moved = [t for t, a in free if a == chosen[2]]
        if moved:
            await session.exec(sa.update(Assignment).where(one).values(task_id=rng.choice(moved)))
    elif kind == 6:
        await session.exec(sa.delete(Assignment).where(one))
    elif kind == 7:
        task = col(Task.id) == rng.choice(tasks)
        due = _day(rng) if rng.random() < 0.8 else None
        await session.exec(sa.update(Task).where(task).values(due_date=due))
    else:
        task_id = rng.choice(tasks)
        task = col(Task.id) == task_id
        if rng.random() < 0.5:
            await session.exec(sa.update(Task).where(task).values(removed=rng.random() < 0.5))
        else:
            restated = rng.choice([t for t in tasks if t != task_id] + [None, None])
            await session.exec(sa.update(Task).where(task).values(same_as_task_id=restated))


async def _overdue_by_agency(
    session: UnitOfWork, actor: Actor, as_of: date, scope: Scope | None = None
) -> dict[int, int]:
    """Each agency's count, from the groups of every page in turn (a page names only the
    agencies its rows belong to)."""
    counts: dict[int, int] = {}
    number = pages = 1
    while number <= pages:
        page = await queries.overdue_page(
            session, actor=actor, as_of=as_of, calendar=WorkCalendar(), scope=scope, page=number
        )
        shown = list(dict.fromkeys(row.view.agency_id for row in page.rows))
        assert shown == [group.agency_id for group in page.groups]
        counts |= {group.agency_id: group.count for group in page.groups}
        number, pages = number + 1, page.pages
    assert page.total == sum(counts.values())
    assert page.agencies == len(counts)
    return counts


async def test_kept_overdue_counts_equal_a_recount_after_random_histories(
    sessions: Sessions,
) -> None:
    rng = random.Random(19)
    async with transaction(sessions) as session:
        agencies, tasks = await _store(session, rng)
    async with sessions() as session:
        assert await counted_day(session) is None
    for step in range(60):
        async with transaction(sessions) as session:
            for _write_number in range(rng.randint(1, 4)):
                await _write(session, rng, agencies, tasks)
            if step % 6 == 0:
                await count_overdue_on(session, day=_day(rng))
        async with sessions() as session:
            rows = await _assignments(session)
            day = await counted_day(session)
            assert day is not None
            assert await _kept(session) == _recount(rows, day), f"step {step}"
            as_of = _day(rng)
            expected = _recount(rows, as_of)
            assert await _overdue_by_agency(session, COORDINATOR, as_of) == expected
            officer = Actor(
                person_id=2, name="Cán bộ", role=Role.OFFICER, agency_id=agencies[1], locale="vi"
            )
            own = {a: n for a, n in expected.items() if a == agencies[1]}
            assert await _overdue_by_agency(session, officer, as_of) == own
            group = Scope(
                kind="agency", key=agencies[2], label="S2+S3", agency_ids=tuple(agencies[2:4])
            )
            within = {a: n for a, n in expected.items() if a in agencies[2:4]}
            assert await _overdue_by_agency(session, COORDINATOR, as_of, group) == within


async def test_overdue_reads_the_same_figures_before_and_after_the_counts_exist(
    sessions: Sessions,
) -> None:
    rng = random.Random(7)
    async with transaction(sessions) as session:
        agencies, tasks = await _store(session, rng)
        for _write_number in range(40):
            await _write(session, rng, agencies, tasks)
    days = [BASE + timedelta(days=d) for d in range(-13, 14, 3)]
    async with sessions() as session:
        uncounted = [await _overdue_by_agency(session, COORDINATOR, d) for d in days]
    async with transaction(sessions) as session:
        assert await count_overdue_on(session, day=BASE)
        assert not await count_overdue_on(session, day=BASE)
    async with sessions() as session:
        assert [await _overdue_by_agency(session, COORDINATOR, d) for d in days] == uncounted


async def test_a_recount_repairs_counts_that_drifted(sessions: Sessions) -> None:
    rng = random.Random(3)
    async with transaction(sessions) as session:
        agencies, tasks = await _store(session, rng)
        for _write_number in range(30):
            await _write(session, rng, agencies, tasks)
        await count_overdue_on(session, day=BASE)
    async with transaction(sessions) as session:
        # Written past the triggers' reach, as a hand edit of the table would.
        await session.exec(sa.delete(OverdueCount))
        await session.exec(sa.insert(OverdueCount).values(agency_id=agencies[0], n=1000))
    async with transaction(sessions) as session:
        assert await recount_overdue(session) == BASE
    async with sessions() as session:
        assert await _kept(session) == _recount(await _assignments(session), BASE)


async def test_each_sweep_counts_what_is_overdue_on_its_local_day(
    db_url: str, engine: AsyncEngine, sessions: Sessions
) -> None:
    rng = random.Random(5)
    async with transaction(sessions) as session:
        agencies, tasks = await _store(session, rng)
        for _write_number in range(30):
            await _write(session, rng, agencies, tasks)
    app = App(settings=load_settings(database_url=db_url), engine=engine, sessions=sessions)
    for day in (BASE, BASE + timedelta(days=9), BASE - timedelta(days=4)):
        await run_sweep(app, now=local(day))
        async with sessions() as session:
            assert await counted_day(session) == day
            assert await _kept(session) == _recount(await _assignments(session), day)


async def test_report_periods_past_due_add_to_the_kept_counts(sessions: Sessions) -> None:
    world = World(sessions)
    await world.setup_agencies()
    plan = await world.plan()
    await world.task(plan, "A", due=date(2023, 9, 1))
    await world.task(plan, "B", due=date(2023, 9, 25), lead="SXD")
    duty = await world.task(plan, "BC", title="Báo cáo quý")
    await world.occurrence(
        duty, "2023-Q3", start=date(2023, 7, 1), end=date(2023, 9, 30), due=date(2023, 9, 20)
    )
    days = [date(2023, 9, d) for d in (1, 2, 21, 26)] + [date(2023, 10, 2)]
    async with sessions() as session:
        uncounted = [await _overdue_by_agency(session, COORDINATOR, d) for d in days]
    async with transaction(sessions) as session:
        await count_overdue_on(session, day=date(2023, 9, 22))
    async with sessions() as session:
        counted = [await _overdue_by_agency(session, COORDINATOR, d) for d in days]
    assert counted == uncounted
    assert [sum(found.values()) for found in counted] == [0, 1, 2, 3, 3]
