"""What the outbox dispatcher needs from a channel, and the errors a channel may raise.

A sender turns one `Outgoing` into one or more API calls. It raises one of the
errors below so the dispatcher can decide: wait and retry, give up on the
message, or mark the person inactive because they blocked the bot.
"""

from typing import Protocol

from views.messages import Outgoing


class DeliveryError(Exception):
    """Sending failed; subclasses say what the dispatcher should do."""


class RetryLater(DeliveryError):
    """A rate limit: try again after `retry_after` seconds (Telegram's 429)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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
