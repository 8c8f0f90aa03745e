"""The outbox dispatcher: delivers what the outbox holds, once, in order per chat, within limits.

Every outgoing message is an Outbox row written in the same transaction as the change that
caused it. The dispatcher claims due rows, hands each to its channel's sender and records the
outcome:

* Claiming. A row is claimable when it is pending and due, or when another instance claimed it
  and its lease (`claimed_until`) ran out (that instance died). Claiming sets state "sending"
  with this instance's id and a lease. On PostgreSQL the candidates are locked `FOR UPDATE SKIP
  LOCKED`, so any number of instances share one database and never claim the same row. SQLite
  has no row locks: one `dondoc run` per SQLite store (`dondoc chat` claims only console rows,
  so it may run beside it). Only the channels this dispatcher has a sender for are claimed.
* Order. A chat's message is never claimed while an earlier one for the same chat is unsent
  (pending, retrying or sending); one that failed for good no longer holds the chat up.
* Limits, per channel: at most `per_second` sends in any second as the provider counts them
  (per instance, spread evenly; a request counts from its start until its answer), no private
  chat written to within `private_chat_interval` seconds of its last message (checked against
  the store, so it holds across instances), at most `group_per_minute` messages a minute to a
  group. A claimed row that waited so long for its slot that half its lease is gone is handed
  back unsent rather than risk a second instance sending it too.
* Exactly once, as far as one can: a row becomes "sent" in the same UPDATE that records the
  provider's message id (while more sends are under way, a delivery waits up to 50 ms for others
  to share its commit). A crash after the API call and before that commit leaves the row
  "sending"; it is sent again once its lease expires. Only messages in flight at a crash, or
  delivered in the 50 ms before it, can be duplicated.
* Failures: a 429 waits `retry_after` (the whole channel pauses, and the attempt is not counted);
  timeouts, network errors and 5xx retry with capped exponential backoff and jitter, and give up
  after `max_attempts`; a 400 fails the message at once; a 403 (the person blocked the bot) fails
  it and marks the person inactive. Coordinators are told, in their own language, whenever
  someone stops receiving messages, so nothing is lost silently.
"""

import asyncio
import functools
import heapq
import json
import logging
import math
import random
import uuid
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from bot.channels.base import (
    ChannelSender,
    ChatUnreachable,
    DeliveryError,
    PermanentFailure,
    RetryLater,
)
from bot.settings import Settings
from domain.access import Role
from locales import N_, gettext_for
from models.enums import Channel, OutboxKind, OutboxState
from models.tables import Agency, ChatIdentity, Outbox, Person
from services.clock import Clock
from services.outbox import enqueue_for_person
from services.unit_of_work import Sessions, UnitOfWork, transaction
from views.messages import Outgoing

log = logging.getLogger(__name__)

# The Core table, for executemany UPDATEs the ORM would turn into per-object bulk updates.
_OUTBOX = cast(sa.Table, Outbox.__table__)  # type: ignore[attr-defined]
_UNSENT = (OutboxState.PENDING.value, OutboxState.SENDING.value)
# What a claim reads of a row; the payload as text (see _Claim).
_CLAIMED = (
    *(_OUTBOX.c[name] for name in ("id", "channel", "chat_id", "person_id", "kind")),
    sa.cast(_OUTBOX.c.payload, sa.Text).label("payload"),
    _OUTBOX.c.attempts,
)
_CLAIM = (
    sa.update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(
        state=OutboxState.SENDING.value,
        claimed_by=sa.bindparam("me"),
        claimed_until=sa.bindparam("until"),
        attempts=_OUTBOX.c.attempts + 1,
    )
)
_GROUP_WINDOW = timedelta(minutes=1)
_EXCERPT_CHARS = 300
_RECHECK_FLOOR = 0.2
# The limiter's shortest sleep: at hundreds of messages a second a wake-up per message costs more
# than the sends; the few slots that come free meanwhile go together.
_TICK = 0.005
# How often an outcome write is retried before the row is left to its lease (and resent).
_RECORD_TRIES = 3
# How long a delivery may wait for others to share its commit while more are on their way:
# a commit per message costs more CPU than the send itself when sending paced, a message at a
# time. A crash in that wait resends the message (its row is still "sending").
_RECORD_LINGER = 0.05

