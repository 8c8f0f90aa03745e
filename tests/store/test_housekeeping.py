"""Housekeeping forgets handled-update records once no channel can redeliver their update,
and report files once their links have long expired."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.bootstrap import App
from bot.settings import load_settings
from models.tables import HandledUpdate
from scheduler.jobs import run_housekeeping
from services.housekeeping import (
    REPORT_FILE_RETENTION,
    prune_handled_updates,
    refresh_statistics,
)
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES

pytestmark = BOTH_STORES
NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)


async def test_records_older_than_a_week_are_forgotten_and_newer_ones_kept(
    sessions: Sessions,
) -> None:
    ages = {"eight-days": 8, "seven-days-and-a-minute": 7, "six-days": 6, "today": 0}
    async with transaction(sessions) as session:
        await session.exec(
            sa.insert(HandledUpdate),
            params=[
                {"source_id": name, "at": NOW - timedelta(days=days, minutes=1 if days else 0)}
                for name, days in ages.items()
            ],
        )
    assert await prune_handled_updates(sessions, now=NOW) == 2
    async with sessions() as session:
        kept = (await session.exec(select(col(HandledUpdate.source_id)))).all()
    assert sorted(kept) == ["six-days", "today"]
    assert await prune_handled_updates(sessions, now=NOW) == 0


async def test_statistics_are_gathered_on_sqlite_and_left_to_autovacuum_on_postgres(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    async with transaction(sessions) as session:
        await session.exec(
            sa.insert(HandledUpdate),
            params=[{"source_id": f"update-{n}", "at": NOW} for n in range(50)],
        )
    gathered = await refresh_statistics(engine)
    assert gathered == (engine.dialect.name == "sqlite")
    if not gathered:
        return
    async with engine.connect() as connection:
        stats = await connection.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'handledupdate'"
        )
        # "rows per table, then per index column": SQLite now knows the table's size.
        assert [row[0].split()[0] for row in stats.all()] == ["50"]


async def test_the_housekeeping_job_also_deletes_report_files_past_their_links(
    engine: AsyncEngine, sessions: Sessions, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    old = data / "weekly-2023-W30-all-vi.png"
    recent = data / "weekly-2023-W47-all-vi.png"
    for path, age in ((old, REPORT_FILE_RETENTION + timedelta(days=1)), (recent, timedelta())):
        path.write_bytes(b"\x89PNG")
        stamp = (NOW - age).timestamp()
        os.utime(path, (stamp, stamp))
    settings = load_settings(_env_file=None, data_dir=str(data))
    app = App(settings=settings, engine=engine, sessions=sessions)
    await run_housekeeping(app, now=NOW)
    assert [p.name for p in data.iterdir()] == [recent.name]
