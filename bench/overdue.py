"""How fast is /overdue? Prints p50/p95 on SQLite and PostgreSQL, with CPU time, the load
average, the cost per overdue row counted and the plans of the queries it runs.

    python -m bench.overdue [--size 50k|national] [--assignments N] [--runs 100]
                            [--store sqlite|postgres|both] [--keep-database NAME]

Builds a throw-away store (a temp SQLite file; a temp PostgreSQL database on the server at
127.0.0.1:5432), fills it with plans, tasks and lead assignments of which about a third are
overdue, then times the service the /overdue command calls (first page and a later page,
all agencies and one agency). `--size 50k` is 50,000 assignments; `--size national` is
200,000 on SQLite and 1,000,000 on PostgreSQL; 80 per agency (12,500 agencies at a
million). The targets are p95 under 50 ms at 50k and under 200 ms at a million. CPU time
is printed beside the wall clock, since a shared machine's load distorts it (it counts the
SQLite thread, not the PostgreSQL server's own work).

Filling a million assignments takes minutes: `--keep-database NAME` fills a PostgreSQL
database of that name the first time and keeps it, and a later run with the same name and
size measures it again without filling (drop it with `dropdb NAME` when done).
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa

from bench.fill import analyze, insert_rows
from bench.plans import captured, explain, print_plans
from bench.timing import Runs, UnitCost, load_average, print_unit_costs
from domain.access import Actor, Role
from domain.calendar import WorkCalendar
from models.counts import OverdueDay
from models.db import make_engine
from models.migrate import upgrade
from models.tables import Agency, Assignment, Plan, Task
from services import queries
from services.overdue_counts import count_overdue_on
from services.unit_of_work import make_sessionmaker, transaction
from tests.databases import admin_dsn, database_url, throwaway_database

AS_OF = date(2023, 11, 20)
TASKS_PER_PLAN = 500
STATUSES = ("not_started", "in_progress", "blocked", "done", "done")
# Sizes by name: assignments on SQLite, on PostgreSQL.
SIZES = {"50k": (50_000, 50_000), "national": (200_000, 1_000_000)}


def agencies_for(assignments: int) -> int:
    """One agency per 80 assignments (625 at 50,000; 12,500 at a million), 120 at least."""
    return max(120, assignments // 80)


def _mix(n: int, salt: int) -> int:
    # A cheap deterministic scramble: the same store on both databases, made row by row.
    return (n * 2654435761 + salt * 40503) % 4294967296


async def fill(url: str, *, assignments: int) -> None:
    """Insert the agencies, plans, tasks and assignments in bulk."""
    engine = make_engine(url)
    now = datetime(2023, 1, 1, tzinfo=UTC)
    agencies = agencies_for(assignments)

    def tasks() -> Iterator[dict[str, Any]]:
        for n in range(assignments):
            due = AS_OF + timedelta(days=_mix(n, 1) % 801 - 400) if n % 10 else None
            yield {
                "id": n + 1,
                "plan_id": n // TASKS_PER_PLAN + 1,
                "code": f"T.{n}",
                "title": f"Nhiệm vụ {n}",
                "due_date": due,
                "due_kind": "date" if due else "ongoing",
                "source_kind": "appendix-table",
                "strictly_before": False,
                "open_ended": False,
                "recipients": [],
                "problems": [],
                "removed": False,
            }

    def links() -> Iterator[dict[str, Any]]:
        for n in range(assignments):
            yield {
                "id": n + 1,
                "task_id": n + 1,
                "agency_id": 1 + _mix(n, 2) % agencies,
                "role": "lead",
                "status": STATUSES[_mix(n, 3) % len(STATUSES)],
                "progress": 0,
            }

    try:
        async with engine.begin() as connection:
            await insert_rows(
                connection,
                Agency,
                (
                    {
                        "id": n + 1,
                        "code": f"A{n:05d}",
                        "name": f"Cơ quan {n}",
                        "kind": "so",
                        "aliases": [],
                        "member_of": [],
                        "is_group": False,
                    }
                    for n in range(agencies)
                ),
            )
            await insert_rows(
                connection,
                Plan,
                (
                    {
                        "id": n + 1,
                        "source_key": f"p{n}",
                        "ref": f"{n}/KH-UBND",
                        "title": f"Kế hoạch {n}",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(-(-assignments // TASKS_PER_PLAN))
                ),
            )
            await insert_rows(connection, Task, tasks())
            await insert_rows(connection, Assignment, links())
        await analyze(engine)
        # As a running service's sweep does each day (services.overdue_counts).
        async with transaction(make_sessionmaker(engine)) as session:
            await count_overdue_on(session, day=AS_OF)
    finally:
        await engine.dispose()


Result = tuple[Runs, float, int]


async def measure(url: str, *, runs: int) -> tuple[dict[str, Result], list[str]]:
    """Per query: its runs (wall, CPU, load), p95 wall in ms and the number overdue; and
    the plans of what each query read."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    actor = Actor(person_id=1, name="bench", role=Role.COORDINATOR, agency_id=None, locale="vi")
    calendar = WorkCalendar()
    results: dict[str, Result] = {}
    plans: list[str] = []
    try:
        async with sessions() as session:
            scope = await queries.resolve_scope(session, text="A00007")
        for label, kwargs in (
            ("all agencies, page 1", {"page": 1}),
            ("all agencies, page 40", {"page": 40}),
            ("one agency, page 1", {"page": 1, "scope": scope}),
        ):

            async def once(kwargs: dict[str, Any] = kwargs) -> int:
                async with sessions() as session:
                    page = await queries.overdue_page(
                        session,
                        actor=actor,
                        as_of=AS_OF,
                        calendar=calendar,
                        **kwargs,
                    )
                return page.total

            with captured(engine) as statements:
                total = await once()
            plans.append(f"  /overdue, {label}:")
            plans += await explain(engine, statements)
            figures = Runs(label)
            for _ in range(runs):
                load = load_average()
                started, used = time.perf_counter(), time.process_time()
                await once()
                figures.add(time.perf_counter() - started, time.process_time() - used, load)
            walls = sorted(figures.walls)
            p95 = walls[max(0, int(len(walls) * 0.95) - 1)] * 1000
            results[label] = (figures, p95, total)
    finally:
        await engine.dispose()
    return results, plans


