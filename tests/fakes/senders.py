"""A ChannelSender that records what it was asked to send, and fails on cue."""

import itertools
from collections import defaultdict

from views.messages import Outgoing


class RecordingSender:
    """Records (chat_id, message) pairs; raises the errors scripted for a chat, one per call."""

    def __init__(self, channel: str = "telegram") -> None:
        self.channel = channel
        self.sent: list[tuple[str, Outgoing]] = []
        self.tries: list[str] = []
        self._ids = itertools.count(1001)
        self._script: dict[str, list[BaseException]] = defaultdict(list)
        self._always: dict[str, BaseException] = {}

    def fail_next(self, chat_id: str, *errors: BaseException) -> None:
        """The next sends to this chat raise these errors, in order."""
        self._script[chat_id].extend(errors)

    def fail_always(self, chat_id: str, error: BaseException) -> None:
        """Every send to this chat raises this error."""
        self._always[chat_id] = error

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Record the message (or raise what is scripted) and return a provider id."""
        self.tries.append(chat_id)
        if chat_id in self._always:
            raise self._always[chat_id]
        if self._script[chat_id]:
            raise self._script[chat_id].pop(0)
        self.sent.append((chat_id, message))
        return str(next(self._ids))

    def texts_to(self, chat_id: str) -> list[str]:
        """Texts delivered to one chat, in order."""
        return [m.text for c, m in self.sent if c == chat_id]
