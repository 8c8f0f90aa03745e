"""Updates a platform delivered, kept from before they are acknowledged until they are handled.

Zalo documents no redelivery: neither what a webhook's non-200 answer causes nor an offset
for getUpdates. So an update is stored first (its source id is unique, so a copy delivered
twice is stored once), acknowledged, then handled; a handling that fails is retried from
here with backoff, by any instance, and given up (logged) after `MAX_ATTEMPTS`.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from models.tables import InboundUpdate
from services.unit_of_work import Sessions, transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# How long one instance holds an update it is handling before another may take it over.
LEASE = timedelta(minutes=2)
# Handled updates are kept as long as the conversation's own replay guard (housekeeping).
RETENTION = timedelta(days=7)


@dataclass(frozen=True)
class StoredUpdate:
    """An update taken from the inbox to be handled."""

    id: int
    channel: str
    body: dict[str, Any]
    attempts: int


async def store(
    sessions: Sessions,
    *,
    channel: str,
    source_id: str,
    body: dict[str, Any],
    now: datetime,
) -> int | None:
    """Keep an update before it is acknowledged; its id, or None when it was stored before."""
    try:
        async with transaction(sessions) as session:
            seen = await session.exec(
                select(InboundUpdate.id).where(col(InboundUpdate.source_id) == source_id)
            )
            if seen.first() is not None:
                return None
            row = InboundUpdate(
                channel=channel,
                source_id=source_id[:160],
                body=body,
                received_at=now,
                next_attempt_at=now,
            )
            session.add(row)
            await session.flush()
            return row.id
    except IntegrityError:
        # Another instance stored the same delivery a moment earlier.
        return None


async def take(sessions: Sessions, *, update_id: int, now: datetime) -> StoredUpdate | None:
    """Claim one stored update for handling now; None if it is handled or someone holds it."""
    async with transaction(sessions) as session:
        claimed = await session.exec(
            sa.update(InboundUpdate)
            .where(
                col(InboundUpdate.id) == update_id,
                col(InboundUpdate.handled_at).is_(None),
                sa.or_(
                    col(InboundUpdate.claimed_until).is_(None),
                    col(InboundUpdate.claimed_until) < now,
                ),
            )
            .values(claimed_until=now + LEASE, attempts=InboundUpdate.attempts + 1)
        )
        if not claimed.rowcount:
            return None
        row = await session.get(InboundUpdate, update_id, populate_existing=True)
        assert row is not None and row.id is not None
        return StoredUpdate(row.id, row.channel, dict(row.body), row.attempts)


async def due(sessions: Sessions, *, channel: str, now: datetime, limit: int = 50) -> list[int]:
    """Stored updates of the channel waiting for (another) try, oldest first."""
    async with sessions() as session:
        rows = await session.exec(
            select(InboundUpdate.id)
            .where(
                col(InboundUpdate.channel) == channel,
                col(InboundUpdate.handled_at).is_(None),
                col(InboundUpdate.next_attempt_at) <= now,
                sa.or_(
                    col(InboundUpdate.claimed_until).is_(None),
                    col(InboundUpdate.claimed_until) < now,
                ),
            )
            .order_by(col(InboundUpdate.id))
            .limit(limit)
        )
        return [int(i) for i in rows.all() if i is not None]


async def handled(sessions: Sessions, *, update: StoredUpdate, now: datetime) -> None:
    """The update was handled: it is only kept to refuse a copy delivered again."""
    await _finish(sessions, update.id, handled_at=now, claimed_until=None)


async def failed(
    sessions: Sessions, *, update: StoredUpdate, error: BaseException, now: datetime
) -> bool:
    """Handling failed: retry with backoff, or give up after MAX_ATTEMPTS; True if given up."""
    reason = f"{type(error).__name__}: {error}"[:1000]
    if update.attempts >= MAX_ATTEMPTS:
        log.error(
            "%s update %s could not be handled after %d attempts and is given up: %s",
            update.channel,
            update.id,
            update.attempts,
            reason,
        )
        await _finish(sessions, update.id, handled_at=now, claimed_until=None, last_error=reason)
        return True
    wait = timedelta(seconds=min(600, 5 * 3 ** (update.attempts - 1)))
    await _finish(
        sessions,
        update.id,
        next_attempt_at=now + wait,
        claimed_until=None,
        last_error=reason,
    )
    return False


async def prune(sessions: Sessions, *, now: datetime, keep: timedelta = RETENTION) -> int:
    """Forget handled updates older than `keep`; how many were forgotten."""
    async with transaction(sessions) as session:
        result = await session.exec(
            sa.delete(InboundUpdate).where(
                col(InboundUpdate.handled_at).is_not(None),
                col(InboundUpdate.received_at) < now - keep,
            )
        )
        return int(result.rowcount or 0)


async def _finish(sessions: Sessions, update_id: int, **values: Any) -> None:
    async with transaction(sessions) as session:
        await session.exec(
            sa.update(InboundUpdate).where(col(InboundUpdate.id) == update_id).values(**values)
        )
