"""Zalo updates as plain data: what arrived, from which chat, with which id."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models.enums import Channel
from views.messages import Incoming

CHANNEL = Channel.ZALO
TEXT_EVENT = "message.text.received"
# Sent instead of the content when the sender is in a group the law protects (children,
# people with disabilities...): the bot never sees what they wrote (Zalo Bot docs, "cảnh báo").
UNSUPPORTED_EVENT = "message.unsupported.received"
# Zalo stamps messages in milliseconds since the epoch; anything below this is seconds.
_MILLISECONDS_FROM = 10**11


class BadUpdate(ValueError):
    """The body is not a Zalo update this bot can read."""


@dataclass(frozen=True)
class ZaloEvent:
    """One update: a text message, or something else (image, sticker...) from a chat."""

    event_name: str
    channel: str
    chat_id: str
    message_id: str | None
    at: datetime
    text: str | None
    sender_name: str | None
    is_private: bool
    # The sender's user id (in a group, not the group's).
    sender_id: str | None = None

    @property
    def is_text(self) -> bool:
        """Whether the conversation can read it."""
        return self.event_name == TEXT_EVENT and self.text is not None

    @property
    def is_unsupported(self) -> bool:
        """Whether Zalo withheld the content (a protected account, a file, a contact card)."""
        return self.event_name == UNSUPPORTED_EVENT

    @property
    def source_id(self) -> str | None:
        """The same key Incoming.source_id gives, so replays are recognised either way."""
        if self.message_id is None:
            return None
        return f"{self.channel}:{self.chat_id}:{self.message_id}"

    def incoming(self, *, button: str | None = None) -> Incoming:
        """The conversation's view of this text message (Zalo has no reply-to)."""
        return Incoming(
            channel=self.channel,
            chat_id=self.chat_id,
            at=self.at,
            text=None if button is not None else self.text,
            message_id=self.message_id,
            sender_name=self.sender_name,
            button=button,
            is_private=self.is_private,
            sender_id=self.sender_id,
        )


def unwrap(body: Any) -> Any:
    """The update itself, whether bare or wrapped in `{"ok": true, "result": ...}` (the docs
    show it wrapped; integrations report live webhook bodies bare)."""
    if isinstance(body, Mapping) and body.get("ok") is True and "result" in body:
        return body["result"]
    return body


def parse_update(body: Any, *, received_at: datetime, channel: str = CHANNEL) -> ZaloEvent:
    """Read an update, bare or wrapped in `{"ok": true, "result": ...}`; else BadUpdate."""
    body = unwrap(body)
    if not isinstance(body, Mapping):
        raise BadUpdate("an update must be a JSON object")
    event_name = body.get("event_name")
    message = body.get("message")
    if not isinstance(event_name, str) or not isinstance(message, Mapping):
        raise BadUpdate("an update needs event_name and message")
    chat = message.get("chat")
    sender = message.get("from")
    chat_id = _identifier(chat.get("id") if isinstance(chat, Mapping) else None)
    if chat_id is None:
        chat_id = _identifier(sender.get("id") if isinstance(sender, Mapping) else None)
    if chat_id is None:
        raise BadUpdate("an update needs a chat id")
    text = message.get("text")
    return ZaloEvent(
        event_name=event_name,
        channel=channel,
        chat_id=chat_id,
        message_id=_identifier(message.get("message_id")),
        at=_when(message.get("date"), received_at),
        text=text if isinstance(text, str) else None,
        sender_name=_name(sender),
        is_private=not (isinstance(chat, Mapping) and chat.get("chat_type") == "GROUP"),
        sender_id=_identifier(sender.get("id") if isinstance(sender, Mapping) else None),
    )


def _identifier(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)[:64]


def _name(sender: Any) -> str | None:
    if not isinstance(sender, Mapping):
        return None
    for key in ("display_name", "name", "first_name"):
        value = sender.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


def _when(value: Any, received_at: datetime) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return received_at
    seconds = value / 1000 if value >= _MILLISECONDS_FROM else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return received_at
