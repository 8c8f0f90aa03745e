"""A conversation that records what the channel adapter handed it."""

from views.messages import Incoming


class RecordingConversation:
    """Keeps every Incoming; can be told to fail the next calls like a broken store."""

    def __init__(self) -> None:
        self.received: list[Incoming] = []
        self.failures_left = 0

    async def handle(self, incoming: Incoming) -> None:
        """Record the message, or raise while failures are scripted."""
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("store unavailable")
        self.received.append(incoming)
