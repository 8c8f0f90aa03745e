"""How fast are the official statistics? /thongke for a year (and this quarter, what it
asks unless told) at 50,000 assignments (target p95 under 50 ms) or national size (200,000
on SQLite, 1,000,000 on PostgreSQL: under 200 ms), and the period report with its
spreadsheet for 1,000 agencies (under 5 s), on SQLite and PostgreSQL, with the load average
beside each figure and the plans of what /thongke reads.

    python -m bench.statistics [--size 50k|national] [--assignments N] [--runs 100]
        [--store sqlite|postgres|both] [--no-report] [--agencies 1000] [--per-agency 10]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres]

The stores are the ones bench.overdue (lead assignments, 80 an agency) and bench.summary
(1,000 agencies with tasks, recurring reports and history) build, in throw-away SQLite files
and PostgreSQL databases; then the finished work gets a completion time around its deadline
(some late) and one task in ten an approved extension. The /thongke timing covers what the
command does: the query, the four buckets, the ranking and the text. CPU time is printed
beside the wall clock (it counts this process, not the PostgreSQL server).
"""

import argparse
import asyncio
import random
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import sqlalchemy as sa
from sqlmodel import col

from bench import overdue, summary
from bench.fill import statistics_set_aside
from bench.plans import captured, explain, print_plans
from bench.timing import measured, repeated
from domain.access import Actor, Role
from domain.statistics import Period, quarter_of, year_period
from locales import gettext_for
from models.db import make_engine
from models.migrate import upgrade
from models.tables import Assignment, Occurrence, Task
from services import queries
from services.report_files import load_writers
from services.statistics import period_report, statistics_reply
from services.statistics_files import write_period_workbook
from services.unit_of_work import make_sessionmaker
from tests.databases import throwaway_database
from views.statistics import render_statistics

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
READER = Actor(person_id=1, name="bench", role=Role.COORDINATOR, agency_id=None, locale="vi")


async def complete(url: str, *, as_of: date, seed: int = 11) -> int:
    """Give finished work a completion time near its deadline (a third late), and before
    `as_of` (work due later finished up to two months before it), and one dated task in ten
    an approved extension of a month; returns the rows changed."""
    rng = random.Random(seed)
    engine = make_engine(url)
    postgres = url.startswith("postgresql")
    try:
        async with engine.begin() as connection:
            direct = (
                await connection.execute(
                    sa.select(col(Assignment.id), col(Assignment.status), col(Task.due_date)).join(
                        Task, col(Task.id) == col(Assignment.task_id)
                    )
                )
            ).all()
            periods = (
                await connection.execute(
                    sa.select(col(Occurrence.id), col(Occurrence.status), col(Occurrence.due_date))
                )
            ).all()
            # Setting up, not measured: each row counted out and in again would take minutes
            # at a million on PostgreSQL.
            async with statistics_set_aside(
                connection, ("assignment", "occurrence"), ("update_leave", "update_enter")
            ):
                for key, rows in ((col(Assignment.id), direct), (col(Occurrence.id), periods)):
                    values = [
                        _values(rng, found, status, due, as_of) for found, status, due in rows
                    ]
                    if values:
                        await connection.execute(
                            sa.update(key.table)
                            .where(key == sa.bindparam("key"))
                            .values(
                                completed_at=sa.bindparam("completed"),
                                extended_due_date=sa.bindparam("extended"),
                                extension_count=sa.bindparam("extensions"),
                            ),
                            values,
                        )
        if postgres:
            async with engine.connect() as connection:
                await connection.execute(sa.text("COMMIT"))
                await connection.execute(sa.text("ANALYZE"))
        return len(direct) + len(periods)
    finally:
        await engine.dispose()


def _values(
    rng: random.Random, key: int, status: str, due: date | None, as_of: date
) -> dict[str, Any]:
    extended = due + timedelta(days=30) if due is not None and rng.random() < 0.1 else None
    completed = None
    if status == "done":
        day = (due or date(2023, 6, 1)) + timedelta(days=rng.randint(-60, 30))
        if day >= as_of:
            day = as_of - timedelta(days=rng.randint(1, 60))
        completed = datetime.combine(day, time(3), tzinfo=UTC)
    return {
        "key": key,
        "completed": completed,
        "extended": extended,
        "extensions": 1 if extended else 0,
    }


