"""How fast is every dashboard page at 50,000 assignments? Prints p50/p95 on SQLite and
PostgreSQL.

    python -m bench.dashboard [--assignments 50000] [--runs 30] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Builds a throw-away store as bench.overdue does (120 agencies, plans of 500 tasks, lead
assignments in every status), then adds what the pages read: completion times, extensions,
sections, one status change per assignment and people at every agency. It serves the
dashboard on a local port, signs a coordinator in and times each page through HTTP, from
request to the last byte (queries, figures and rendering: the server's time plus a local
round trip). The target is p95 under 300 ms. CPU time is this process's (the server runs in
it), not the PostgreSQL server's.
"""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import asyncpg
import sqlalchemy as sa
from aiohttp import ClientSession, CookieJar

from bench.overdue import AGENCIES, AS_OF, fill
from bot.dashboard import DashboardConfig, serve_dashboard
from bot.http import HttpServer
from domain.access import Actor, Role
from domain.calendar import WorkCalendar
from models.db import make_engine
from models.migrate import upgrade
from models.tables import ChatIdentity, Person, StatusChange
from services.dashboard import auth
from services.file_links import FileLinks
from services.unit_of_work import make_sessionmaker, transaction
from tests.databases import throwaway_database

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 2, 0, tzinfo=UTC)
TARGET_MS = 300


async def enrich(url: str, *, assignments: int, seed: int = 11) -> None:
    """What the pages show beyond bench.overdue's rows."""
    rng = random.Random(seed)
    engine = make_engine(url)
    start = NOW - timedelta(days=300)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "UPDATE task SET section = 'Phần ' || CAST(id % 8 AS VARCHAR(4)) || "
                    "'. Nhiệm vụ và giải pháp'"
                )
            )
            # Work is completed around its deadline: some early, some late.
            done = (
                await connection.execute(
                    sa.text(
                        "SELECT assignment.id, task.due_date FROM assignment "
                        "JOIN task ON task.id = assignment.task_id WHERE status = 'done'"
                    )
                )
            ).all()
            await connection.execute(
                sa.text("UPDATE assignment SET completed_at = :at, progress = 100 WHERE id = :id"),
                [
                    {
                        "id": assignment_id,
                        "at": datetime.combine(
                            min(_day(due) or AS_OF, AS_OF) + timedelta(days=rng.randint(-30, 20)),
                            datetime.min.time(),
                        ),
                    }
                    for assignment_id, due in done
                ],
            )
            await connection.execute(
                sa.text(
                    "UPDATE assignment SET extended_due_date = :day, extension_count = 1 "
                    "WHERE id % 20 = 0"
                ),
                {"day": AS_OF + timedelta(days=45)},
            )
            await connection.execute(
                sa.insert(Person),
                [
                    {
                        "name": f"Cán bộ {n}",
                        "role": Role.OFFICER.value,
                        "locale": "vi",
                        "agency_id": n % AGENCIES + 1,
                        "active": True,
                        "created_at": start,
                    }
                    for n in range(2 * AGENCIES)
                ]
                + [
                    {
                        "name": "Điều phối viên",
                        "role": Role.COORDINATOR.value,
                        "locale": "vi",
                        "agency_id": None,
                        "active": True,
                        "created_at": start,
                    }
                ],
            )
            await connection.execute(
                sa.insert(ChatIdentity),
                [
                    {
                        "person_id": n + 1,
                        "channel": "telegram",
                        "chat_id": str(10_000 + n),
                        "created_at": start,
                    }
                    for n in range(2 * AGENCIES + 1)
                ],
            )
            changes = [
                {
                    "assignment_id": n + 1,
                    "person_id": rng.randint(1, 2 * AGENCIES),
                    "channel": "telegram",
                    "at": start + timedelta(minutes=rng.randint(0, 400_000)),
                    "from_status": "not_started",
                    "to_status": rng.choice(["in_progress", "blocked", "done"]),
                    "from_progress": 0,
                    "to_progress": 50,
                    "note": "Đã báo cáo" if n % 3 == 0 else None,
                    "undone": False,
                }
                for n in range(assignments)
            ]
            for first in range(0, len(changes), 10_000):
                await connection.execute(sa.insert(StatusChange), changes[first : first + 10_000])
        if url.startswith("postgresql"):
            async with engine.connect() as connection:
                await connection.execute(sa.text("COMMIT"))
                await connection.execute(sa.text("ANALYZE"))
    finally:
        await engine.dispose()


