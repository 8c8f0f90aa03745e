"""Forgetting what the store no longer needs to remember.

A handled-update record exists only so that a redelivered update is not answered twice.
Telegram keeps an undelivered update for at most 24 hours and retries a webhook within
that time (https://core.telegram.org/bots/api#getting-updates); Zalo's retries are shorter.
A week of records is therefore plenty, and without pruning the table grows by one row for
every message anyone ever sent the bot.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import transaction
from models.tables import HandledUpdate

HANDLED_UPDATE_RETENTION = timedelta(days=7)


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
