"""How fast the weekly summary is, with chart and spreadsheet: a big city (1,000 agencies)
or the nation (12,500).

Run: python -m bench.summary [--size city|national] [--agencies N] [--per-agency 10]
     [--runs 3] [--store sqlite|postgres|both] (prints figures; nothing is asserted).

The targets are under 3 s of CPU for the whole summary (queries, figures, text, chart and
spreadsheet) with 1,000 agencies, and under 20 s with 12,500. Each stage is timed --runs
times and its median printed with its CPU time and the load average. The items sheet
written by openpyxl's write-only mode (as it was before XlsxWriter) is timed beside.
Building the summary and the weekly job print this process's peak resident memory while
they ran and what they added to it.
The data goes into a throw-away SQLite file, or a throw-away database on the PostgreSQL
server at 127.0.0.1:5432.
"""

import argparse
import asyncio
import random
import tempfile
from collections.abc import Awaitable, Callable
from copy import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.fill import analyze
from bench.timing import (
    Runs,
    UnitCost,
    measured,
    peak_memory,
    print_unit_costs,
    repeated,
    timed_once,
)
from bot.runtime import freeze_startup_objects
from domain.status import Status
from models.db import make_engine
from models.migrate import upgrade
from models.tables import (
    Agency,
    Assignment,
    ChatIdentity,
    Occurrence,
    Person,
    Plan,
    StatusChange,
    Task,
)
from services.report_files import (
    PERCENT_COLUMN,
    item_rows,
    load_writers,
    write_chart,
    write_report_files,
    write_spreadsheet,
)
from services.summary import send_weekly_summaries
from services.summary_items import build_weekly_summary
from services.unit_of_work import Sessions, make_sessionmaker, transaction
from tests.databases import throwaway_database
from views.summary import render_summary_text

T = TypeVar("T")
AS_OF = datetime(2023, 6, 30, 10, 0, tzinfo=UTC)
STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED, Status.DONE, Status.CANCELLED]
WEIGHTS = [30, 30, 8, 30, 2]


async def _insert(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5_000):
        await session.exec(sa.insert(table), params=rows[start : start + 5_000])