def _day(value: object) -> date | None:
    """A date column as read back (SQLite gives text through a raw statement)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


async def measure(
    url: str, *, runs: int, data_dir: Path
) -> dict[str, tuple[float, float, float, int]]:
    """p50 and p95 in milliseconds, the median CPU time and the page's size, per page."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    http = HttpServer(host="127.0.0.1", port=0)
    config = DashboardConfig(
        base_url="http://127.0.0.1/dashboard", data_dir=data_dir, tz=TZ, calendar=WorkCalendar()
    )
    serve_dashboard(http, sessions=sessions, config=config, clock=lambda: NOW)
    await http.start()
    results: dict[str, tuple[float, float, float, int]] = {}
    coordinator = Actor(
        person_id=2 * AGENCIES + 1,
        name="Điều phối viên",
        role=Role.COORDINATOR,
        agency_id=None,
        locale="vi",
    )
    try:
        async with transaction(sessions) as session:
            link = await auth.issue_link(
                session,
                actor=coordinator,
                now=NOW,
                links=FileLinks.of(data_dir),
                base_url=f"{http.url}/dashboard",
            )
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as client:
            # The link's button posts its fields back (bot.dashboard's sign-in page).
            fields = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
            async with client.post(f"{http.url}/dashboard/signin", data=fields) as response:
                assert response.status == 200, await response.text()
            pages = {
                "overview, this quarter": "/?period=2023-Q4",
                "overview, one plan": "/?period=2023-Q4&plan=3",
                "overview, the year": "/?period=2023",
                "agency": "/agency/8",
                "plan": "/plan/3",
                "task": "/task/1234",
                "pending (extensions)": "/pending",
                "agency .xlsx": "/agency/8?format=xlsx",
            }
            for label, path in pages.items():
                timings, cpu = [], []
                size = 0
                for _ in range(runs):
                    started, used = time.perf_counter(), time.process_time()
                    async with client.get(f"{http.url}/dashboard{path}") as response:
                        body = await response.read()
                        assert response.status == 200, (path, response.status)
                    timings.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - used) * 1000)
                    size = len(body)
                timings.sort()
                p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
                results[label] = (statistics.median(timings), p95, statistics.median(cpu), size)
    finally:
        await http.stop()
        await engine.dispose()
    return results


def report(store: str, results: dict[str, tuple[float, float, float, int]]) -> None:
    """Print one line per page."""
    for label, (p50, p95, cpu, size) in results.items():
        verdict = "ok" if p95 < TARGET_MS else "SLOW"
        figures = f"p50={p50:6.1f} ms  p95={p95:6.1f} ms  cpu p50={cpu:6.1f} ms"
        print(f"{store:10} {label:24} {size // 1024:5} KiB  {figures}  {verdict}")


async def run_sqlite(assignments: int, runs: int) -> None:
    """The benchmark on a temporary SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        await fill(url, assignments=assignments)
        await enrich(url, assignments=assignments)
        report("sqlite", await measure(url, runs=runs, data_dir=Path(folder)))


async def run_postgres(admin_dsn: str, assignments: int, runs: int) -> None:
    """The benchmark on a temporary PostgreSQL database (skipped if the server is down)."""
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with throwaway_database(admin_dsn=admin_dsn, prefix="dondoc_bench") as url:
                await asyncio.to_thread(upgrade, url)
                await fill(url, assignments=assignments)
                await enrich(url, assignments=assignments)
                report("postgres", await measure(url, runs=runs, data_dir=Path(folder)))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"postgres   skipped: {exc}")


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(f"dashboard pages at {args.assignments:,} assignments, {args.runs} runs per page")
    asyncio.run(run_sqlite(args.assignments, args.runs))
    asyncio.run(run_postgres(args.pg, args.assignments, args.runs))


if __name__ == "__main__":
    main()
