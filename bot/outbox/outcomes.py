"""What becomes of a claimed row after its send: each outcome is one transaction.

A delivery becomes "sent" with the provider's id; a rate limit or a lapsed lease hands the row
back without counting the attempt; a spent quota (Zalo's 429) does the same and holds every
waiting message of the channel until the wait is over, telling the coordinators once; a
temporary failure retries with backoff until the policy gives up; a refusal fails the row; an
unreachable chat fails it and stops writing to the person. Only rows still claimed by this
instance are changed. Telling coordinators is `services.delivery`'s (and `services.quotas`')
part.
"""

import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from bot.channels.base import ChatUnreachable, PermanentFailure, QuotaExhausted, RetryLater
from bot.outbox.claims import OUTBOX, Claim, LeaseRanShort
from bot.outbox.limits import RetryPolicy
from models.enums import OutboxState
from models.tables import Outbox
from services import delivery, quotas
from services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class Outcomes:
    """The outcome transactions of one dispatcher instance."""

    def __init__(self, *, instance_id: str, retry: RetryPolicy, rng: random.Random) -> None:
        self.instance_id = instance_id
        self._retry = retry
        self._rng = rng

    def of_failure(self, error: Exception) -> Any:
        """The transaction that records a failed attempt."""
        if isinstance(error, LeaseRanShort):
            return self._lapsed
        if isinstance(error, RetryLater):
            return self._rate_limited
        if isinstance(error, QuotaExhausted):
            return self._quota_exhausted
        if isinstance(error, ChatUnreachable):
            return self._unreachable
        if isinstance(error, PermanentFailure):
            return self._refused
        return self._temporary

    async def sent(
        self,
        connection: AsyncConnection,
        now: datetime,
        *,
        deliveries: list[tuple[int, str | None]],
    ) -> None:
        """Store deliveries (row id, provider's message id) in one executemany UPDATE."""
        # The row becomes "sent" in the same statement that stores the provider's id.
        await connection.execute(
            sa.update(OUTBOX)
            .where(OUTBOX.c.id == sa.bindparam("row_id"))
            .values(
                state=OutboxState.SENT.value,
                sent_at=now,
                provider_message_id=sa.bindparam("provider_id"),
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            ),
            [{"row_id": row_id, "provider_id": pid} for row_id, pid in deliveries],
        )

    async def _rate_limited(
        self, session: UnitOfWork, claim: Claim, error: RetryLater, now: datetime
    ) -> None:
        log.info(
            "%s asked to wait %s s before outbox row %s",
            claim.channel,
            error.retry_after,
            claim.id,
        )
        # A rate limit is not the message's fault: the attempt is given back.
        await self._retry_at(
            session,
            claim,
            now + timedelta(seconds=error.retry_after),
            error,
            attempts=claim.attempts - 1,
        )

    async def _quota_exhausted(
        self, session: UnitOfWork, claim: Claim, error: QuotaExhausted, now: datetime
    ) -> None:
        until = now + timedelta(seconds=error.retry_after)
        # The whole bot waits, not only this message: its other messages would be refused
        # alike, one request each. Rows another instance holds are left to its own refusal.
        await session.exec(
            sa.update(Outbox)
            .where(
                col(Outbox.channel) == claim.channel,
                col(Outbox.state) == OutboxState.PENDING.value,
                col(Outbox.next_attempt_at) < until,
            )
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )
        # Not the message's fault: the attempt is given back, however long the wait.
        await self._retry_at(session, claim, until, error, attempts=claim.attempts - 1)
        if await quotas.quota_spent(session, channel=claim.channel, bot=error.bot, now=now):
            log.error(
                "Zalo bot %s: quota exceeded (429). Its messages wait and are retried from "
                "%s on, the wait doubling while Zalo refuses; the coordinators were told. "
                "Upgrade the plan in Zalo Bot Creator, or move people to another bot or to "
                "Telegram",
                error.bot,
                until.isoformat(timespec="minutes"),
            )
        else:
            log.warning(
                "Zalo bot %s: quota still exceeded; its messages wait until %s",
                error.bot,
                until.isoformat(timespec="minutes"),
            )

    async def _lapsed(
        self, session: UnitOfWork, claim: Claim, error: Exception, now: datetime
    ) -> None:
        log.warning("outbox row %s waited past half its lease; handing it back", claim.id)
        await self._retry_at(session, claim, now, error, attempts=claim.attempts - 1)

    async def _temporary(
        self, session: UnitOfWork, claim: Claim, error: Exception, now: datetime
    ) -> None:
        if claim.attempts >= self._retry.max_attempts:
            log.error(
                "giving up on outbox row %s to %s:%s after %s attempts: %s",
                claim.id,
                claim.channel,
                claim.chat_id,
                claim.attempts,
                error,
            )
            if await self._fail(session, claim, error):
                await delivery.tell_gave_up(session, claim, attempts=claim.attempts, now=now)
            return
        delay = self._retry.delay(claim.attempts, self._rng)
        log.warning(
            "outbox row %s to %s:%s failed (attempt %s), retrying in %.1f s: %s",
            claim.id,
            claim.channel,
            claim.chat_id,
            claim.attempts,
            delay,
            error,
        )
        await self._retry_at(
            session, claim, now + timedelta(seconds=delay), error, attempts=claim.attempts
        )

    async def _refused(
        self, session: UnitOfWork, claim: Claim, error: Exception, now: datetime
    ) -> None:
        log.error(
            "%s refused outbox row %s to %s: %s", claim.channel, claim.id, claim.chat_id, error
        )
        if await self._fail(session, claim, error):
            await delivery.tell_refused(session, claim, now=now)

    async def _unreachable(
        self, session: UnitOfWork, claim: Claim, error: Exception, now: datetime
    ) -> None:
        log.warning(
            "chat %s:%s is unreachable (outbox row %s): %s",
            claim.channel,
            claim.chat_id,
            claim.id,
            error,
        )
        if await self._fail(session, claim, error):
            await delivery.stop_writing_to(session, claim, now=now)

    async def _retry_at(
        self,
        session: UnitOfWork,
        claim: Claim,
        when: datetime,
        error: Exception,
        *,
        attempts: int,
    ) -> None:
        await session.exec(
            sa.update(Outbox)
            .where(*self._still_ours(claim))
            .values(
                state=OutboxState.PENDING.value,
                next_attempt_at=when,
                attempts=attempts,
                last_error=_short(error),
                claimed_by=None,
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )

    async def _fail(self, session: UnitOfWork, claim: Claim, error: Exception) -> bool:
        """Mark the row failed; False when it is no longer ours (another instance took over)."""
        result = await session.exec(
            sa.update(Outbox)
            .where(*self._still_ours(claim))
            .values(
                state=OutboxState.FAILED.value,
                last_error=_short(error),
                claimed_by=None,
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    def _still_ours(self, claim: Claim) -> Iterable[Any]:
        return (
            col(Outbox.id) == claim.id,
            col(Outbox.state) == OutboxState.SENDING.value,
            col(Outbox.claimed_by) == self.instance_id,
        )


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:1000]
