"""What every channel shares: the port it calls, the sender port the outbox calls, and their
helpers.

In: a channel turns each update into an `Incoming` and hands it to the `ConversationPort`,
one chat at a time (`ChatLocks`). Out: a sender (`ChannelSender`) turns one `Outgoing` into
one or more API calls. It raises one of the errors below so the dispatcher can decide: wait
and retry, pause the channel while its quota is spent, give up on the message, or mark the
person inactive because they blocked the bot.
A message sent as several parts remembers the parts already out (`PartialSends`), so a retry
continues where it stopped.
"""

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Protocol

from bot.settings import Settings
from services.clock import Clock
from services.unit_of_work import Sessions
from views.messages import Incoming, Outgoing


class DeliveryError(Exception):
    """Sending failed; subclasses say what the dispatcher should do."""


class RetryLater(DeliveryError):
    """A rate limit: try again after `retry_after` seconds (Telegram's 429)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExhausted(DeliveryError):
    """The platform's quota for the bot is spent (Zalo's 429 "Quota exceeded"): every message
    of the channel waits `retry_after` seconds, the attempt is not counted, and coordinators
    hear of it once (services.quotas); sending resumes by itself."""

    def __init__(self, message: str, *, retry_after: float, bot: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.bot = bot


class TemporaryFailure(DeliveryError):
    """A timeout, a network error or a 5xx: retry with backoff."""


class ChatUnreachable(DeliveryError):
    """The person blocked the bot or the chat is gone (Telegram's 403): stop writing to it."""


class PermanentFailure(DeliveryError):
    """The message itself is refused (e.g. 400): retrying will not help."""


class ChannelSender(Protocol):
    """Delivers outbox messages on one channel."""

    @property
    def channel(self) -> str:
        """The channel it delivers on."""
        ...

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Send the message; return the provider's id of the message replies should bind to."""
        ...


class ConversationPort(Protocol):
    """What a channel needs from the conversation core."""

    async def handle(self, incoming: Incoming) -> None:
        """Handle one incoming message; replies go to the outbox."""
        ...


class ChannelHost(Protocol):
    """What a channel reads of the running application (bot.bootstrap.App)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def sessions(self) -> Sessions: ...
    @property
    def clock(self) -> Clock: ...


class ChatLocks:
    """One lock per chat, so one chat's updates are handled one at a time, in order."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: str) -> AsyncIterator[None]:
        """Hold the chat's lock (the entry is dropped when nobody waits for it)."""
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


class PartialSends:
    """The parts of a message already sent when a later part failed, kept in this process.

    Keyed by chat and by a digest of the message's parts, so the dispatcher's retry of the
    same message skips the parts already out instead of repeating them. Only the newest
    `size` messages are remembered.
    """

    def __init__(self, size: int = 1000) -> None:
        self._size = size
        self._done: OrderedDict[tuple[str, str], dict[int, str]] = OrderedDict()

    @staticmethod
    def digest(parts: Iterable[str]) -> str:
        """The key of a message's content, from a description of each of its parts."""
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def take(self, chat_id: str, digest: str) -> dict[int, str]:
        """The ids of the parts already sent (by part index), forgotten once taken."""
        return self._done.pop((chat_id, digest), {})

    def remember(self, chat_id: str, digest: str, done: dict[int, str]) -> None:
        """Keep the parts sent so far for the retry; the oldest memory goes past `size`."""
        self._done[(chat_id, digest)] = done
        while len(self._done) > self._size:
            self._done.popitem(last=False)