_BLOCKED_NOTICE = N_(
    "⚠️ {who} đã chặn bot hoặc rời cuộc trò chuyện trên {channel} nên không nhận được tin nhắn "
    "nữa. Người này đã được chuyển sang trạng thái ngừng hoạt động; vui lòng liên hệ trực tiếp "
    "để đăng ký lại."
)
_GAVE_UP_NOTICE = N_(
    "⚠️ Không gửi được tin nhắn cho {who} trên {channel} sau {attempts} lần thử. Vui lòng "
    "liên hệ trực tiếp."
)
_REFUSED_NOTICE = N_(
    "⚠️ {channel} từ chối tin nhắn gửi {who}, tin này sẽ không được gửi lại. Vui lòng liên hệ "
    "trực tiếp."
)
_EXCERPT = N_("Nội dung: {text}")


@dataclass(frozen=True)
class ChannelLimits:
    """How fast one channel may be written to."""

    per_second: float
    private_chat_interval: float = 1.0
    group_per_minute: int = 20


def limits_from_settings(settings: Settings) -> dict[str, ChannelLimits]:
    """The configured limits of every channel."""
    return {
        Channel.TELEGRAM: ChannelLimits(
            per_second=settings.telegram_rate_per_second,
            private_chat_interval=settings.telegram_private_chat_interval,
            group_per_minute=settings.telegram_group_per_minute,
        ),
        Channel.ZALO: ChannelLimits(
            per_second=settings.zalo_rate_per_second,
            private_chat_interval=settings.telegram_private_chat_interval,
            group_per_minute=settings.telegram_group_per_minute,
        ),
    }


# Used for a channel that has a sender but no configured limits (the console, tests).
UNLIMITED = ChannelLimits(per_second=10_000.0, private_chat_interval=0.0, group_per_minute=10_000)


def is_group_chat(chat_id: str) -> bool:
    """Telegram gives groups, supergroups and channels negative ids; private chats are positive."""
    return chat_id.startswith("-")


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for temporary failures: exponential, capped, with jitter; then give up."""

    max_attempts: int = 8
    base_delay: float = 2.0
    max_delay: float = 600.0

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Seconds to wait after the given number of failed attempts ("equal jitter")."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** max(0, attempts - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class RateLimiter:
    """At most `per_second` requests in any one-second window at the provider, spread evenly,
    with pauses for 429s.

    The provider counts a request when it arrives, which is somewhere between the moment it
    is started here and the moment its answer is back. So a request holds its place in the
    window from `acquire` until one window after its `release`: requests counted at their
    start only reach the provider bunched whenever some were held up on the way (a busy event
    loop, a new connection, the provider's own queue), overflow its window, and every 429
    stops the whole channel for a second or more. Requests are spaced 1/per_second apart;
    after a short gap (a claim query, say) up to `burst` seconds' worth may catch up at once.
    At most `concurrency` requests are out at a time. Waiters are served one at a time, in
    arrival order.
    """

    def __init__(self, per_second: float, *, concurrency: int = 100, burst: float = 0.1) -> None:
        self._capacity = max(1, math.floor(per_second))
        self._concurrency = concurrency
        self._window = self._capacity / per_second
        self._interval = 1.0 / per_second
        self._burst = burst
        self._open = 0
        self._answered: deque[float] = deque()
        self._answer = asyncio.Event()
        self._turn = asyncio.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Let nothing through for the next `seconds` (the provider asked us to slow down)."""
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + seconds)

    async def acquire(self) -> None:
        """Wait for a free slot; `release` it once the request's answer is back."""
        loop = asyncio.get_running_loop()
        async with self._turn:
            while True:
                now = loop.time()
                wait = self._wait(now)
                if wait <= 0:
                    break
                if wait == math.inf:
                    self._answer.clear()
                    await self._answer.wait()
                else:
                    await asyncio.sleep(max(wait, _TICK))
            self._open += 1
            self._next_slot = max(self._next_slot, now) + self._interval

    def release(self) -> None:
        """The request holding a slot got its answer (or was never made)."""
        self._open -= 1
        self._answered.append(asyncio.get_running_loop().time())
        self._answer.set()

    def _wait(self, now: float) -> float:
        """Seconds until a request may start (infinite: until an answer arrives)."""
        if now < self._paused_until:
            return self._paused_until - now
        if self._next_slot - now > self._burst:
            return self._next_slot - now - self._burst
        while self._answered and self._answered[0] <= now - self._window:
            self._answered.popleft()
        if self._open >= self._concurrency:
            return math.inf
        if self._open + len(self._answered) < self._capacity:
            return 0.0
        return self._answered[0] + self._window - now if self._answered else math.inf


