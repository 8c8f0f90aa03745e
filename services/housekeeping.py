"""Forgetting what the store no longer needs to remember.

A handled-update record exists only so that a redelivered update is not answered twice.
Telegram keeps an undelivered update for at most 24 hours and retries a webhook within
that time (https://core.telegram.org/bots/api#getting-updates); Zalo's retries are shorter.
A week of records is therefore plenty, and without pruning the table grows by one row for
every message anyone ever sent the bot.

SQLite's query planner also needs to be told how big the tables have grown, which
PostgreSQL's autovacuum does by itself.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import transaction
from models.tables import HandledUpdate

HANDLED_UPDATE_RETENTION = timedelta(days=7)
# Rows SQLite's ANALYZE samples per index: enough for the planner's choices, and quick
# however large the store has grown (https://sqlite.org/lang_analyze.html#approx).
ANALYSIS_LIMIT = 1000


async def prune_handled_updates(
    sessions: async_sessionmaker[AsyncSession],
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
