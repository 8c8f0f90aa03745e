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
* Failures (as each channel's sender reads its platform): a rate limit (Telegram's 429) waits
  `retry_after` (the whole channel pauses, and the attempt is not counted); a spent quota
  (Zalo's 429) holds every message of that bot for a long wait, uncounted, and tells the
  coordinators once; timeouts, network errors and server errors retry with capped exponential
  backoff and jitter, and give up after `max_attempts`; a 400 fails the message at once; a
  chat that refused us (Telegram's 403: the person blocked the bot) fails it and marks the
  person inactive. Coordinators are told, in their own language, whenever someone stops
  receiving messages, so nothing is lost silently.
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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from bot.channels.base import ChannelSender, DeliveryError, PermanentFailure, RetryLater
from bot.outbox.claims import Claim, Claimer, LeaseRanShort
from bot.outbox.limits import UNLIMITED, ChannelLimits, RateLimiter, RetryPolicy, is_group_chat
from bot.outbox.outcomes import Outcomes
from models.enums import OutboxState
from models.tables import Outbox
from services.clock import Clock
from services.unit_of_work import Sessions, transaction
from views.messages import Outgoing

log = logging.getLogger(__name__)

_RECHECK_FLOOR = 0.2
# How often an outcome write is retried before the row is left to its lease (and resent).
_RECORD_TRIES = 3
# How long a delivery may wait for others to share its commit while more are on their way:
# a commit per message costs more CPU than the send itself when sending paced, a message at a
# time. A crash in that wait resends the message (its row is still "sending").
_RECORD_LINGER = 0.05


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
        self._claims = Claimer(
            engine=self._engine,
            clock=clock,
            limits=self._limits,
            instance_id=self.instance_id,
            lease=lease,
        )
        self._outcomes = Outcomes(instance_id=self.instance_id, retry=self._retry, rng=self._rng)
        self._unrecorded: list[tuple[int, str | None, asyncio.Future[bool]]] = []
        self._recorder: asyncio.Task[None] | None = None
        # Claimed rows waiting for a slot, per channel, in claim order.
        self._waiting: dict[str, deque[Claim]] = {name: deque() for name in self._senders}
        # Deliveries between their slot and the provider's answer.
        self._delivering = 0
        # When chats this instance wrote to may take their next message (event-loop time).
        self._chats_freed: list[float] = []

    def wake(self) -> None:
        """Look at the outbox now: new rows were committed (called by the conversation)."""
        self._woken.set()

    async def drain_once(self) -> int:
        """Claim what is due now, send it within the limits, record it; return how many sent."""
        claims = await self._claims.claim(self._batch)
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
                self._queue(await self._claims.claim(room) if room else [], pacers, flying)
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
        claims: Sequence[Claim],
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

    async def _pace(self, channel: str, start: Callable[[Claim], object]) -> None:
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

    def _start(self, claim: Claim) -> "asyncio.Task[int]":
        return asyncio.create_task(self._deliver(claim))

    def _launch(self, claim: Claim, *, flying: set["asyncio.Task[Any]"]) -> None:
        task = self._start(claim)

        def landed(done: "asyncio.Task[int]") -> None:
            flying.discard(done)
            left = self._in_flight[claim.channel] = self._in_flight[claim.channel] - 1
            # Claim again when the batch is half out, or all out (a chat may be free again).
            if left in (0, self._batch[claim.channel] // 2):
                self._room_made.set()

        flying.add(task)
        task.add_done_callback(landed)

    # Sending ------------------------------------------------------------------------------

    async def _deliver(self, claim: Claim) -> int:
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
            await self._record(self._outcomes.of_failure(failure), claim, failure)
            return 0
        self._note_sent(claim)
        return 1 if await self._record_sent(claim.id, provider_id) else 0

    async def _send(self, claim: Claim) -> str | None:
        """Make the request and give its limiter slot back; the provider's message id."""
        limiter = self._limiters[claim.channel]
        try:
            if self._clock() > claim.lease_until - self._lease / 2:
                # Waited too long for a slot: another instance may take the row over soon, and
                # a request must not outlive the lease. Hand it back instead of sending.
                raise LeaseRanShort("half the lease went by before a slot was free")
            try:
                message = Outgoing.from_payload(json.loads(claim.payload))
            except (KeyError, TypeError, ValueError) as exc:
                raise PermanentFailure(f"bad payload: {exc}") from None
            return await self._senders[claim.channel].send(claim.chat_id, message)
        except RetryLater as exc:
            limiter.pause(exc.retry_after)
            raise
        except (DeliveryError, LeaseRanShort):
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

    def _note_sent(self, claim: Claim) -> None:
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
                functools.partial(self._outcomes.sent, deliveries=deliveries),
                what=f"the delivery of outbox rows {[row_id for row_id, _ in deliveries]}",
                core=True,
            )
            for _row, _provider, waiter in batch:
                waiter.set_result(stored)

    async def _record(self, outcome: Any, claim: Claim, error: Exception) -> None:
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


async def _wait_any(*events: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