class _LeaseRanShort(TimeoutError):
    """A claimed row waited for its slot until half its lease was gone."""


@dataclass(frozen=True, slots=True)
class _Claim:
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


class OutboxDispatcher:
    """Drains the outbox through the channel senders (see the module docstring)."""

    def __init__(
        self,
        *,
        sessions: Sessions,
        senders: Mapping[str, ChannelSender],
        clock: Clock,
        limits: Mapping[str, ChannelLimits] | None = None,
        instance_id: str | None = None,
        retry: RetryPolicy | None = None,
        lease: timedelta = timedelta(seconds=60),
        batch_seconds: float = 1.0,
        max_batch: int = 500,
        concurrency: int = 100,
        idle_poll: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        self._sessions = sessions
        self._senders = dict(senders)
        self._clock = clock
        configured = dict(limits or {})
        self._limits = {name: configured.get(name, UNLIMITED) for name in self._senders}
        self._limiters = {
            name: RateLimiter(lim.per_second, concurrency=concurrency)
            for name, lim in self._limits.items()
        }
        self.instance_id = instance_id or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self._retry = retry or RetryPolicy()
        self._lease = lease
        self._batch = {
            name: max(1, min(max_batch, math.ceil(lim.per_second * batch_seconds)))
            for name, lim in self._limits.items()
        }
        self._idle_poll = idle_poll
        self._rng = rng or random.Random()
        self._woken = asyncio.Event()
        self._room_made = asyncio.Event()
        self._in_flight: Counter[str] = Counter()
        self._engine = sessions.kw["bind"]
        self._skip_locked = self._engine.dialect.name == "postgresql"
        self._candidates = {
            (channel, expired): self._candidates_of(channel, expired=expired)
            for channel in self._senders
            for expired in (True, False)
        }
        self._unrecorded: list[tuple[int, str | None, asyncio.Future[bool]]] = []
        self._recorder: asyncio.Task[None] | None = None
        # Claimed rows waiting for a slot, per channel, in claim order.
        self._waiting: dict[str, deque[_Claim]] = {name: deque() for name in self._senders}
        # Deliveries between their slot and the provider's answer.
        self._delivering = 0
        # When chats this instance wrote to may take their next message (event-loop time).
        self._chats_freed: list[float] = []

    def wake(self) -> None:
        """Look at the outbox now: new rows were committed (called by the conversation)."""
        self._woken.set()

    async def drain_once(self) -> int:
        """Claim what is due now, send it within the limits, record it; return how many sent."""
        claims = await self._claim(self._batch)
        if not claims:
            return 0
        deliveries: list[asyncio.Task[int]] = []
        for claim in claims:
            self._waiting[claim.channel].append(claim)
        await asyncio.gather(
            *(
                self._pace(channel, lambda claim: deliveries.append(self._start(claim)))
                for channel in {claim.channel for claim in claims}
            )
        )
        return sum(await asyncio.gather(*deliveries))

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set, then finish what is in flight.

        More is claimed as soon as half of a channel's batch has gone out, so the next claim
        overlaps the last sends of the previous one (a chat's next message still waits for
        the one in flight). With nothing to send it sleeps until woken or something falls due.
        """
        flying: set[asyncio.Task[Any]] = set()
        pacers: dict[str, asyncio.Task[None]] = {}
        failures = 0
        while not stop.is_set():
            self._woken.clear()
            self._room_made.clear()
            room = {
                channel: self._batch[channel] - self._in_flight[channel]
                for channel in self._senders
                if self._in_flight[channel] <= self._batch[channel] // 2
            }
            try:
                self._queue(await self._claim(room) if room else [], pacers, flying)
                idle = None if flying else await self._idle_timeout()
                failures = 0
            except Exception:
                failures += 1
                delay = self._retry.delay(failures, self._rng)
                log.exception("reading the outbox failed; trying again in %.1f s", delay)
                await _wait_any(stop, timeout=delay)
                continue
            if idle is None:
                await _wait_any(stop, self._woken, self._room_made, timeout=self._chat_timeout())
            elif idle > 0:
                await _wait_any(stop, self._woken, timeout=idle)
        # Pacers start deliveries until their queues are empty: wait for those too.
        while flying:
            await asyncio.gather(*flying, return_exceptions=True)

    def _queue(
        self,
        claims: Sequence[_Claim],
        pacers: dict[str, "asyncio.Task[None]"],
        flying: set["asyncio.Task[Any]"],
    ) -> None:
        """Hand claimed rows to their channel's pacer, starting it if it has stopped."""
        for claim in claims:
            self._in_flight[claim.channel] += 1
            self._waiting[claim.channel].append(claim)
        for channel in {claim.channel for claim in claims}:
            pacer = pacers.get(channel)
            if pacer is None or pacer.done():
                launch = functools.partial(self._launch, flying=flying)
                pacers[channel] = pacer = asyncio.create_task(self._pace(channel, launch))
                flying.add(pacer)
                pacer.add_done_callback(flying.discard)

    async def _pace(self, channel: str, start: Callable[[_Claim], object]) -> None:
        """Start the channel's waiting deliveries in claim order, each when the limiter allows.

        A delivery's task exists only from its slot on: claimed rows wait here as plain
        records, and what a send allocates dies young, instead of a batch of sleeping tasks
        outliving the collector's young generations and making it walk the whole heap.
        """
        waiting = self._waiting[channel]
        limiter = self._limiters[channel]
        while waiting:
            await limiter.acquire()
            start(waiting.popleft())

    def _start(self, claim: _Claim) -> "asyncio.Task[int]":
        return asyncio.create_task(self._deliver(claim))

    def _launch(self, claim: _Claim, *, flying: set["asyncio.Task[Any]"]) -> None:
        task = self._start(claim)

        def landed(done: "asyncio.Task[int]") -> None:
            flying.discard(done)
            left = self._in_flight[claim.channel] = self._in_flight[claim.channel] - 1
            # Claim again when the batch is half out, or all out (a chat may be free again).
            if left in (0, self._batch[claim.channel] // 2):
                self._room_made.set()

        flying.add(task)
        task.add_done_callback(landed)

    # Claiming -----------------------------------------------------------------------------

    async def _claim(self, room: Mapping[str, int]) -> list[_Claim]:
        claims: list[_Claim] = []
        for channel, free in room.items():
            if free > 0:
                claims.extend(await self._claim_channel(channel, free))
        return claims

    async def _claim_channel(self, channel: str, batch: int) -> list[_Claim]:
        # Core statements on a plain connection: this runs for every batch, and the ORM
        # session's bookkeeping would cost more than the queries.
        async with self._engine.begin() as connection:
            now = self._clock()
            lease_until = now + self._lease
            since = now - timedelta(seconds=self._limits[channel].private_chat_interval)
            found: dict[str, _Claim] = {}
            for expired in (True, False):
                rows = await connection.execute(
                    self._candidates[channel, expired],
                    {"now": now, "since": since, "me": self.instance_id, "limit": batch},
                )
                for row in rows.all():
                    # Counted as an attempt from now, as the claim's UPDATE below does.
                    claim = _Claim(
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
        now = sa.bindparam("now", type_=_OUTBOX.c.next_attempt_at.type)
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
            col(recent.sent_at) > sa.bindparam("since", type_=_OUTBOX.c.sent_at.type),
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
        candidates: Sequence[_Claim],
        now: datetime,
    ) -> list[_Claim]:
        groups = {claim.chat_id for claim in candidates if is_group_chat(claim.chat_id)}
        if not groups:
            return list(candidates)
        recent = await connection.execute(
            sa.select(_OUTBOX.c.chat_id, sa.func.count())
            .where(
                _OUTBOX.c.channel == channel,
                _OUTBOX.c.chat_id.in_(groups),
                _OUTBOX.c.sent_at > now - _GROUP_WINDOW,
            )
            .group_by(_OUTBOX.c.chat_id)
        )
        limit = self._limits[channel].group_per_minute
        full = {chat for chat, count in recent.all() if count >= limit}
        return [claim for claim in candidates if claim.chat_id not in full]

    # Sending ------------------------------------------------------------------------------

    async def _deliver(self, claim: _Claim) -> int:
        """Send one claimed row in the slot taken for it and record what became of it."""
        failure: Exception | None = None
        self._delivering += 1
        try:
            provider_id = await self._send(claim)
        except Exception as exc:
            failure = exc
        finally:
            self._delivering -= 1
        if failure is not None:
            await self._record(self._outcome(failure), claim, failure)
            return 0
        self._note_sent(claim)
        return 1 if await self._record_sent(claim.id, provider_id) else 0

    async def _send(self, claim: _Claim) -> str | None:
        """Make the request and give its limiter slot back; the provider's message id."""
        limiter = self._limiters[claim.channel]
        try:
            if self._clock() > claim.lease_until - self._lease / 2:
                # Waited too long for a slot: another instance may take the row over soon, and
                # a request must not outlive the lease. Hand it back instead of sending.
                raise _LeaseRanShort("half the lease went by before a slot was free")
            try:
                message = Outgoing.from_payload(json.loads(claim.payload))
            except (KeyError, TypeError, ValueError) as exc:
                raise PermanentFailure(f"bad payload: {exc}") from None
            return await self._senders[claim.channel].send(claim.chat_id, message)
        except RetryLater as exc:
            limiter.pause(exc.retry_after)
            raise
        except (DeliveryError, _LeaseRanShort):
            raise
        except Exception:
            log.exception(
                "sender %s crashed on outbox row %s; treating it as temporary",
                claim.channel,
                claim.id,
            )
            raise
        finally:
            limiter.release()

    def _outcome(self, error: Exception) -> Any:
        """The transaction that records a failed attempt."""
        if isinstance(error, _LeaseRanShort):
            return self._lapsed
        if isinstance(error, RetryLater):
            return self._rate_limited
        if isinstance(error, ChatUnreachable):
            return self._unreachable
        if isinstance(error, PermanentFailure):
            return self._refused
        return self._temporary

    def _note_sent(self, claim: _Claim) -> None:
        limits = self._limits[claim.channel]
        gap = (
            60.0 / limits.group_per_minute
            if is_group_chat(claim.chat_id)
            else limits.private_chat_interval
        )
        heapq.heappush(self._chats_freed, asyncio.get_running_loop().time() + gap)

    async def _record_sent(self, row_id: int, provider_id: str | None) -> bool:
        """Queue a delivery for the next group commit and wait until it is stored."""
        stored: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._unrecorded.append((row_id, provider_id, stored))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_deliveries())
        return await stored

    async def _record_deliveries(self) -> None:
        # Every delivery that finished meanwhile is stored in one transaction: hundreds of sends
        # completing together would otherwise queue for the database one commit at a time, and
        # the window between an API call and its commit (what a crash can resend) would grow.
        while self._unrecorded:
            if self._delivering or any(self._waiting.values()):
                # More deliveries are on their way: let the next ones join this commit.
                await asyncio.sleep(_RECORD_LINGER)
            batch, self._unrecorded = self._unrecorded, []
            deliveries = [(row_id, provider_id) for row_id, provider_id, _ in batch]
            stored = await self._write(
                functools.partial(self._sent, deliveries=deliveries),
                what=f"the delivery of outbox rows {[row_id for row_id, _ in deliveries]}",
                core=True,
            )
            for _row, _provider, waiter in batch:
                waiter.set_result(stored)

    async def _record(self, outcome: Any, claim: _Claim, error: Exception) -> None:
        """Store what became of a failed send; any coordinator notice is sent at once."""
        stored = await self._write(
            lambda session, now: outcome(session, claim, error, now),
            what=f"the failure of outbox row {claim.id}",
        )
        if stored:
            self.wake()

    async def _write(
        self, write: Callable[[Any, datetime], Awaitable[None]], *, what: str, core: bool = False
    ) -> bool:
        """Run one outcome transaction (on an ORM session, or a plain connection if `core`),
        retrying briefly; rows left unrecorded are resent after their lease."""
        for attempt in range(1, _RECORD_TRIES + 1):
            try:
                if core:
                    async with self._engine.begin() as connection:
                        await write(connection, self._clock())
                else:
                    async with transaction(self._sessions) as session:
                        await write(session, self._clock())
            except Exception:
                if attempt == _RECORD_TRIES:
                    log.exception("could not record %s; it is retried when its lease ends", what)
                    return False
                await asyncio.sleep(0.2 * attempt)
            else:
                return True
        return False

    # Outcomes (each runs inside one transaction) ------------------------------------------

    async def _sent(
        self,
        connection: AsyncConnection,
        now: datetime,
        *,
        deliveries: list[tuple[int, str | None]],
    ) -> None:
        # The row becomes "sent" in the same statement that stores the provider's id.
        await connection.execute(
            sa.update(_OUTBOX)
            .where(_OUTBOX.c.id == sa.bindparam("row_id"))
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
        self, session: UnitOfWork, claim: _Claim, error: RetryLater, now: datetime
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

    async def _lapsed(
        self, session: UnitOfWork, claim: _Claim, error: Exception, now: datetime
    ) -> None:
        log.warning("outbox row %s waited past half its lease; handing it back", claim.id)
        await self._retry_at(session, claim, now, error, attempts=claim.attempts - 1)

    async def _temporary(
        self, session: UnitOfWork, claim: _Claim, error: Exception, now: datetime
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
                await self._tell_coordinators(
                    session, claim, now, template=_GAVE_UP_NOTICE, attempts=claim.attempts
                )
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
        self, session: UnitOfWork, claim: _Claim, error: Exception, now: datetime
    ) -> None:
        log.error(
            "%s refused outbox row %s to %s: %s", claim.channel, claim.id, claim.chat_id, error
        )
        if await self._fail(session, claim, error):
            await self._tell_coordinators(session, claim, now, template=_REFUSED_NOTICE)

    async def _unreachable(
        self, session: UnitOfWork, claim: _Claim, error: Exception, now: datetime
    ) -> None:
        log.warning(
            "chat %s:%s is unreachable (outbox row %s): %s",
            claim.channel,
            claim.chat_id,
            claim.id,
            error,
        )
        if not await self._fail(session, claim, error):
            return
        person = await self._recipient(session, claim)
        if person is None or not person.active:
            return
        person.active = False
        session.add(person)
        await self._tell_coordinators(session, claim, now, template=_BLOCKED_NOTICE, about=person)

    async def _retry_at(
        self,
        session: UnitOfWork,
        claim: _Claim,
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

    async def _fail(self, session: UnitOfWork, claim: _Claim, error: Exception) -> bool:
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

    def _still_ours(self, claim: _Claim) -> Iterable[Any]:
        return (
            col(Outbox.id) == claim.id,
            col(Outbox.state) == OutboxState.SENDING.value,
            col(Outbox.claimed_by) == self.instance_id,
        )

    # Telling coordinators -----------------------------------------------------------------

    async def _recipient(self, session: UnitOfWork, claim: _Claim) -> Person | None:
        person_id = claim.person_id
        if person_id is None:
            person_id = (
                await session.exec(
                    select(ChatIdentity.person_id).where(
                        ChatIdentity.channel == claim.channel,
                        ChatIdentity.chat_id == claim.chat_id,
                    )
                )
            ).first()
        return None if person_id is None else await session.get(Person, person_id)

    async def _tell_coordinators(
        self,
        session: UnitOfWork,
        claim: _Claim,
        now: datetime,
        *,
        template: str,
        about: Person | None = None,
        attempts: int = 0,
    ) -> None:
        if claim.kind == OutboxKind.DELIVERY_NOTICE and template != _BLOCKED_NOTICE:
            # A notice that cannot be delivered is only logged, or notices would breed notices.
            return
        person = about or await self._recipient(session, claim)
        who = await _describe(session, person, claim)
        coordinators = (
            await session.exec(
                select(Person).where(
                    Person.role == Role.COORDINATOR.value,
                    col(Person.active).is_(True),
                    Person.id != (person.id if person else None),
                )
            )
        ).all()
        if not coordinators:
            log.error("nobody to tell that %s on %s gets no messages", who, claim.channel)
            return
        excerpt = _text_of(claim)[:_EXCERPT_CHARS]
        for coordinator in coordinators:
            if coordinator.id is None:
                continue
            _ = gettext_for(coordinator.locale)
            text = _(template).format(
                who=who, channel=_channel_name(claim.channel), attempts=attempts
            )
            if excerpt and template != _BLOCKED_NOTICE:
                text += "\n" + _(_EXCERPT).format(text=excerpt)
            await enqueue_for_person(
                session,
                person_id=coordinator.id,
                message=Outgoing(text=text),
                now=now,
                kind=OutboxKind.DELIVERY_NOTICE,
            )

    async def _idle_timeout(self) -> float:
        """Seconds until something may be due: a retry, an expired lease, a chat's interval."""
        async with self._sessions() as session:
            channels = list(self._senders)
            next_retry = (
                await session.exec(
                    select(sa.func.min(Outbox.next_attempt_at)).where(
                        col(Outbox.channel).in_(channels),
                        col(Outbox.state) == OutboxState.PENDING.value,
                    )
                )
            ).first()
            lease_end = (
                await session.exec(
                    select(sa.func.min(Outbox.claimed_until)).where(
                        col(Outbox.channel).in_(channels),
                        col(Outbox.state) == OutboxState.SENDING.value,
                    )
                )
            ).first()
        now = self._clock()
        timeout = self._chat_timeout()
        for when in (next_retry, lease_end):
            if when is not None:
                timeout = min(timeout, max(0.0, (when - now).total_seconds()))
        return timeout

    def _chat_timeout(self) -> float:
        """Seconds until a chat this instance wrote to may take its next message.

        Capped by the idle poll, and never under a fifth of a second: most chats have no next
        message, so looking for one costs a query each time.
        """
        loop_now = asyncio.get_running_loop().time()
        while self._chats_freed and self._chats_freed[0] <= loop_now:
            heapq.heappop(self._chats_freed)
        if not self._chats_freed:
            return self._idle_poll
        return min(self._idle_poll, max(_RECHECK_FLOOR, self._chats_freed[0] - loop_now))


async def _describe(session: UnitOfWork, person: Person | None, claim: _Claim) -> str:
    if person is None:
        return claim.chat_id
    agency = await session.get(Agency, person.agency_id) if person.agency_id else None
    return f"{person.name} ({agency.name})" if agency else person.name


def _text_of(claim: _Claim) -> str:
    try:
        payload = json.loads(claim.payload)
    except ValueError:
        return ""
    return str(payload.get("text") or "") if isinstance(payload, dict) else ""


def _channel_name(channel: str) -> str:
    names: dict[str, str] = {Channel.TELEGRAM: "Telegram", Channel.ZALO: "Zalo"}
    return names.get(channel, channel)


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


async def _wait_any(*events: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