async def time_thongke(url: str, *, runs: int, assignments: int) -> None:
    """/thongke năm (all agencies and one) and /thongke for this quarter: p50 and p95 over
    `runs` answers, with the load average and the plans of the statements each answer ran."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    _ = gettext_for("vi")
    target = 50 if assignments <= 50_000 else 200
    plans: list[str] = []
    try:
        async with sessions() as session:
            scope = await queries.resolve_scope(session, text="A00007")
        assert scope is not None
        asked = (
            ("year, all agencies", None, year_period(2023)),
            ("year, one agency", scope, year_period(2023)),
            # What /thongke asks unless told: this quarter.
            ("quarter, all agencies", None, quarter_of(overdue.AS_OF)),
        )
        for label, chosen, period in asked:

            async def once(
                chosen: Any = chosen, period: Period = period
            ) -> tuple[Any, float, float]:
                async with sessions() as session:
                    return await measured(_answer(session, chosen, period, _))

            with captured(engine) as statements:
                (found, _text), _wall, _cpu = await once()
            plans.append(f"  /thongke, {label}:")
            plans += await explain(engine, statements)
            (found, text), figures = await repeated(label, [once] * runs)
            assert text
            walls = sorted(figures.walls)
            p95 = walls[max(0, int(len(walls) * 0.95) - 1)] * 1000
            counted = found.overall.extended.total
            print(
                f"  /thongke {label:22} counted={counted:7}  p50={figures.wall * 1000:6.1f}"
                f" ms  p95={p95:6.1f} ms  cpu p50={figures.cpu * 1000:6.1f} ms"
                f"  load {min(figures.loads):.2f}-{max(figures.loads):.2f}"
                f"  {'ok' if p95 < target else 'SLOW'}"
            )
    finally:
        await engine.dispose()
    print_plans(f"/thongke at {assignments:,} assignments", plans)


async def _answer(session: Any, scope: Any, period: Period, _: Any) -> tuple[Any, str]:
    found = await statistics_reply(
        session,
        actor=READER,
        period=period,
        as_of=overdue.AS_OF,
        tz=HANOI,
        scope=scope,
    )
    return found, render_statistics(found, locale="vi", _=_)


async def time_report(url: str, *, out_dir: Path) -> None:
    """The period report for the year, then its spreadsheet: one timing, two stages."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    period = Period(date(2023, 1, 1), date(2023, 12, 31))
    try:

        async def build() -> Any:
            async with sessions() as session:
                return await period_report(
                    session,
                    actor=READER,
                    period=period,
                    as_of=summary.AS_OF.astimezone(HANOI).date(),
                    tz=HANOI,
                )

        report, t_build, c_build = await measured(build())
        path = out_dir / "bao-cao-nam.xlsx"

        async def write() -> None:
            await asyncio.to_thread(write_period_workbook, report, path=path, locale="vi")

        _none, t_write, c_write = await measured(write())
        lines = sum(len(found) for found in report.lines.values())
        total = t_build + t_write
        verdict = "ok" if total < 5 else "SLOW"
        print(
            f"  report period: query {t_build * 1000:7.1f} ms (cpu {c_build * 1000:7.1f}),"
            f" spreadsheet {t_write * 1000:7.1f} ms (cpu {c_write * 1000:7.1f}),"
            f" total {total * 1000:7.1f} ms  {verdict}"
        )
        print(
            f"  {len(report.figures.statistics.by_agency):,} agencies ranked, {lines:,} rows,"
            f" {path.stat().st_size / 1024:,.0f} KiB"
        )
    finally:
        await engine.dispose()


async def run_store(url: str, *, assignments: int, runs: int) -> None:
    """/thongke on a store of `assignments` at `url` (migrated, empty)."""
    await overdue.fill(url, assignments=assignments)
    await complete(url, as_of=overdue.AS_OF)
    await time_thongke(url, runs=runs, assignments=assignments)


async def run_report(url: str, *, agencies: int, per_agency: int, out_dir: Path) -> None:
    """The period report on a store of `agencies` agencies at `url` (migrated, empty)."""
    engine = make_engine(url)
    try:
        await summary.populate(make_sessionmaker(engine), agencies=agencies, per_agency=per_agency)
    finally:
        await engine.dispose()
    await complete(url, as_of=summary.AS_OF.astimezone(HANOI).date())
    await time_report(url, out_dir=out_dir)


async def main_async(args: argparse.Namespace) -> None:
    """The benchmarks on SQLite, then on PostgreSQL if the server answers."""
    on_sqlite, on_postgres = overdue.SIZES[args.size]
    if args.assignments:
        on_sqlite = on_postgres = args.assignments
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if args.store in ("sqlite", "both"):
            print(f"sqlite: /thongke at {on_sqlite:,} assignments, {args.runs} runs")
            url = f"sqlite+aiosqlite:///{root / 'thongke.db'}"
            await asyncio.to_thread(upgrade, url)
            await run_store(url, assignments=on_sqlite, runs=args.runs)
            if args.report:
                print(f"sqlite: the period report for {args.agencies:,} agencies")
                url = f"sqlite+aiosqlite:///{root / 'report.db'}"
                await asyncio.to_thread(upgrade, url)
                await run_report(
                    url, agencies=args.agencies, per_agency=args.per_agency, out_dir=root
                )
        if args.store == "sqlite":
            return
        try:
            print(f"postgres: /thongke at {on_postgres:,} assignments, {args.runs} runs")
            async with throwaway_database(admin_dsn=args.pg, prefix="dondoc_bench") as url:
                await asyncio.to_thread(upgrade, url)
                await run_store(url, assignments=on_postgres, runs=args.runs)
            if args.report:
                print(f"postgres: the period report for {args.agencies:,} agencies")
                async with throwaway_database(admin_dsn=args.pg, prefix="dondoc_bench") as url:
                    await asyncio.to_thread(upgrade, url)
                    await run_report(
                        url, agencies=args.agencies, per_agency=args.per_agency, out_dir=root
                    )
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"postgres skipped: {exc}")


def main() -> None:
    """Parse the arguments and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(overdue.SIZES), default="50k")
    parser.add_argument("--assignments", type=int, help="overrides --size on both stores")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--no-report", dest="report", action="store_false", help="time /thongke only"
    )
    parser.add_argument("--agencies", type=int, default=1000)
    parser.add_argument("--per-agency", type=int, default=10)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    # As `dondoc run` does at start: openpyxl is loaded before, not inside, the timing.
    load_writers()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
