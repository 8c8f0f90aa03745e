"""Plain messages in and out of the conversation: what every channel translates to and from.

The core never sees aiogram or Zalo objects. A channel adapter turns its update
into an `Incoming`, and renders an `Outgoing` its own way: buttons on Telegram,
numbered text options on Zalo and in the console.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.targets import Target
from locales import Translate, gettext_for
from views.buttons import status_row

# Telegram refuses callback data over 64 bytes:
# https://core.telegram.org/bots/api#inlinekeyboardbutton
MAX_BUTTON_DATA_BYTES = 64


@dataclass(frozen=True)
class IncomingFile:
    """A file sent to the bot: what the channel announced of it, not its content.

    `file_id` is the channel's handle to fetch it with (handlers.context.FileSource); `kind`
    is "document" or "photo"; `size` and `mime_type` are as the sender's app declared them.
    """

    file_id: str
    name: str | None
    size: int | None
    mime_type: str | None
    kind: str


@dataclass(frozen=True)
class Incoming:
    """One message or button press from a chat (a file's caption, if any, is its `text`)."""

    channel: str
    chat_id: str
    at: datetime
    text: str | None = None
    message_id: str | None = None
    sender_name: str | None = None
    reply_to_message_id: str | None = None
    button: str | None = None
    language: str | None = None
    is_private: bool = True
    file: IncomingFile | None = None
    # Who pressed or wrote, on channels whose chats may hold several people (a Telegram
    # group): their user id, which is also the id of their private chat with the bot.
    sender_id: str | None = None

    @property
    def sender(self) -> str | None:
        """The chat a registered sender is known by: this chat when it is private, else the
        sender's own (private) chat, so that in a group who writes is checked, never where;
        None when a group message names no sender."""
        return self.chat_id if self.is_private else self.sender_id

    @property
    def source_id(self) -> str | None:
        """A key unique to this update on this channel, so a replay is recognised."""
        if self.message_id is None:
            return None
        return f"{self.channel}:{self.chat_id}:{self.message_id}"


@dataclass(frozen=True)
class Button:
    """An action offered under a message; `data` comes back as Incoming.button."""

    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > MAX_BUTTON_DATA_BYTES:
            raise ValueError(f"button data over {MAX_BUTTON_DATA_BYTES} bytes: {self.data!r}")


@dataclass(frozen=True)
class Attachment:
    """A file sent with or after a message: a chart ("photo") or a spreadsheet ("document")."""

    kind: str
    path: str
    caption: str | None = None
    public_url: str | None = None


@dataclass(frozen=True)
class ReminderItem:
    """One numbered line of a reminder, so that "2 xong" finds its task again."""

    number: int
    assignment_id: int
    occurrence_id: int | None = None

    @property
    def target(self) -> Target:
        """The task this line is about."""
        return Target(self.assignment_id, self.occurrence_id)


@dataclass(frozen=True)
class IndicatorItem:
    """One numbered indicator of a reminder or request: the figure a reply such as "4. 7,5"
    gives goes to this indicator at this checkpoint ("2023-06M"). `explain`: the message asks
    why the figure is short or missing (yêu cầu giải trình), and a reply explains."""

    number: int
    indicator_id: int
    checkpoint: str
    explain: bool = False
    # Who asked for the explanation, told when it comes.
    requested_by: int | None = None


def status_buttons(
    *, item: ReminderItem, _: Translate, numbered: bool = False
) -> tuple[Button, ...]:
    """✅ Xong · 🔄 Đang làm · ⚠️ Vướng mắc · ⏰ Nhắc lại sau · ⏳ Xin gia hạn, for one item.

    With `numbered`, each label starts with the item number, for reminders of several items.
    The labels and data come from a template made once per language and item number
    (views.buttons.status_row), only the ids are filled in.
    """
    template = status_row(_, item.number if numbered else None)
    occurrence = "" if item.occurrence_id is None else item.occurrence_id
    return tuple(
        Button(label, data.format(item.assignment_id, occurrence)) for label, data in template
    )


@dataclass(frozen=True)
class StatusKeyboard:
    """A row of status buttons under each item of a reminder (status_buttons), in one
    language, numbered when the message has several items.

    A reminder keeps this, not its buttons, in memory and in the outbox: they all follow
    from its items. A day's first sweep at a million assignments words some 115,000 items,
    575,000 buttons, and half of each message's JSON was theirs. Outgoing.from_payload makes
    the buttons when the message is read back to be sent.
    """

    locale: str
    numbered: bool

    def rows(self, items: Sequence[ReminderItem]) -> tuple[tuple[Button, ...], ...]:
        """Each item's row of buttons."""
        _ = gettext_for(self.locale)
        return tuple(status_buttons(item=item, _=_, numbered=self.numbered) for item in items)


def indicator_items(payload: Mapping[str, Any]) -> tuple[IndicatorItem, ...]:
    """The numbered indicators of a message's outbox JSON."""
    return tuple(
        IndicatorItem(
            number=item["number"],
            indicator_id=item["indicator"],
            checkpoint=item["checkpoint"],
            explain=bool(item.get("explain")),
            requested_by=item.get("requested_by"),
        )
        for item in payload.get("indicators", [])
    )


def reminder_items(payload: Mapping[str, Any]) -> tuple[ReminderItem, ...]:
    """The numbered items of a message's outbox JSON, without rebuilding the whole message."""
    return tuple(
        ReminderItem(
            number=item["number"],
            assignment_id=item["assignment"],
            occurrence_id=item.get("occurrence"),
        )
        for item in payload.get("items", [])
    )


@dataclass(frozen=True)
class MenuChange:
    """Not a message: from now on the chat's command menu is this role's, in this language
    (role None: back to the default menu). Channels without command menus skip it."""

    role: str | None
    locale: str


@dataclass(frozen=True)
class Outgoing:
    """A message to one chat. Text is plain: each channel escapes or formats it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    # Rows of status buttons under the items, after `buttons` (see StatusKeyboard).
    status_keyboard: StatusKeyboard | None = None
    attachments: tuple[Attachment, ...] = ()
    items: tuple[ReminderItem, ...] = ()
    indicators: tuple[IndicatorItem, ...] = ()
    reply_hint: str | None = None
    reply_to_message_id: str | None = None
    edit_message_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        """The JSON form stored in the outbox."""
        return {
            "text": self.text,
            "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in self.buttons],
            "attachments": [
                {"kind": a.kind, "path": a.path, "caption": a.caption, "public_url": a.public_url}
                for a in self.attachments
            ],
            "items": [
                {"number": i.number, "assignment": i.assignment_id, "occurrence": i.occurrence_id}
                for i in self.items
            ],
            **(
                {
                    "indicators": [
                        {
                            "number": i.number,
                            "indicator": i.indicator_id,
                            "checkpoint": i.checkpoint,
                            **({"explain": True} if i.explain else {}),
                            **({"requested_by": i.requested_by} if i.requested_by else {}),
                        }
                        for i in self.indicators
                    ]
                }
                if self.indicators
                else {}
            ),
            **(
                {
                    "status_keyboard": {
                        "locale": self.status_keyboard.locale,
                        "numbered": self.status_keyboard.numbered,
                    }
                }
                if self.status_keyboard
                else {}
            ),
            "reply_hint": self.reply_hint,
            "reply_to": self.reply_to_message_id,
            "edit": self.edit_message_id,
            "extra": self.extra,
        }

    @classmethod
    def menu_change(cls, change: MenuChange) -> "Outgoing":
        """The outbox form of a menu change, delivered in order with the chat's messages."""
        return cls(text="", extra={"menu": {"role": change.role, "locale": change.locale}})

    @property
    def menu(self) -> MenuChange | None:
        """The menu change this carries instead of a message, if it is one."""
        data = self.extra.get("menu")
        if not isinstance(data, dict):
            return None
        return MenuChange(role=data.get("role"), locale=str(data.get("locale") or "vi"))

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "Outgoing":
        """Rebuild a message from its outbox JSON, its status keyboard made into buttons."""
        items = reminder_items(payload)
        buttons = tuple(
            tuple(Button(label=b["label"], data=b["data"]) for b in row)
            for row in payload.get("buttons", [])
        )
        keyboard = payload.get("status_keyboard")
        if keyboard is not None:
            buttons += StatusKeyboard(str(keyboard["locale"]), bool(keyboard["numbered"])).rows(
                items
            )
        return cls(
            text=payload["text"],
            buttons=buttons,
            attachments=tuple(
                Attachment(
                    kind=a["kind"],
                    path=a["path"],
                    caption=a.get("caption"),
                    public_url=a.get("public_url"),
                )
                for a in payload.get("attachments", [])
            ),
            items=items,
            indicators=indicator_items(payload),
            reply_hint=payload.get("reply_hint"),
            reply_to_message_id=payload.get("reply_to"),
            edit_message_id=payload.get("edit"),
            extra=dict(payload.get("extra") or {}),
        )