async def populate(sessions: Sessions, *, agencies: int, per_agency: int) -> dict[str, int]:
    """A city of `agencies` agencies with `per_agency` lead assignments each, and history."""
    rng = random.Random(2023)
    now = AS_OF - timedelta(days=200)
    async with transaction(sessions) as session:
        await _insert(
            session,
            Agency,
            [
                {
                    "id": n,
                    "code": f"AG{n:05d}",
                    "name": f"Ủy ban nhân dân phường số {n} quận Hồng Bàng",
                    "kind": "ubnd-phuong",
                    "aliases": [],
                    "member_of": [],
                    "is_group": False,
                }
                for n in range(1, agencies + 1)
            ],
        )
        plans = max(1, agencies // 100)
        await _insert(
            session,
            Plan,
            [
                {
                    "id": p,
                    "source_key": f"{p}/KH-UBND",
                    "ref": f"{p}/KH-UBND",
                    "title": f"Kế hoạch số {p}",
                    "created_at": now,
                    "updated_at": now,
                }
                for p in range(1, plans + 1)
            ],
        )
        people = [
            {
                "id": n,
                "name": f"Cán bộ {n}",
                "role": "officer",
                "locale": "vi",
                "agency_id": n,
                "active": True,
                "created_at": now,
            }
            for n in range(1, agencies + 1)
        ]
        readers = [
            {
                "id": agencies + n,
                "name": f"Lãnh đạo {n}",
                "role": "leader" if n % 2 else "coordinator",
                "locale": "vi" if n % 3 else "en",
                "agency_id": None,
                "active": True,
                "created_at": now,
            }
            for n in range(1, 21)
        ]
        await _insert(session, Person, people + readers)
        await _insert(
            session,
            ChatIdentity,
            [
                {
                    "person_id": row["id"],
                    "channel": "telegram",
                    "chat_id": str(row["id"]),
                    "created_at": now,
                }
                for row in people + readers
            ],
        )
        tasks: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []
        occurrences: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        task_id = assignment_id = 0
        for agency in range(1, agencies + 1):
            for number in range(per_agency):
                task_id += 1
                recurring = number == 0
                due = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 300))
                tasks.append(
                    {
                        "id": task_id,
                        "plan_id": 1 + (agency - 1) % plans,
                        "code": f"{agency}.{number + 1}",
                        "title": f"Nhiệm vụ chuyển đổi số số {number + 1} của đơn vị {agency}",
                        "source_kind": "appendix-table",
                        "due_text": "Định kỳ hằng quý" if recurring else "Quý IV/2023",
                        "due_kind": "recurring" if recurring else "date",
                        "due_date": None if recurring else due,
                        "strictly_before": False,
                        "open_ended": False,
                        "recipients": [],
                        "problems": [],
                        "removed": False,
                    }
                )
                status = rng.choices(STATUSES, WEIGHTS)[0]
                assignment_id += 1
                assignments.append(
                    {
                        "id": assignment_id,
                        "task_id": task_id,
                        "agency_id": agency,
                        "role": "lead",
                        "status": status.value,
                        "progress": 100 if status is Status.DONE else rng.randrange(0, 90, 10),
                        "blocked_reason": "chưa có kinh phí" if status is Status.BLOCKED else None,
                    }
                )
                assignment_id += 1
                assignments.append(
                    {
                        "id": assignment_id,
                        "task_id": task_id,
                        "agency_id": 1 + agency % agencies,
                        "role": "cooperating",
                        "status": Status.NOT_STARTED.value,
                        "progress": 0,
                    }
                )
                lead_id = assignment_id - 1
                if recurring:
                    for quarter in (1, 2, 3):
                        occurrences.append(
                            {
                                "assignment_id": lead_id,
                                "period_label": f"2023-Q{quarter}",
                                "period_start": date(2023, 3 * quarter - 2, 1),
                                "period_end": date(2023, 3 * quarter, 28),
                                "due_date": date(2023, 3 * quarter, 20),
                                "status": rng.choice(STATUSES[:4]).value,
                                "progress": 0,
                            }
                        )
                    continue
                moment = AS_OF - timedelta(days=rng.randrange(1, 120), hours=rng.randrange(24))
                for step in range(rng.randrange(1, 5)):
                    changes.append(
                        {
                            "assignment_id": lead_id,
                            "person_id": agency,
                            "channel": "telegram",
                            "at": moment + timedelta(days=step * 3),
                            "from_status": Status.IN_PROGRESS.value if step else "not_started",
                            "to_status": status.value if step else Status.IN_PROGRESS.value,
                            "from_progress": 0,
                            "to_progress": 50,
                            "note": None,
                            "undone": False,
                        }
                    )
        await _insert(session, Task, tasks)
        await _insert(session, Assignment, assignments)
        await _insert(session, Occurrence, occurrences)
        await _insert(session, StatusChange, changes)
    return {
        "agencies": agencies,
        "lead assignments": len(assignments) // 2,
        "occurrences": len(occurrences),
        "status changes": len(changes),
    }


