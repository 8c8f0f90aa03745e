"""How fast a reminder sweep is: a big city (50,000 assignments, 5,000 officers) or the
nation (1,000,000 assignments, 50,000 officers, 12,500 agencies).

Run: python -m bench.sweep [--size 50k|national] [--runs 5] [--store sqlite|postgres|both]
     [--assignments N --officers N] (prints figures; nothing is asserted).

`--size national` is 200,000 assignments on SQLite and 1,000,000 on PostgreSQL, four
officers per agency of 80 assignments. The targets: the steady sweep (the one that runs
every DONDOC_SWEEP_SECONDS and finds nothing new) under 100 ms at 50k and 1 s at a million;
the day's first (which writes the day's reminders) under 1 s at 50k and 10 s at a million.
Three sweeps are timed, from Monday 20/11/2023:

- the first ever (every target is new: a very large write, once in the life of a store);
- the same sweep again a minute later (the steady state: everything already sent);
- the next working day at 08:00, the day's first sweep, which also writes that day's
  reminders (at 50k some 11,000 items in 4,600 bundled messages).

The two recurring sweeps are timed --runs times each, the day's first each time on a fresh
copy of the store as Monday left it, and their medians are the figures, each printed with
its CPU time and the load average: on a shared machine one run can be a third slower than
the next for the same work. Beside each, this process's peak resident memory while it ran
and what the sweep added to it (a running service adds the same to the ~120-230 MiB it
holds once started; bench.startup). A table of cost per unit of work (µs per target read, per due
target, per reminder written) and the plans of the steady sweep's reads follow.

The data goes into a throw-away SQLite file, or a throw-away database on the PostgreSQL
server at 127.0.0.1:5432 (user postgres), made and dropped by the run.
"""

import argparse
import asyncio
import random
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bench.fill import analyze, insert_rows
from bench.plans import captured, explain, print_plans
from bench.timing import (
    UnitCost,
    measured,
    peak_memory,
    print_unit_costs,
    repeated,
    timed_once,
)
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

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2023, 11, 20, 9, 0, tzinfo=HANOI)
TUESDAY = datetime(2023, 11, 21, 8, 0, tzinfo=HANOI)
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
PLANS = 50


