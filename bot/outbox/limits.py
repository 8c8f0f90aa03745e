"""How fast a channel may be written to, and how long a failed send waits before it is retried.

`ChannelLimits` per channel (read from `Settings` by `limits_from_settings`), the `RateLimiter`
that paces requests to a provider, and the `RetryPolicy` for temporary failures.
"""

import asyncio
import math
import random
from collections import deque
from dataclasses import dataclass

from bot.settings import Settings
from models.enums import Channel

# The limiter's shortest sleep: at hundreds of messages a second a wake-up per message costs more
# than the sends; the few slots that come free meanwhile go together.
_TICK = 0.005


@dataclass(frozen=True)
class ChannelLimits:
    """How fast one channel may be written to."""

    per_second: float
    private_chat_interval: float = 1.0
    group_per_minute: int = 20


def limits_from_settings(settings: Settings) -> dict[str, ChannelLimits]:
    """The configured limits of every channel (each Zalo bot is paced on its own)."""
    zalo = ChannelLimits(
        per_second=settings.zalo_rate_per_second,
        private_chat_interval=settings.telegram_private_chat_interval,
        group_per_minute=settings.telegram_group_per_minute,
    )
    limits = {
        Channel.TELEGRAM.value: ChannelLimits(
            per_second=settings.telegram_rate_per_second,
            private_chat_interval=settings.telegram_private_chat_interval,
            group_per_minute=settings.telegram_group_per_minute,
        ),
        Channel.ZALO.value: zalo,
    }
    limits.update((bot.channel, zalo) for bot in settings.zalo_bots)
    return limits


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
