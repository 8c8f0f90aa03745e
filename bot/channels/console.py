"""The console channel: the conversation in a terminal, for demos and local work.

Messages are printed as plain text; buttons become numbered options ("[1] ✅ Xong") that
the user answers by typing the number (bot.channels.choices reads it). Unlike Zalo, the
console numbers every button, a reminder's and those that carry a figure ("[2] 50%")
included, and a typed label is sent as text.
"""

import asyncio
import itertools
import queue
import threading
import uuid
from dataclasses import dataclass
from typing import Protocol, TextIO

from bot.channels.base import ConversationPort
from bot.channels.choices import chosen, in_reading_order
from models.enums import Channel
from services.chats import chat_person_name
from services.clock import Clock
from services.unit_of_work import Sessions
from views.messages import Button, Incoming, Outgoing

CHANNEL = Channel.CONSOLE


@dataclass(frozen=True)
class Options:
    """The buttons of the newest message that had any, numbered from 1."""

    message_id: str
    buttons: tuple[Button, ...]


class ConsoleSender:
    """Prints outbox messages for the console channel (a ChannelSender)."""

    channel = CHANNEL

    def __init__(self, *, stream: TextIO, chat_id: str, sessions: Sessions | None = None) -> None:
        self._stream = stream
        # To name the person a message for another console chat is addressed to.
        self.sessions = sessions
        # The terminal's own chat (the person may be chosen after the channel starts).
        self.chat_id = chat_id
        self._ids = itertools.count(1)
        self.options: Options | None = None

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Print the message; messages for other console chats are shown as addressed to them.
        The console has no command menu: a menu change prints nothing."""
        if message.menu is not None:
            return None
        message_id = f"c{next(self._ids)}"
        if chat_id != self.chat_id:
            self._print(f"→ {await self._addressee(chat_id)}: {message.text}")
            return message_id
        self._print(message.text)
        for attachment in message.attachments:
            self._print(f"📎 {attachment.caption or ''} {attachment.path}".replace("  ", " "))
        buttons = tuple(in_reading_order(message))
        if buttons:
            self.options = Options(message_id=message_id, buttons=buttons)
            self._print("  ".join(f"[{n}] {button.label}" for n, button in enumerate(buttons, 1)))
        return message_id

    async def _addressee(self, chat_id: str) -> str:
        if self.sessions is not None:
            async with self.sessions() as session:
                name = await chat_person_name(session, channel=CHANNEL, chat_id=chat_id)
            if name:
                return name
        return chat_id

    def pick(self, line: str) -> tuple[str, str] | None:
        """The (button data, message id) a typed "2", "2." or "[2]" chooses, if any."""
        if self.options is None:
            return None
        button = chosen(self.options.buttons, line, by_number=True, by_label=False)
        return (button.data, self.options.message_id) if button is not None else None

    def _print(self, text: str) -> None:
        self._stream.write(text + "\n\n")
        self._stream.flush()


class Drainer(Protocol):
    """What the console needs of the outbox dispatcher."""

    async def drain_once(self) -> int:
        """Deliver what is due; return how many were sent."""
        ...


class LineFeed:
    """The lines of a stream, read by a daemon thread.

    A read in an event-loop worker thread cannot be interrupted by Ctrl-C, and the loop
    waits for its workers when it closes, so a chat would hang on exit; `close` hands the
    pending read an end of input instead. The daemon thread left waiting on the terminal
    does not keep the process alive.
    """

    def __init__(self, stream: TextIO) -> None:
        self._lines: queue.Queue[str] = queue.Queue()
        self._stream = stream
        threading.Thread(target=self._pump, name="console-input", daemon=True).start()

    def _pump(self) -> None:
        for line in iter(self._stream.readline, ""):
            self._lines.put(line)
        self._lines.put("")

    def readline(self) -> str:
        """The next line, or "" at end of input."""
        line = self._lines.get()
        if not line:
            self._lines.put("")  # every later read sees the end too
        return line

    def close(self) -> None:
        """End the input now: a pending or later read returns ""."""
        self._lines.put("")


class LineSource(Protocol):
    """Where a console chat reads its lines: `readline()` returns "" at end of input."""

    def readline(self) -> str: ...


class ConsoleChat:
    """One terminal chat: each line typed goes to the conversation, its answers are printed."""

    def __init__(
        self,
        *,
        conversation: ConversationPort,
        dispatcher: Drainer,
        sender: ConsoleSender,
        chat_id: str,
        sender_name: str | None,
        language: str | None,
        clock: Clock,
    ) -> None:
        self._conversation = conversation
        self._dispatcher = dispatcher
        self._sender = sender
        self._chat_id = chat_id
        self._sender_name = sender_name
        self._language = language
        self._clock = clock
        # Unique per run and line, so the replay guard never mistakes a new line for an old one.
        self._run = uuid.uuid4().hex[:8]
        self._lines = itertools.count(1)

    async def say(self, line: str) -> None:
        """Send one typed line (a number picks an option of the last buttons) and print answers."""
        picked = self._sender.pick(line)
        await self._conversation.handle(
            Incoming(
                channel=CHANNEL,
                chat_id=self._chat_id,
                at=self._clock(),
                text=None if picked else line,
                button=picked[0] if picked else None,
                reply_to_message_id=picked[1] if picked else None,
                message_id=f"{self._run}-{next(self._lines)}",
                sender_name=self._sender_name,
                language=self._language,
            )
        )
        await self.deliver()

    async def deliver(self) -> None:
        """Print everything the outbox holds for the console now."""
        while await self._dispatcher.drain_once():
            pass

    async def run(self, lines: LineSource) -> None:
        """Read lines until end of input."""
        await self.deliver()
        while True:
            line = await asyncio.to_thread(lines.readline)
            if not line:
                return
            if line.strip():
                await self.say(line.rstrip("\n"))
