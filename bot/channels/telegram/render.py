"""How an `Outgoing` looks on Telegram: escaped HTML, parts within the length limits, and
inline keyboards."""

import html
from dataclasses import dataclass
from pathlib import Path

from aiogram.types import InlineKeyboardMarkup

from domain.text import fitting_prefix, split_text, utf16_units
from views.messages import Attachment, Button, Outgoing

# https://core.telegram.org/bots/api#sendmessage: 1-4096 characters after entity parsing,
# counted in UTF-16 code units like every length in the Bot API.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: most emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Text made safe for Telegram's HTML parse mode: nothing the user wrote becomes markup."""
    return html.escape(text, quote=False)


def keyboard_rows(buttons: tuple[tuple[Button, ...], ...]) -> list[list[dict[str, str]]]:
    """A message's buttons as the rows of an inline keyboard, in the Bot API's JSON form."""
    return [
        [{"text": button.label, "callback_data": button.data} for button in row]
        for row in buttons
        if row
    ]


def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a message's buttons (None when it has none)."""
    rows = keyboard_rows(buttons)
    return InlineKeyboardMarkup.model_validate({"inline_keyboard": rows}) if rows else None


def text_parts(message: Outgoing) -> list[str]:
    """The HTML texts of the sendMessage calls for a message (its reply hint last)."""
    body = message.text.strip()
    if message.reply_hint:
        body = f"{body}\n\n{message.reply_hint.strip()}" if body else message.reply_hint.strip()
    if utf16_len(body) <= TEXT_LIMIT:
        # Nearly every message fits: skip the splitter's count, character by character.
        return [escape(body)] if body else []
    return [escape(part) for part in split_text(body, limit=TEXT_LIMIT, units=utf16_units)]


@dataclass(frozen=True)
class Part:
    """One sendMessage, sendPhoto or sendDocument call."""

    kind: str  # "text", "photo" or "document"
    body: str | None
    path: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()


def attachment_part(attachment: Attachment) -> Part:
    """The sendPhoto or sendDocument call for an attachment, its caption cut to fit."""
    caption = attachment.caption.strip() if attachment.caption else ""
    if utf16_len(caption) > CAPTION_LIMIT:
        fits = fitting_prefix(caption, limit=CAPTION_LIMIT - 1, units=utf16_units)
        caption = caption[:fits] + "…"
    kind = "photo" if attachment.kind == "photo" else "document"
    # The file itself when it is here: Telegram fetches a document by URL only if it is a
    # GIF, PDF or ZIP (not a spreadsheet), and a signed link expires. The URL otherwise.
    here = bool(attachment.path) and Path(attachment.path).is_file()
    location = attachment.path if here else attachment.public_url or attachment.path
    return Part(kind, escape(caption) or None, location)
