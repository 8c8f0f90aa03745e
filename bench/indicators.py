"""Indicators at city scale: a checkpoint's reminders and /chitieu over 5,000 indicators.

    python -m bench.indicators [--indicators 5000] [--agencies 1000] [--runs 5] [--lists 100]
                               [--postgres]

Builds a throw-away store (a temp SQLite file; with --postgres a temp database on the server
at 127.0.0.1:5432) with 1,000 agencies of one officer each, five plans of 2023 and 5,000
indicators, each led by one agency (a third with a second owner), a fifth of them already
reported for "6 tháng". Then, at Thursday 15/06/2023 09:00, three working days before the
6-month figures are due:

- the day's first sweep, which asks every owner for its unreported figures (4,000 items in
  1,000 messages) through the reminder ledger and the outbox: timed --runs times, each on a
  fresh copy of the store, the median printed; the target is the sweep's, under 1 s;
- the same sweep a minute later (everything already asked: the steady state);
- /chitieu for every indicator as a coordinator reads it (the service and the message's
  text), and as an officer reads theirs: --lists runs each, p50/p95; the target is p95
  under 100 ms.

Figures are printed, nothing is asserted; CPU time is printed beside the wall clock, since a
shared machine's load distorts the latter.
"""

import argparse
import asyncio
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.timing import measured
from domain.access import Actor, Role
from domain.calendar import WorkCalendar
from domain.reminders import OfficeHours
from locales import gettext_for
from models.db import make_engine
from models.migrate import upgrade
from models.tables import (
    Agency,
    ChatIdentity,
    Indicator,
    IndicatorOwner,
    IndicatorValue,
    Person,
    Plan,
)
from services.indicators.queries import indicator_list
from services.reminders.load import ReminderSettings
from services.reminders.sweep import sweep
from services.unit_of_work import make_sessionmaker
from tests.databases import create_database, database_url, drop_database
from views.indicator_lists import list_text

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
THURSDAY = datetime(2023, 6, 15, 9, 0, tzinfo=HANOI)
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
PLANS = 5
_UNITS = (
    ("%", "≥ 95", "level"),
    ("Tỷ đồng", "1.250", "cumulative"),
    ("1.000 lượt", "> 730", "cumulative"),
)


async def _insert(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5_000):
        await connection.execute(sa.insert(table), rows[start : start + 5_000])


async def fill(url: str, *, indicators: int, agencies: int) -> None:
    """Agencies with one officer each, plans of 2023, indicators, some figures."""
    rng = random.Random(2023)
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await _insert(
                connection,
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
                connection,
                Person,
                [
                    {
                        "id": n,
                        "name": f"Cán bộ {n}",
                        "role": Role.OFFICER.value,
                        "locale": "vi",
                        "agency_id": n,
                        "active": True,
                        "created_at": EPOCH,
                    }
                    for n in range(1, agencies + 1)
                ]
                + [
                    {
                        "id": agencies + 1,
                        "name": "Điều phối viên",
                        "role": Role.COORDINATOR.value,
                        "locale": "vi",
                        "agency_id": None,
                        "active": True,
                        "created_at": EPOCH,
                    }
                ],
            )
            await _insert(
                connection,
                ChatIdentity,
                [
                    {
                        "person_id": n,
                        "channel": "telegram",
                        "chat_id": str(100_000 + n),
                        "created_at": EPOCH,
                    }
                    for n in range(1, agencies + 2)
                ],
            )
            await _insert(
                connection,
                Plan,
                [
                    {
                        "id": p,
                        "source_key": f"{p}/CT-UBND",
                        "ref": f"{p}/CT-UBND",
                        "title": f"Chỉ thị số {p}",
                        "plan_year": 2023,
                        "created_at": EPOCH,
                        "updated_at": EPOCH,
                    }
                    for p in range(1, PLANS + 1)
                ],
            )
            rows, owners, values = [], [], []
            for n in range(1, indicators + 1):
                unit, target, accumulation = _UNITS[n % len(_UNITS)]
                low = {"≥ 95": "95", "1.250": "1250", "> 730": "730"}[target]
                rows.append(
                    {
                        "id": n,
                        "plan_id": 1 + n % PLANS,
                        "key": f"PL3.{n}",
                        "table_prefix": "PL3",
                        "table_title": "PHỤ LỤC 3",
                        "group_name": f"{'I' * (1 + n % 3)}. Nhóm {n % 3}",
                        "number": str(n),
                        "position": n,
                        "name": f"Chỉ tiêu số {n} về chuyển đổi số của thành phố",
                        "year": 2023,
                        "unit_text": unit,
                        "unit_base": unit.replace("1.000 ", "").lower(),
                        "unit_scale": "1000" if unit.startswith("1.000") else "1",
                        "target_text": target,
                        "comparison": {"≥ 95": "at-least", "1.250": "plain", "> 730": "more-than"}[
                            target
                        ],
                        "target_low": low,
                        "target_high": low if target == "1.250" else None,
                        "direction": "higher",
                        "direction_inferred": False,
                        "accumulation": accumulation,
                        "accumulation_inferred": True,
                        "is_heading": False,
                        "owner_text": "",
                        "unresolved_owners": [],
                        "notes": [],
                        "created_at": EPOCH,
                        "updated_at": EPOCH,
                    }
                )
                lead = 1 + n % agencies
                owners.append(
                    {"indicator_id": n, "agency_id": lead, "position": 0, "inherited": False}
                )
                if n % 3 == 0 and (n * 7) % agencies != n % agencies:
                    owners.append(
                        {
                            "indicator_id": n,
                            "agency_id": 1 + (n * 7) % agencies,
                            "position": 1,
                            "inherited": False,
                        }
                    )
                if n % 5 == 0:
                    figure = Decimal(low) * Decimal(rng.choice(["0.4", "0.5", "0.9", "1.1"]))
                    values.append(
                        {
                            "indicator_id": n,
                            "checkpoint_key": "2023-06M",
                            "kind": "value",
                            "value": str(figure),
                            "estimate": False,
                            "written": str(figure),
                            "on_behalf": False,
                            "channel": "telegram",
                            "reported_by_id": lead,
                            "reported_at": EPOCH,
                            "undone": False,
                        }
                    )
            await _insert(connection, Indicator, rows)
            await _insert(connection, IndicatorOwner, owners)
            await _insert(connection, IndicatorValue, values)
    finally:
        await engine.dispose()


