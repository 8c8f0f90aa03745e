"""How fast the weekly summary is for a big city: 1,000 agencies, with chart and spreadsheet.

Run: python bench/summary.py [--agencies 1000] [--per-agency 10] [--url DATABASE_URL]
(prints figures; nothing is asserted). The target is under 5 s for the whole summary
(queries, figures, text, chart and spreadsheet) with 1,000 agencies. Without --url the data
goes into a throw-away SQLite file; a PostgreSQL URL must point at an empty database.
"""

import argparse
import asyncio
import random
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.timing import measured
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
from services.report_files import load_writers, write_report_files
from services.summary import build_weekly_summary, send_weekly_summaries
from services.unit_of_work import Sessions, make_sessionmaker, transaction
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


async def _timed(label: str, work: Callable[[], Awaitable[T]]) -> tuple[T, float, float]:
    result, elapsed, cpu = await measured(work())
    print(f"{label:<52} {elapsed * 1000:9.1f} ms  (CPU {cpu * 1000:7.1f} ms)")
    return result, elapsed, cpu


async def run(url: str, *, agencies: int, per_agency: int, out_dir: Path) -> None:
    """Populate the migrated store, then time each stage of the summary and the weekly job."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        sizes, _, _ = await _timed(
            "populate (not part of the target)",
            lambda: populate(sessions, agencies=agencies, per_agency=per_agency),
        )
        print("  " + ", ".join(f"{value:,} {name}" for name, value in sizes.items()))

        async def build() -> Any:
            async with sessions() as session:
                return await build_weekly_summary(session, as_of=AS_OF)

        summary, t_build, c_build = await _timed("build_weekly_summary (queries + figures)", build)

        async def text() -> str:
            return render_summary_text(summary, locale="vi")

        message, t_text, c_text = await _timed("render_summary_text", text)
        files, t_files, c_files = await _timed(
            "write_report_files (chart + spreadsheet)",
            lambda: write_report_files(summary, out_dir=out_dir, stem="bench", locale="vi"),
        )
        total, cpu = t_build + t_text + t_files, c_build + c_text + c_files
        print(
            f"{'one summary, all stages (target < 5,000 ms)':<52} {total * 1000:9.1f} ms"
            f"  (CPU {cpu * 1000:7.1f} ms)"
        )
        print(
            f"  {len(summary.items):,} rows in the spreadsheet "
            f"({files.spreadsheet.stat().st_size / 1024:,.0f} KiB), "
            f"chart {files.chart.stat().st_size / 1024:,.0f} KiB, "
            f"text {len(message):,} characters"
        )
        sent, _, _ = await _timed(
            "send_weekly_summaries (20 readers, 2 languages)",
            lambda: send_weekly_summaries(sessions, now=AS_OF, out_dir=out_dir),
        )
        print(f"  {sent} messages enqueued")
    finally:
        await engine.dispose()


def main() -> None:
    """Parse the arguments and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agencies", type=int, default=1000)
    parser.add_argument("--per-agency", type=int, default=10)
    parser.add_argument("--url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    # As `dondoc run` does at start: the chart and spreadsheet libraries are loaded once, at
    # start-up, not by the first summary (and not inside its timing).
    load_writers()
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        asyncio.run(
            run(url, agencies=args.agencies, per_agency=args.per_agency, out_dir=Path(folder))
        )


if __name__ == "__main__":
    main()
