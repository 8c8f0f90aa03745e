"""Claiming outbox rows: which rows are due, in order per chat and within the limits, and
marking them as this instance's for the length of a lease.

The statements are built once per channel and run on a plain connection (see `Claimer`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased
from sqlmodel import col

from bot.outbox.limits import ChannelLimits, is_group_chat
from models.enums import OutboxState
from models.tables import Outbox
from services.clock import Clock

# The Core table, for executemany UPDATEs the ORM would turn into per-object bulk updates.
OUTBOX = cast(sa.Table, Outbox.__table__)  # type: ignore[attr-defined]
_UNSENT = (OutboxState.PENDING.value, OutboxState.SENDING.value)
# What a claim reads of a row; the payload as text (see Claim).
_CLAIMED = (
    *(OUTBOX.c[name] for name in ("id", "channel", "chat_id", "person_id", "kind")),
    sa.cast(OUTBOX.c.payload, sa.Text).label("payload"),
    OUTBOX.c.attempts,
)
_CLAIM = (
    sa.update(OUTBOX)
    .where(OUTBOX.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(
        state=OutboxState.SENDING.value,
        claimed_by=sa.bindparam("me"),
        claimed_until=sa.bindparam("until"),
        attempts=OUTBOX.c.attempts + 1,
    )
)
_GROUP_WINDOW = timedelta(minutes=1)


class LeaseRanShort(TimeoutError):
    """A claimed row waited for its slot until half its lease was gone."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A row this instance claims (or holds the lease on), with what sending it needs."""

    id: int
    channel: str
    chat_id: str
    person_id: int | None
    kind: str
    # The message as JSON text, parsed only when sent: a claimed batch then holds no nested
    # objects for the garbage collector to walk while it waits.
    payload: str
    attempts: int
    lease_until: datetime


class Claimer:
    """Claims the due rows of the given channels for one dispatcher instance.

    Each channel's candidate statements are built once, with the moment, the instance and the
    batch size as parameters (see `_candidates_of`).
    """

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        clock: Clock,
        limits: Mapping[str, ChannelLimits],
        instance_id: str,
        lease: timedelta,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._limits = limits
        self.instance_id = instance_id
        self._lease = lease
        self._skip_locked = self._engine.dialect.name == "postgresql"
        self._candidates = {
            (channel, expired): self._candidates_of(channel, expired=expired)
            for channel in self._limits
            for expired in (True, False)
        }

    async def claim(self, room: Mapping[str, int]) -> list[Claim]:
        """Claim up to `room[channel]` due rows of each channel; the rows now ours."""
        claims: list[Claim] = []
        for channel, free in room.items():
            if free > 0:
                claims.extend(await self._claim_channel(channel, free))
        return claims

    async def _claim_channel(self, channel: str, batch: int) -> list[Claim]:
        # Core statements on a plain connection: this runs for every batch, and the ORM
        # session's bookkeeping would cost more than the queries.
        async with self._engine.begin() as connection:
            now = self._clock()
            lease_until = now + self._lease
            since = now - timedelta(seconds=self._limits[channel].private_chat_interval)
            found: dict[str, Claim] = {}
            for expired in (True, False):
                rows = await connection.execute(
                    self._candidates[channel, expired],
                    {"now": now, "since": since, "me": self.instance_id, "limit": batch},
                )
                for row in rows.all():
                    # Counted as an attempt from now, as the claim's UPDATE below does.
                    claim = Claim(
                        id=row.id,
                        channel=row.channel,
                        chat_id=row.chat_id,
                        person_id=row.person_id,
                        kind=row.kind,
                        payload=row.payload,
                        attempts=row.attempts + 1,
                        lease_until=lease_until,
                    )
                    if claim.chat_id not in found or claim.id < found[claim.chat_id].id:
                        found[claim.chat_id] = claim
            candidates = sorted(found.values(), key=lambda claim: claim.id)
            ready = (await self._within_group_limits(connection, channel, candidates, now))[:batch]
            if not ready:
                return []
            ids = [claim.id for claim in ready]
            await connection.execute(
                _CLAIM, {"ids": ids, "me": self.instance_id, "until": lease_until}
            )
            return ready

    def _candidates_of(self, channel: str, *, expired: bool) -> Any:
        """Rows to claim: leases that ran out, or pending rows that are due (oldest first).

        Either way only a chat's earliest unsent row, and only if the chat's last message is
        older than its interval (none sent after `since`). Both checks read the (channel,
        chat_id, sent_at) index: unsent rows are those without sent_at. Built once, with the
        moment, this instance and the batch size as parameters.
        """
        earlier = aliased(Outbox)
        recent = aliased(Outbox)
        now = sa.bindparam("now", type_=OUTBOX.c.next_attempt_at.type)
        held_up = sa.exists().where(
            col(earlier.channel) == col(Outbox.channel),
            col(earlier.chat_id) == col(Outbox.chat_id),
            col(earlier.sent_at).is_(None),
            col(earlier.state).in_(_UNSENT),
            col(earlier.id) < col(Outbox.id),
        )
        too_soon = sa.exists().where(
            col(recent.channel) == col(Outbox.channel),
            col(recent.chat_id) == col(Outbox.chat_id),
            col(recent.sent_at) > sa.bindparam("since", type_=OUTBOX.c.sent_at.type),
        )
        statement = sa.select(*_CLAIMED).where(col(Outbox.channel) == channel, ~held_up)
        if expired:
            # Not this instance's own: those are still queued here and are looked after.
            statement = statement.where(
                col(Outbox.state) == OutboxState.SENDING.value,
                col(Outbox.claimed_until) < now,
                sa.or_(
                    col(Outbox.claimed_by).is_(None),
                    col(Outbox.claimed_by) != sa.bindparam("me"),
                ),
            ).order_by(col(Outbox.id))
        else:
            # Ordered like ix_outbox_due, so the scan stops after `limit` claimable rows.
            statement = statement.where(
                col(Outbox.state) == OutboxState.PENDING.value,
                col(Outbox.next_attempt_at) <= now,
            ).order_by(col(Outbox.next_attempt_at))
        if self._limits[channel].private_chat_interval > 0:
            statement = statement.where(~too_soon)
        statement = statement.limit(sa.bindparam("limit", type_=sa.Integer))
        if self._skip_locked:
            statement = statement.with_for_update(skip_locked=True, of=Outbox)
        return statement

    async def _within_group_limits(
        self,
        connection: AsyncConnection,
        channel: str,
        candidates: Sequence[Claim],
        now: datetime,
    ) -> list[Claim]:
        groups = {claim.chat_id for claim in candidates if is_group_chat(claim.chat_id)}
        if not groups:
            return list(candidates)
        recent = await connection.execute(
            sa.select(OUTBOX.c.chat_id, sa.func.count())
            .where(
                OUTBOX.c.channel == channel,
                OUTBOX.c.chat_id.in_(groups),
                OUTBOX.c.sent_at > now - _GROUP_WINDOW,
            )
            .group_by(OUTBOX.c.chat_id)
        )
        limit = self._limits[channel].group_per_minute
        full = {chat for chat, count in recent.all() if count >= limit}
        return [claim for claim in candidates if claim.chat_id not in full]