def _spreadsheet_with_openpyxl(summary: Any, path: Path) -> None:
    """The items sheet, the same values as write_spreadsheet's, written by openpyxl in its
    write-only mode, as the summary was before XlsxWriter: for comparison."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tổng hợp")
    template = WriteOnlyCell(sheet)
    template.alignment = Alignment(wrap_text=True, vertical="top")
    percent = WriteOnlyCell(sheet)
    percent.alignment = Alignment(wrap_text=True, vertical="top")
    percent.number_format = "0%"
    for values in item_rows(summary, locale="vi"):
        row = []
        for column, value in enumerate(values):
            cell = WriteOnlyCell(sheet, value=value)
            cell._style = copy((percent if column == PERCENT_COLUMN else template)._style)
            row.append(cell)
        sheet.append(row)
    workbook.save(path)


async def _stage(label: str, runs: int, work: Callable[[], Awaitable[T]]) -> tuple[T, Runs]:
    async def once() -> tuple[T, float, float]:
        return await measured(work())

    return await repeated(label, [once] * runs)


async def run(url: str, *, agencies: int, per_agency: int, out_dir: Path, runs: int) -> None:
    """Populate the migrated store, then time each stage of the summary `runs` times, and
    the weekly job once."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    target = 3_000 if agencies <= 1_000 else 20_000
    try:
        sizes, _ = await timed_once(
            "populate (not part of the target)",
            lambda: populate(sessions, agencies=agencies, per_agency=per_agency),
        )
        print("  " + ", ".join(f"{value:,} {name}" for name, value in sizes.items()))
        await analyze(engine)

        async def build() -> Any:
            async with sessions() as session:
                return await build_weekly_summary(session, as_of=AS_OF)

        with peak_memory() as built_memory:
            summary, built = await _stage("build_weekly_summary (queries + figures)", runs, build)
        print(built_memory.line("building the summary"))

        async def text() -> str:
            return render_summary_text(summary, locale="vi")

        message, texts = await _stage("render_summary_text", runs, text)

        async def chart() -> None:
            write_chart(summary, path=out_dir / "bench.png", locale="vi")

        async def sheet() -> None:
            write_spreadsheet(summary, path=out_dir / "bench.xlsx", locale="vi")

        _, charts = await _stage("write_chart (matplotlib)", runs, chart)
        _, sheets = await _stage("write_spreadsheet (XlsxWriter, constant memory)", runs, sheet)

        async def with_openpyxl() -> None:
            _spreadsheet_with_openpyxl(summary, out_dir / "openpyxl.xlsx")

        await _stage("  the items sheet alone by openpyxl (write-only)", runs, with_openpyxl)
        files, _ = await _stage(
            "write_report_files (chart + spreadsheet, in a thread)",
            runs,
            lambda: write_report_files(summary, out_dir=out_dir, stem="bench", locale="vi"),
        )
        wall = built.wall + texts.wall + charts.wall + sheets.wall
        cpu = built.cpu + texts.cpu + charts.cpu + sheets.cpu
        label = f"one summary, all stages (target < {target:,} ms cpu)"
        print(
            f"{label:<58} {wall * 1000:9.1f} ms wall {cpu * 1000:9.1f} ms cpu"
            "  (sum of the medians)"
        )
        print(
            f"  {len(summary.items):,} rows in the spreadsheet "
            f"({files.spreadsheet.stat().st_size / 1024:,.0f} KiB), "
            f"chart {files.chart.stat().st_size / 1024:,.0f} KiB, "
            f"text {len(message):,} characters"
        )
        with peak_memory() as weekly_memory:
            sent, weekly = await timed_once(
                "send_weekly_summaries (20 readers, 2 languages)",
                lambda: send_weekly_summaries(sessions, now=AS_OF, out_dir=out_dir),
            )
        print(f"  {sent} messages enqueued")
        print(weekly_memory.line("the weekly job (the summary built above still held)"))
        rows = len(summary.items)
        print_unit_costs(
            f"the weekly summary on {engine.dialect.name} for {agencies:,} agencies",
            [
                UnitCost("build_weekly_summary", built, rows, "item counted"),
                UnitCost("write_spreadsheet", sheets, rows, "row written"),
                UnitCost("write_chart", charts, agencies, "agency"),
                UnitCost("send_weekly_summaries", weekly, sent, "message"),
            ],
        )
    finally:
        await engine.dispose()


def main() -> None:
    """Parse the arguments and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=("city", "national"), default="city")
    parser.add_argument("--agencies", type=int, help="overrides --size")
    parser.add_argument("--per-agency", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="times each stage is timed")
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    agencies = args.agencies or (1_000 if args.size == "city" else 12_500)
    # As `dondoc run` does at start: the chart and spreadsheet libraries are loaded once, at
    # start-up, not by the first summary (and not inside its timing), then everything loaded
    # so far is frozen out of the garbage collector's way (bot.runtime), so that a full
    # collection during the summary walks what the summary made, not the imports' ~170,000
    # objects: the work measured as the service does it (bench.replies does the same).
    load_writers()
    freeze_startup_objects()

    async def on_postgres(folder: Path) -> None:
        async with throwaway_database(prefix="dondoc_bench") as url:
            await asyncio.to_thread(upgrade, url)
            await run(
                url, agencies=agencies, per_agency=args.per_agency, out_dir=folder, runs=args.runs
            )

    for store in ("sqlite", "postgres"):
        if args.store not in (store, "both"):
            continue
        with tempfile.TemporaryDirectory() as folder:
            print(f"\nstore: {store}, {agencies:,} agencies")
            if store == "postgres":
                asyncio.run(on_postgres(Path(folder)))
                continue
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            upgrade(url)
            asyncio.run(
                run(
                    url,
                    agencies=agencies,
                    per_agency=args.per_agency,
                    out_dir=Path(folder),
                    runs=args.runs,
                )
            )


if __name__ == "__main__":
    main()
