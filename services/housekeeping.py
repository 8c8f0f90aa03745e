"""Forgetting what the store no longer needs to remember.

A handled-update record exists only so that a redelivered update is not answered twice.
Telegram keeps an undelivered update for at most 24 hours and retries a webhook within
that time (https://core.telegram.org/bots/api#getting-updates); Zalo's retries are shorter.
A week of records is therefore plenty, and without pruning the table grows by one row for
every message anyone ever sent the bot.

SQLite's query planner also needs to be told how big the tables have grown, which
PostgreSQL's autovacuum does by itself.

The weekly summaries' charts and spreadsheets pile up in the data directory, a few files a
week per scope and language, for years. Once their links have expired and their messages
are long sent, nothing reads them, and the store can draw them again.
"""

import os
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from models.tables import HandledUpdate
from services.file_links import LINK_LIFETIME
from services.report_files import PARTIAL_FILE_NAME
from services.summary import REPORT_FILE_NAME
from services.unit_of_work import Sessions, transaction

HANDLED_UPDATE_RETENTION = timedelta(days=7)
# Two weeks past the last day their links work.
REPORT_FILE_RETENTION = LINK_LIFETIME + timedelta(days=14)
# A writer that died mid-file left its .part a day ago at least.
_PARTIAL_RETENTION = timedelta(days=1)
# Rows SQLite's ANALYZE samples per index: enough for the planner's choices, and quick
# however large the store has grown (https://sqlite.org/lang_analyze.html#approx).
ANALYSIS_LIMIT = 1000


async def prune_handled_updates(
    sessions: Sessions,
    *,
    now: datetime,
    keep: timedelta = HANDLED_UPDATE_RETENTION,
) -> int:
    """Delete handled-update records older than `keep`; how many were deleted."""
    async with transaction(sessions) as session:
        result = await session.exec(
            sa.delete(HandledUpdate).where(col(HandledUpdate.at) < now - keep)
        )
        return int(result.rowcount or 0)


def prune_report_files(
    data_dir: Path, *, now: datetime, keep: timedelta = REPORT_FILE_RETENTION
) -> int:
    """Delete the summaries' files last written more than `keep` ago (and what a writer
    that died left behind, after a day); how many were deleted. Only the names the bot
    gives its own report files are touched, not what else lives in the directory."""
    deleted = 0
    try:
        entries = list(os.scandir(data_dir))
    except FileNotFoundError:
        return 0
    for entry in entries:
        partial = PARTIAL_FILE_NAME.fullmatch(entry.name)
        if partial is not None and REPORT_FILE_NAME.fullmatch(partial["name"]):
            age = _PARTIAL_RETENTION
        elif REPORT_FILE_NAME.fullmatch(entry.name):
            age = keep
        else:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime < (now - age).timestamp():
                os.unlink(entry.path)
                deleted += 1
        except FileNotFoundError:
            continue  # removed meanwhile (another instance's housekeeping)
    return deleted


async def refresh_statistics(engine: AsyncEngine) -> bool:
    """On SQLite, gather the statistics the query planner chooses indexes by; whether it did.

    SQLite gathers none by itself, and without them it guesses every table's size: as the
    outbox and the history grow from hundreds of rows to hundreds of thousands, a guess that
    suited the first week may not suit the second year.
    """
    if engine.dialect.name != "sqlite":
        return False
    async with engine.connect() as connection:
        await connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        await connection.exec_driver_sql("ANALYZE")
        await connection.commit()
    return True