@dataclass(frozen=True)
class Size:
    """A store's size: assignments, officers, agencies."""

    assignments: int
    officers: int
    agencies: int

    @classmethod
    def of(cls, assignments: int, officers: int | None = None) -> "Size":
        """A city keeps 2 officers per agency and 10 assignments per officer (50k: 5,000
        officers, 2,500 agencies); past 50,000 assignments, the nation: 80 assignments
        and 4 officers per agency (a million: 12,500 agencies, 50,000 officers)."""
        if officers is None:
            officers = assignments // 10 if assignments <= 50_000 else assignments // 20
        per_agency = 2 if assignments <= 50_000 else 4
        return cls(assignments, officers, max(1, officers // per_agency))


# Sizes by name: on SQLite, on PostgreSQL.
SIZES = {"50k": (50_000, 50_000), "national": (200_000, 1_000_000)}


async def populate(sessions: Sessions, *, size: Size) -> dict[str, int]:
    """Agencies of a few officers each, plans with a hub coordinator, tasks due over a year."""
    rng = random.Random(2023)
    agencies = size.agencies

    def hub(plan_id: int) -> int:
        # Small runs have fewer agencies than plans: hubs then repeat.
        return 1 + (plan_id - 1) % agencies

    first_due = date(2023, 6, 1)

    def tasks() -> Iterator[dict[str, Any]]:
        for t in range(1, size.assignments + 1):
            yield {
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

    def assignments() -> Iterator[dict[str, Any]]:
        for a in range(1, size.assignments + 1):
            yield {
                "id": a,
                "task_id": a,
                "agency_id": 1 + a % agencies,
                "role": "lead",
                "status": rng.choice(["not_started", "in_progress", "done"]),
                "progress": 0,
            }

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
        for p in range(1, size.officers + 1)
    ]
    people += [
        {
            "id": size.officers + p,
            "name": f"Điều phối {p}",
            "role": Role.COORDINATOR.value,
            "locale": "vi",
            "agency_id": hub(p),
            "active": True,
            "created_at": EPOCH,
        }
        for p in range(1, PLANS + 1)
    ]
    async with transaction(sessions) as session:
        connection = await session.connection()
        await insert_rows(
            connection,
            Agency,
            (
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
            ),
        )
        await insert_rows(
            connection,
            Plan,
            (
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
            ),
        )
        await insert_rows(connection, Task, tasks())
        await insert_rows(connection, Assignment, assignments())
        await insert_rows(connection, Person, people)
        await insert_rows(
            connection,
            ChatIdentity,
            (
                {
                    "id": person["id"],
                    "person_id": person["id"],
                    "channel": "telegram",
                    "chat_id": str(10_000 + person["id"]),
                    "created_at": EPOCH,
                }
                for person in people
            ),
        )
    return {"agencies": agencies, "assignments": size.assignments, "people": len(people)}


def _describe(result: SweepResult) -> str:
    return (
        f"  {result.read:,} targets read, {result.due:,} due; "
        f"{result.messages:,} messages, {result.reminders:,} reminders, "
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


async def run(store: Store, *, size: Size, runs: int) -> None:
    """Populate the migrated store, then time the planner alone and three sweeps: the
    recurring two `runs` times each (the day's first on a fresh copy of the store each
    time), the medians being the figures."""
    engine = make_engine(store.url)
    sessions = make_sessionmaker(engine)
    settings = ReminderSettings(hours=OfficeHours(WorkCalendar(), tz=HANOI))
    name = engine.dialect.name
    try:
        sizes, _ = await timed_once(
            "populate (not part of the target)", lambda: populate(sessions, size=size)
        )
        print("  " + ", ".join(f"{value:,} {name}" for name, value in sizes.items()))
        await analyze(engine)
        targets = [
            OpenTarget(f"a:{n}", n, None, n % 100, 1, date(2023, 6, 1) + timedelta(days=n % 365))
            for n in range(size.assignments)
        ]
        _, planner = await timed_once(
            "pure planner: latest step of every target",
            lambda: asyncio.to_thread(due_now, targets, hours=settings.hours, now=MONDAY),
        )
        # A service never holds the planner's targets (300 MiB at a million): the sweeps
        # are measured without them.
        targets.clear()
        with peak_memory() as first_memory:
            first, first_runs = await timed_once(
                "first sweep ever (every target new; once per store)",
                lambda: sweep(sessions, settings=settings, now=MONDAY),
            )
        print(_describe(first))
        print(first_memory.line("first sweep ever"))
        await analyze(engine)
        steady: list[Callable[[], Awaitable[tuple[SweepResult, float, float]]]] = [
            partial(_sweep_at, sessions, settings, MONDAY + timedelta(minutes=n))
            for n in range(1, runs + 1)
        ]
        target = 100 if size.assignments <= 50_000 else 1_000
        with peak_memory() as steady_memory:
            again, steady_runs = await repeated(
                f"full sweep, nothing new (steady state; target < {target:,} ms)", steady
            )
        print(_describe(again))
        print(steady_memory.line("steady sweeps"))
        with captured(engine) as statements:
            await sweep(sessions, settings=settings, now=MONDAY + timedelta(minutes=runs + 1))
        plans = await explain(engine, statements)
    finally:
        await engine.dispose()
    target = 1_000 if size.assignments <= 50_000 else 10_000
    with peak_memory() as tuesday_memory:
        tuesday, tuesday_runs = await repeated(
            f"next working day 08:00, first sweep (target < {target:,} ms)",
            [partial(_sweep_a_copy, store, settings, TUESDAY) for _ in range(runs)],
        )
    print(_describe(tuesday))
    print(tuesday_memory.line("day's first sweeps (copying the store included)"))
    print_unit_costs(
        f"sweeps on {name} at {size.assignments:,} assignments",
        [
            UnitCost("pure planner", planner, size.assignments, "target planned"),
            UnitCost("first sweep ever", first_runs, first.reminders, "reminder written"),
            UnitCost("steady sweep", steady_runs, size.assignments, "assignment stored"),
            UnitCost("steady sweep", steady_runs, again.read, "target read"),
            UnitCost("steady sweep", steady_runs, again.due, "due target"),
            UnitCost("day's first sweep", tuesday_runs, tuesday.due, "due target"),
            UnitCost("day's first sweep", tuesday_runs, tuesday.reminders, "reminder written"),
        ],
    )
    print_plans(f"the steady sweep's reads on {name} at {size.assignments:,}", plans)


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


def _on(postgres: bool, size: Size, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        pg_name = asyncio.run(create_database(prefix="dondoc_bench")) if postgres else None
        store: Store = (
            PostgresStore(pg_name) if pg_name else SqliteStore(Path(folder) / "bench.db")
        )
        try:
            upgrade(store.url)
            print(f"\nstore: {store.url.split('://')[0]}, {size.assignments:,} assignments")
            asyncio.run(run(store, size=size, runs=runs))
        finally:
            if pg_name:
                asyncio.run(drop_database(pg_name))


def main() -> None:
    """Parse the arguments and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="50k")
    parser.add_argument("--assignments", type=int, help="overrides --size on both stores")
    parser.add_argument("--officers", type=int)
    parser.add_argument("--runs", type=int, default=5, help="times each recurring sweep is timed")
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres", action="store_true", help="the same as --store postgres")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    stores = "postgres" if args.postgres else args.store
    on_sqlite, on_postgres = SIZES[args.size]
    if args.assignments:
        on_sqlite = on_postgres = args.assignments
    if stores in ("sqlite", "both"):
        _on(False, Size.of(on_sqlite, args.officers), args.runs)
    if stores in ("postgres", "both"):
        _on(True, Size.of(on_postgres, args.officers), args.runs)


if __name__ == "__main__":
    main()
