"""How much memory `dondoc run` holds at its highest, at a city's or the nation's scale.

    python -m bench.run_memory [--size 50k|national] [--store sqlite|postgres]

The issue's target: peak resident memory of `dondoc run` under 300 MB at the national scale.
Each workload runs in a process of its own started the way `dondoc run` starts
(bot.bootstrap.build from the settings, the Telegram channel loaded and polling a fake Bot
API, the HTTP server answering), with the store of the benchmark that times that work:

- reminders: bench.sweep's store (national: 200,000 assignments on SQLite, 1,000,000 on
  PostgreSQL; 12,500 agencies), then the first sweep ever (every target new: the largest
  write a store ever sees), the next working day's first sweep, and the escalation pass;
- summary: bench.summary's store (national: 12,500 agencies, 137,500 items), then the weekly
  job (figures, chart, spreadsheet, a message to each of the readers).

The jobs are called as the scheduler calls them (scheduler.jobs), at the benchmark's dates;
the outbox dispatcher is off, so what they queue stays in the store. After each step the
process prints its peak resident memory so far (VmHWM) and what it holds now (VmRSS).
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from bench.startup import _fake, _free_port
from bench.timing import load_average
from models.migrate import upgrade
from tests.fakes import telegram_api

ROOT = Path(__file__).resolve().parents[1]
TARGET_MIB = 300


def _status(field: str) -> int:
    """A field of /proc/self/status in bytes (VmHWM: the peak resident memory so far)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def _report(step: str) -> None:
    mib = 2**20
    print(
        json.dumps({"step": step, "peak": _status("VmHWM") / mib, "now": _status("VmRSS") / mib}),
        flush=True,
    )


async def _child(workload: str) -> None:
    """Start the service as `dondoc run` does, then run the workload's jobs, reporting."""
    from bot.bootstrap import build
    from bot.settings import Settings
    from scheduler.jobs import run_escalation, run_sweep, run_weekly_summary

    if workload == "reminders":
        from bench.sweep import MONDAY, TUESDAY

        now = MONDAY
        steps: list[tuple[str, Callable[..., Awaitable[object]], dict[str, object]]] = [
            ("first sweep ever", run_sweep, {"now": MONDAY}),
            ("next working day's first sweep", run_sweep, {"now": TUESDAY}),
            ("escalation", run_escalation, {"now": TUESDAY + timedelta(hours=1)}),
        ]
    else:
        from bench.summary import AS_OF

        now = AS_OF
        steps = [("weekly summary job", run_weekly_summary, {"now": AS_OF})]
    clock_now: list[datetime] = [now]
    settings = Settings()
    async with build(settings, clock=lambda: clock_now[0], schedule=False, dispatch=False) as (
        service
    ):
        _report("ready")
        for label, job, arguments in steps:
            clock_now[0] = arguments["now"]  # type: ignore[assignment]
            await job(service.app, **arguments)
            _report(label)


async def _populate(workload: str, url: str, *, national: bool, postgres: bool) -> None:
    from bench.fill import analyze
    from models.db import make_engine
    from services.unit_of_work import make_sessionmaker

    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        if workload == "reminders":
            from bench.sweep import SIZES, Size, populate

            assignments = SIZES["national" if national else "50k"][1 if postgres else 0]
            sizes = await populate(sessions, size=Size.of(assignments))
        else:
            from bench.summary import populate as populate_summary

            sizes = await populate_summary(
                sessions, agencies=12_500 if national else 1_000, per_agency=11
            )
        await analyze(engine)
        print("  store: " + ", ".join(f"{value:,} {name}" for name, value in sizes.items()))
    finally:
        await engine.dispose()


def _measure(workload: str, url: str, api: str, folder: str) -> list[dict[str, float | str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    env.update(
        DONDOC_DATABASE_URL=url,
        DONDOC_DATA_DIR=folder,
        DONDOC_TELEGRAM_TOKEN=telegram_api.DEFAULT_TOKEN,
        DONDOC_TELEGRAM_API_BASE=api,
        DONDOC_HTTP_PORT=str(_free_port()),
    )
    run = subprocess.run(
        [sys.executable, "-m", "bench.run_memory", "--child", workload],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3 * 3600,
    )
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-4000:])
    return [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]


async def _database(postgres: bool, folder: str, workload: str) -> tuple[str, str | None]:
    if not postgres:
        return f"sqlite+aiosqlite:///{Path(folder) / f'{workload}.db'}", None
    from tests.databases import create_database, database_url

    name = await create_database(prefix="dondoc_bench_memory")
    return database_url(name), name


def main() -> None:
    """Populate each workload's store, then run it in a process of its own; print the peaks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("50k", "national"), default="national")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workload", choices=("reminders", "summary"), action="append")
    parser.add_argument("--child", choices=("reminders", "summary"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(_child(args.child))
        return
    postgres = args.store == "postgres"
    api, base = _fake("tests.fakes.telegram_api")
    try:
        for workload in args.workload or ["reminders", "summary"]:
            with tempfile.TemporaryDirectory() as folder:
                url, database = asyncio.run(_database(postgres, folder, workload))
                try:
                    upgrade(url)
                    print(f"{workload} on {args.store}, {args.size}:")
                    asyncio.run(
                        _populate(
                            workload, url, national=args.size == "national", postgres=postgres
                        )
                    )
                    load = load_average()
                    for report in _measure(workload, url, base, folder):
                        verdict = "" if report["peak"] < TARGET_MIB else "  (over the target)"
                        print(
                            f"  {report['step']:<34} peak {report['peak']:6.0f} MiB"
                            f"  now {report['now']:6.0f} MiB{verdict}"
                        )
                    print(f"  load average {load:.2f}; target: peak under {TARGET_MIB} MiB")
                finally:
                    if database is not None:
                        from tests.databases import drop_database

                        asyncio.run(drop_database(database))
    finally:
        api.terminate()
        api.wait(timeout=10)


if __name__ == "__main__":
    main()