def report(store: str, size: int, results: dict[str, Result], plans: list[str]) -> None:
    """Print one line per query, the cost per row counted, then the plans."""
    target = 50 if size <= 50_000 else 200
    for label, (figures, p95, total) in results.items():
        verdict = "ok" if p95 < target else "SLOW"
        cpu = statistics.median(figures.cpus) * 1000
        figures_text = (
            f"p50={figures.wall * 1000:6.1f} ms  p95={p95:6.1f} ms  cpu p50={cpu:6.1f} ms"
            f"  load {min(figures.loads):.2f}-{max(figures.loads):.2f}"
        )
        print(f"{store:10} {label:24} overdue={total:7}  {figures_text}  {verdict}")
    print_unit_costs(
        f"/overdue on {store} at {size:,} assignments",
        [
            UnitCost(label, figures, total, "overdue row")
            for label, (figures, _, total) in results.items()
        ],
    )
    print_plans(f"/overdue on {store} at {size:,} assignments", plans)


async def run_sqlite(assignments: int, runs: int) -> None:
    """The benchmark on a temporary SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        await fill(url, assignments=assignments)
        report("sqlite", assignments, *await measure(url, runs=runs))


async def _filled(url: str) -> int | None:
    """How many assignments a kept database holds once filled; None if its fill never ended
    (the counts are the fill's last step)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            counted = await connection.scalar(sa.select(sa.func.count()).select_from(OverdueDay))
            if not counted:
                return None
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(Assignment)))
    finally:
        await engine.dispose()


async def kept_database(name: str, *, assignments: int) -> str:
    """The URL of database `name`, filled with `assignments` here if it does not exist yet."""
    admin = await asyncpg.connect(admin_dsn())
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = database_url(name)
    if exists:
        held = await _filled(url)
        if held != assignments:
            raise SystemExit(
                f"database {name} holds {held} assignments, not {assignments}: "
                f"drop it (dropdb {name}) or name another"
            )
        print(f"postgres   reusing database {name} ({held:,} assignments)")
        return url
    await asyncio.to_thread(upgrade, url)
    await fill(url, assignments=assignments)
    print(f"postgres   filled database {name}, kept for later runs")
    return url


async def run_postgres(assignments: int, runs: int, keep: str | None = None) -> None:
    """The benchmark on a temporary PostgreSQL database, or on the kept database `keep`
    (skipped if the server is down)."""
    try:
        if keep is not None:
            url = await kept_database(keep, assignments=assignments)
            report("postgres", assignments, *await measure(url, runs=runs))
            return
        async with throwaway_database(prefix="dondoc_bench") as url:
            await asyncio.to_thread(upgrade, url)
            await fill(url, assignments=assignments)
            report("postgres", assignments, *await measure(url, runs=runs))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"postgres   skipped: {exc}")


def main() -> None:
    """Run the benchmark on each store asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="50k")
    parser.add_argument("--assignments", type=int, help="overrides --size on both stores")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--keep-database",
        metavar="NAME",
        help="on PostgreSQL: fill database NAME once, keep it and reuse it on later runs",
    )
    args = parser.parse_args()
    on_sqlite, on_postgres = SIZES[args.size]
    if args.assignments:
        on_sqlite = on_postgres = args.assignments
    if args.store in ("sqlite", "both"):
        print(f"/overdue on SQLite at {on_sqlite:,} assignments, {args.runs} runs per query")
        asyncio.run(run_sqlite(on_sqlite, args.runs))
    if args.store in ("postgres", "both"):
        print(f"/overdue on PostgreSQL at {on_postgres:,} assignments, {args.runs} runs per query")
        asyncio.run(run_postgres(on_postgres, args.runs, args.keep_database))


if __name__ == "__main__":
    main()
