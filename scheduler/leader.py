"""Leader election: scheduled jobs run in one instance at a time.

On PostgreSQL an instance leads while it holds a session-level advisory lock, taken with
``pg_try_advisory_lock`` on a connection it keeps for its whole life. If the process dies,
its session ends and PostgreSQL frees the lock; another instance takes it at its next
attempt, which every job makes before running (so within one sweep interval). On SQLite
only one instance may run at all (README, "Running several instances"): it always leads.
"""

import asyncio
import logging

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# Advisory locks are per database; any constant works as long as every instance agrees.
SCHEDULER_LOCK_KEY = 0x646F6E646F63  # "dondoc"


class Leadership:
    """Whether this instance runs the scheduled jobs; ask `ensure()` before each run."""

    def __init__(self, engine: AsyncEngine, *, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._always = engine.dialect.name == "sqlite"
        self._connection: AsyncConnection | None = None
        self._guard = asyncio.Lock()

    @property
    def is_leader(self) -> bool:
        """Whether the lock was held at the last check."""
        return self._always or self._connection is not None

    async def ensure(self) -> bool:
        """Keep the lock if it is still held, else try once to take it; True if we lead."""
        if self._always:
            return True
        async with self._guard:
            if self._connection is not None:
                if await self._still_held(self._connection):
                    return True
                log.warning("lost the scheduler lock (its connection died); trying again")
                await self._drop()
            return await self._acquire()

    async def release(self) -> None:
        """Give the lock up (at shutdown) so another instance takes over at once."""
        async with self._guard:
            if self._connection is None:
                return
            connection, self._connection = self._connection, None
            try:
                await connection.execute(
                    sa.select(sa.func.pg_advisory_unlock(sa.literal(self._key)))
                )
            except (DBAPIError, OSError) as exc:
                # Ending the session frees the lock all the same.
                log.warning("could not release the scheduler lock cleanly: %s", exc)
                await self._close(connection, broken=True)
                return
            await self._close(connection, broken=False)
            log.info("released the scheduler lock")

    async def _acquire(self) -> bool:
        connection: AsyncConnection | None = None
        try:
            # Autocommit: the lock belongs to the session, and a connection idling inside a
            # transaction for days would hold back vacuum.
            connection = await self._engine.execution_options(
                isolation_level="AUTOCOMMIT"
            ).connect()
            taken = await connection.scalar(
                sa.select(sa.func.pg_try_advisory_lock(sa.literal(self._key)))
            )
        except (DBAPIError, OSError) as exc:
            log.warning("could not try the scheduler lock: %s", exc)
            if connection is not None:
                await self._close(connection, broken=True)
            return False
        if not taken:
            await self._close(connection, broken=False)
            return False
        self._connection = connection
        log.info("this instance now runs the scheduled jobs")
        return True

    @staticmethod
    async def _still_held(connection: AsyncConnection) -> bool:
        try:
            await connection.execute(sa.select(sa.literal(1)))
        except (DBAPIError, OSError):
            return False
        return True

    async def _drop(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await self._close(connection, broken=True)

    @staticmethod
    async def _close(connection: AsyncConnection, *, broken: bool) -> None:
        try:
            if broken:
                await connection.invalidate()
            await connection.close()
        except (DBAPIError, OSError) as exc:
            log.info("closing the scheduler lock connection: %s", exc)
