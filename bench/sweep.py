"""How fast a reminder sweep is for a big city: 50,000 assignments, 5,000 officers.

Run: python -m bench.sweep [--assignments 50000] [--officers 5000] [--runs 5] [--postgres]
(prints figures; nothing is asserted). The target is a full sweep in under 1 s on SQLite
and on PostgreSQL: the sweep that runs every DONDOC_SWEEP_SECONDS, reads all 50,000
assignments and finds what is due, and also the day's first, which writes the day's
reminders. Three sweeps are timed, from Monday 20/11/2023:

- the first ever (every target is new: a very large write, once in the life of a store);
- the same sweep again a minute later (the steady state: everything already sent);
- the next working day at 08:00, the day's first sweep, which also writes that day's
  reminders (some 11,000 items in 4,600 bundled messages).

The two recurring sweeps are timed --runs times each, the day's first each time on a fresh
copy of the store as Monday left it, and their medians are the figures: on a shared machine
one run can be a third slower than the next for the same work.

The data goes into a throw-away SQLite file; --postgres makes (and drops) a throw-away
database on the PostgreSQL server at 127.0.0.1:5432 (user postgres).
"""

import argparse
import asyncio
import random
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.timing import measured
from domain.access import Role
from domain.calendar import WorkCalendar
from domain.reminders import OfficeHours, OpenTarget, due_now
from models.db import make_engine
from models.migrate import upgrade
from models.tables import Agency, Assignment, ChatIdentity, Person, Plan, Task
from services.reminders.load import ReminderSettings
from services.reminders.sweep import SweepResult, sweep
from services.unit_of_work import Sessions, make_sessionmaker, transaction
from tests.databases import create_database, database_url, drop_database

T = TypeVar("T")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2023, 11, 20, 9, 0, tzinfo=HANOI)
TUESDAY = datetime(2023, 11, 21, 8, 0, tzinfo=HANOI)
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
OFFICERS_PER_AGENCY = 2
PLANS = 50


async def _insert(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5_000):
        await session.exec(sa.insert(table), params=rows[start : start + 5_000])


