"""How fast is /overdue at 50,000 assignments? Prints p50/p95 on SQLite and PostgreSQL.

    python -m bench.overdue [--assignments 50000] [--runs 200] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Builds a throw-away store (a temp SQLite file; a temp PostgreSQL database when the server
answers), fills it with plans, tasks and lead assignments of which about a third are
overdue, then times the service the /overdue command calls (first page and a later page,
all agencies and one agency). The target is p95 under 100 ms. CPU time is printed beside
the wall clock, since a shared machine's load distorts it (it counts the SQLite thread,
not the PostgreSQL server's own work).
"""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import sqlalchemy as sa

from domain.access import Actor, Role
from domain.calendar import WorkCalendar
from models.db import make_engine
from models.migrate import upgrade
from models.tables import Agency, Assignment, Plan, Task
from services import queries
from services.unit_of_work import make_sessionmaker
from tests.databases import throwaway_database

AS_OF = date(2023, 11, 20)
AGENCIES = 120
TASKS_PER_PLAN = 500


async def fill(url: str, *, assignments: int, seed: int = 7) -> None:
    """Insert the agencies, plans, tasks and assignments in bulk."""
    rng = random.Random(seed)
    engine = make_engine(url)
    now = datetime(2023, 1, 1, tzinfo=UTC)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.insert(Agency),
                [
                    {
                        "code": f"A{n:03d}",
                        "name": f"Cơ quan {n}",
                        "kind": "so",
                        "aliases": [],
                        "member_of": [],
                        "is_group": False,
                    }
                    for n in range(AGENCIES)
                ],
            )
            plans = -(-assignments // TASKS_PER_PLAN)
            await connection.execute(
                sa.insert(Plan),
                [
                    {
                        "source_key": f"p{n}",
                        "ref": f"{n}/KH-UBND",
                        "title": f"Kế hoạch {n}",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(plans)
                ],
            )
            tasks = []
            for n in range(assignments):
                due = AS_OF + timedelta(days=rng.randint(-400, 400)) if n % 10 else None
                tasks.append(
                    {
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
                )
            await connection.execute(sa.insert(Task), tasks)
            statuses = ["not_started", "in_progress", "blocked", "done", "done"]
            await connection.execute(
                sa.insert(Assignment),
                [
                    {
                        "task_id": n + 1,
                        "agency_id": rng.randint(1, AGENCIES),
                        "role": "lead",
                        "status": rng.choice(statuses),
                        "progress": 0,
                    }
                    for n in range(assignments)
                ],
            )
        if url.startswith("postgresql"):
            async with engine.connect() as connection:
                await connection.execute(sa.text("COMMIT"))
                await connection.execute(sa.text("ANALYZE"))
    finally:
        await engine.dispose()


async def measure(url: str, *, runs: int) -> dict[str, tuple[float, float, float, int]]:
    """p50 and p95 in milliseconds, the median CPU time, and the list size, per query."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    actor = Actor(person_id=1, name="bench", role=Role.COORDINATOR, agency_id=None, locale="vi")
    calendar = WorkCalendar()
    results: dict[str, tuple[float, float, float, int]] = {}
    try:
        async with sessions() as session:
            scope = await queries.resolve_scope(session, text="A007")
        for label, kwargs in (
            ("all agencies, page 1", {"page": 1}),
            ("all agencies, page 40", {"page": 40}),
            ("one agency, page 1", {"page": 1, "scope": scope}),
        ):
            timings = []
            cpu = []
            total = 0
            for _ in range(runs):
                started, used = time.perf_counter(), time.process_time()
                async with sessions() as session:
                    page = await queries.overdue_page(
                        session,
                        actor=actor,
                        as_of=AS_OF,
                        calendar=calendar,
                        **kwargs,  # type: ignore[arg-type]
                    )
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - used) * 1000)
                total = page.total
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            results[label] = (statistics.median(timings), p95, statistics.median(cpu), total)
    finally:
        await engine.dispose()
    return results


def report(store: str, results: dict[str, tuple[float, float, float, int]]) -> None:
    """Print one line per query."""
    for label, (p50, p95, cpu, total) in results.items():
        verdict = "ok" if p95 < 100 else "SLOW"
        figures = f"p50={p50:6.1f} ms  p95={p95:6.1f} ms  cpu p50={cpu:6.1f} ms"
        print(f"{store:10} {label:24} overdue={total:6}  {figures}  {verdict}")


async def run_sqlite(assignments: int, runs: int) -> None:
    """The benchmark on a temporary SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        await fill(url, assignments=assignments)
        report("sqlite", await measure(url, runs=runs))


async def run_postgres(admin_dsn: str, assignments: int, runs: int) -> None:
    """The benchmark on a temporary PostgreSQL database (skipped if the server is down)."""
    try:
        async with throwaway_database(admin_dsn=admin_dsn, prefix="dondoc_bench") as url:
            await asyncio.to_thread(upgrade, url)
            await fill(url, assignments=assignments)
            report("postgres", await measure(url, runs=runs))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"postgres   skipped: {exc}")


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(f"/overdue at {args.assignments:,} assignments, {args.runs} runs per query")
    asyncio.run(run_sqlite(args.assignments, args.runs))
    asyncio.run(run_postgres(args.pg, args.assignments, args.runs))


if __name__ == "__main__":
    main()