SETTINGS = ReminderSettings(hours=OfficeHours(WorkCalendar(), tz=HANOI))


async def time_sweeps(url: str) -> tuple[tuple[float, float], tuple[float, float], int, int]:
    """(wall, cpu) of the day's first sweep and of the next one, items and messages."""
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        first, wall, cpu = await measured(sweep(sessions, settings=SETTINGS, now=THURSDAY))
        again, wall2, cpu2 = await measured(
            sweep(sessions, settings=SETTINGS, now=THURSDAY.replace(minute=1))
        )
        assert again.messages == 0, again
        return (wall, cpu), (wall2, cpu2), first.reminders, first.messages
    finally:
        await engine.dispose()


async def time_lists(url: str, *, runs: int) -> dict[str, tuple[float, float, float]]:
    """p50, p95 and CPU p50 (ms) of /chitieu for a coordinator (all) and an officer."""
    engine = make_engine(url)
    calendar = WorkCalendar()
    _ = gettext_for("vi")
    found: dict[str, tuple[float, float, float]] = {}
    try:
        sessions = make_sessionmaker(engine)
        for label, actor in (
            ("coordinator, all", Actor(0, "Điều phối", Role.COORDINATOR, None, "vi")),
            ("officer, theirs", Actor(7, "Cán bộ", Role.OFFICER, 7, "vi")),
        ):
            walls, cpus = [], []
            for _run in range(runs):
                started, used = time.perf_counter(), time.process_time()
                async with sessions() as session:
                    listed = await indicator_list(
                        session, actor=actor, scope=None, today=THURSDAY.date(), calendar=calendar
                    )
                list_text(
                    listed.lines,
                    listed.counts,
                    scope=listed.scope,
                    owner=listed.mine,
                    locale="vi",
                    _=_,
                    total=listed.total,
                )
                walls.append((time.perf_counter() - started) * 1000)
                cpus.append((time.process_time() - used) * 1000)
            walls.sort()
            p95 = walls[max(0, int(len(walls) * 0.95) - 1)]
            found[f"{label} ({listed.total})"] = (
                statistics.median(walls),
                p95,
                statistics.median(cpus),
            )
    finally:
        await engine.dispose()
    return found


async def run(args: argparse.Namespace) -> None:
    """Fill a store, then time the sweeps and the lists."""
    kind = "postgres" if args.postgres else "sqlite"
    folder = Path(tempfile.mkdtemp())
    names: list[str] = []
    try:
        if args.postgres:
            template = await create_database(prefix="dondoc_bench")
            names.append(template)
            url = database_url(template)
        else:
            url = f"sqlite+aiosqlite:///{folder / 'template.db'}"
        await asyncio.to_thread(upgrade, url)
        await fill(url, indicators=args.indicators, agencies=args.agencies)
        firsts, agains = [], []
        items = messages = 0
        for n in range(args.runs):
            if args.postgres:
                copy = await create_database(prefix="dondoc_bench", template=template)
                names.append(copy)
                copy_url = database_url(copy)
            else:
                path = folder / f"copy-{n}.db"
                shutil.copyfile(folder / "template.db", path)
                copy_url = f"sqlite+aiosqlite:///{path}"
            first, again, items, messages = await time_sweeps(copy_url)
            firsts.append(first)
            agains.append(again)
        print(
            f"{kind:9} day's first sweep: {items:,} indicator items in {messages:,} messages  "
            f"wall p50={statistics.median(w for w, _ in firsts) * 1000:7.1f} ms  "
            f"cpu p50={statistics.median(c for _, c in firsts) * 1000:7.1f} ms  "
            f"{'ok' if statistics.median(w for w, _ in firsts) < 1 else 'SLOW'}"
        )
        print(
            f"{kind:9} next sweep (nothing new):                          "
            f"wall p50={statistics.median(w for w, _ in agains) * 1000:7.1f} ms  "
            f"cpu p50={statistics.median(c for _, c in agains) * 1000:7.1f} ms"
        )
        for label, (p50, p95, cpu) in (await time_lists(url, runs=args.lists)).items():
            verdict = "ok" if p95 < 100 else "SLOW"
            print(
                f"{kind:9} /chitieu {label:26} p50={p50:6.1f} ms  p95={p95:6.1f} ms  "
                f"cpu p50={cpu:6.1f} ms  {verdict}"
            )
    finally:
        for name in reversed(names):
            await drop_database(name)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=5_000)
    parser.add_argument("--agencies", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lists", type=int, default=100)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{args.indicators:,} indicators, {args.agencies:,} agencies; "
        f"{args.runs} sweeps, {args.lists} lists each"
    )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