async def populate(sessions: Sessions, *, assignments: int, officers: int) -> dict[str, int]:
    """Agencies of two officers each, plans with a hub coordinator, tasks due over a year."""
    rng = random.Random(2023)
    agencies = max(1, officers // OFFICERS_PER_AGENCY)

    def hub(plan_id: int) -> int:
        # Small runs have fewer agencies than plans: hubs then repeat.
        return 1 + (plan_id - 1) % agencies

    first_due = date(2023, 6, 1)
    async with transaction(sessions) as session:
        await _insert(
            session,
            Agency,
            [
                {
                    "id": n,
                    "code": f"AG{n:05d}",
                    "name": f"Ủy ban nhân dân phường số {n}",
                    "kind": "ubnd-phuong",
                    "aliases": [],
                    "member_of": [],
                    "is_group": False,
                }
                for n in range(1, agencies + 1)
            ],
        )
        await _insert(
            session,
            Plan,
            [
                {
                    "id": p,
                    "source_key": f"{p}/KH-UBND",
                    "ref": f"{p}/KH-UBND",
                    "title": f"Kế hoạch số {p}",
                    "hub_agency_id": hub(p),
                    "created_at": EPOCH,
                    "updated_at": EPOCH,
                }
                for p in range(1, PLANS + 1)
            ],
        )
        await _insert(
            session,
            Task,
            [
                {
                    "id": t,
                    "plan_id": 1 + t % PLANS,
                    "code": f"T.{t}",
                    "title": "Triển khai nền tảng tích hợp, chia sẻ dữ liệu cấp thành phố",
                    "source_kind": "appendix-table",
                    "due_kind": "date",
                    "due_date": first_due + timedelta(days=rng.randrange(365)),
                    "strictly_before": False,
                    "open_ended": False,
                    "recipients": [],
                    "problems": [],
                    "removed": False,
                }
                for t in range(1, assignments + 1)
            ],
        )
        await _insert(
            session,
            Assignment,
            [
                {
                    "id": a,
                    "task_id": a,
                    "agency_id": 1 + a % agencies,
                    "role": "lead",
                    "status": rng.choice(["not_started", "in_progress", "done"]),
                    "progress": 0,
                }
                for a in range(1, assignments + 1)
            ],
        )
        people = [
            {
                "id": p,
                "name": f"Cán bộ {p}",
                "role": Role.OFFICER.value,
                "locale": "vi" if p % 5 else "en",
                "agency_id": 1 + p % agencies,
                "active": True,
                "created_at": EPOCH,
            }
            for p in range(1, officers + 1)
        ]
        people += [
            {
                "id": officers + p,
                "name": f"Điều phối {p}",
                "role": Role.COORDINATOR.value,
                "locale": "vi",
                "agency_id": hub(p),
                "active": True,
                "created_at": EPOCH,
            }
            for p in range(1, PLANS + 1)
        ]
        await _insert(session, Person, people)
        await _insert(
            session,
            ChatIdentity,
            [
                {
                    "person_id": person["id"],
                    "channel": "telegram",
                    "chat_id": str(10_000 + person["id"]),
                    "created_at": EPOCH,
                }
                for person in people
            ],
        )
    return {"agencies": agencies, "assignments": assignments, "people": len(people)}


async def _timed(label: str, work: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    result, elapsed, used = await measured(work())
    print(f"{label:<58} {elapsed * 1000:9.1f} ms wall {used * 1000:9.1f} ms cpu")
    return result, elapsed


async def _repeated(label: str, runs: list[Callable[[], Awaitable[tuple[T, float, float]]]]) -> T:
    """Run each (each measures itself); print the medians and every run's wall time: a
    shared machine's slow patches move a single run by a third."""
    walls: list[float] = []
    cpus: list[float] = []
    for work in runs:
        result, wall, cpu = await work()
        walls.append(wall)
        cpus.append(cpu)
    print(
        f"{label:<58} {median(walls) * 1000:9.1f} ms wall {median(cpus) * 1000:9.1f} ms cpu"
        f"   (median of {len(walls)}: {', '.join(f'{w * 1000:.0f}' for w in walls)} ms)"
    )
    return result


def _describe(result: SweepResult) -> str:
    return (
        f"  {result.messages:,} messages, {result.reminders:,} reminders, "
        f"{result.notices:,} notices, {result.skipped:,} skipped"
    )


class Store(Protocol):
    """The benchmark's store, and fresh copies of it as it stands (to time one sweep again
    from the same state)."""

    url: str

    def copy(self) -> AbstractAsyncContextManager[str]:
        """A copy of the store (none of its engines may be open); yields its URL."""
        ...


class SqliteStore:
    """A SQLite file, copied whole."""

    def __init__(self, path: Path) -> None:
        self.url = f"sqlite+aiosqlite:///{path}"
        self._path = path

    @asynccontextmanager
    async def copy(self) -> AsyncIterator[str]:
        with sqlite3.connect(self._path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        copy = self._path.with_name(f"copy-{self._path.name}")
        shutil.copyfile(self._path, copy)
        try:
            yield f"sqlite+aiosqlite:///{copy}"
        finally:
            for leftover in copy.parent.glob(f"{copy.name}*"):
                leftover.unlink()


class PostgresStore:
    """A PostgreSQL database, copied as the template of a new one."""

    def __init__(self, name: str) -> None:
        self.url = database_url(name)
        self._name = name

    @asynccontextmanager
    async def copy(self) -> AsyncIterator[str]:
        name = await create_database(prefix="dondoc_bench_copy", template=self._name)
        try:
            yield database_url(name)
        finally:
            await drop_database(name)


async def run(store: Store, *, assignments: int, officers: int, runs: int) -> None:
    """Populate the migrated store, then time the planner alone and three sweeps: the
    recurring two `runs` times each (the day's first on a fresh copy of the store each
    time), the medians being the figures."""
    engine = make_engine(store.url)
    sessions = make_sessionmaker(engine)
    settings = ReminderSettings(hours=OfficeHours(WorkCalendar(), tz=HANOI))
    try:
        sizes, _ = await _timed(
            "populate (not part of the target)",
            lambda: populate(sessions, assignments=assignments, officers=officers),
        )
        print("  " + ", ".join(f"{value:,} {name}" for name, value in sizes.items()))
        targets = [
            OpenTarget(f"a:{n}", n, None, n % 100, 1, date(2023, 6, 1) + timedelta(days=n % 365))
            for n in range(assignments)
        ]
        await _timed(
            "pure planner: latest step of every target",
            lambda: asyncio.to_thread(due_now, targets, hours=settings.hours, now=MONDAY),
        )
        first, _ = await _timed(
            "first sweep ever (every target new; once per store)",
            lambda: sweep(sessions, settings=settings, now=MONDAY),
        )
        print(_describe(first))
        steady: list[Callable[[], Awaitable[tuple[SweepResult, float, float]]]] = [
            partial(_sweep_at, sessions, settings, MONDAY + timedelta(minutes=n))
            for n in range(1, runs + 1)
        ]
        again = await _repeated(
            "full sweep, nothing new (steady state; target < 1,000 ms)", steady
        )
        print(_describe(again))
    finally:
        await engine.dispose()
    tuesday = await _repeated(
        "next working day 08:00, first sweep (target < 1,000 ms)",
        [partial(_sweep_a_copy, store, settings, TUESDAY) for _ in range(runs)],
    )
    print(_describe(tuesday))


async def _sweep_at(
    sessions: Sessions, settings: ReminderSettings, now: datetime
) -> tuple[SweepResult, float, float]:
    return await measured(sweep(sessions, settings=settings, now=now))


async def _sweep_a_copy(
    store: Store, settings: ReminderSettings, now: datetime
) -> tuple[SweepResult, float, float]:
    """The sweep at `now` on a fresh copy of the store; only the sweep itself is timed."""
    async with store.copy() as url:
        engine = make_engine(url)
        try:
            sessions = make_sessionmaker(engine)
            # Connected before the clock starts, as a running service's pool is.
            async with sessions() as session:
                await session.connection()
            return await measured(sweep(sessions, settings=settings, now=now))
        finally:
            await engine.dispose()


def main() -> None:
    """Parse the arguments and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assignments", type=int, default=50_000)
    parser.add_argument("--officers", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5, help="times each recurring sweep is timed")
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL store")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory() as folder:
        pg_name = asyncio.run(create_database(prefix="dondoc_bench")) if args.postgres else None
        store: Store = (
            PostgresStore(pg_name) if pg_name else SqliteStore(Path(folder) / "bench.db")
        )
        try:
            upgrade(store.url)
            print(f"store: {store.url.split('://')[0]}")
            asyncio.run(
                run(store, assignments=args.assignments, officers=args.officers, runs=args.runs)
            )
        finally:
            if pg_name:
                asyncio.run(drop_database(pg_name))


if __name__ == "__main__":
    main()
