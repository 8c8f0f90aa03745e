"""How an `Outgoing` looks on Zalo: plain text only, no buttons, no reply-to.

- Buttons become numbered options ("1. ◀ Trang trước") that the person answers by typing
  the number (or the label); `bot.channels.choices` is the one rule for which buttons are
  options and how they are numbered, here and on the inbound side. Buttons already
  labelled "1. …", "2. …" (the "which task?" list) are not listed again.
- Buttons that carry a figure (the 25/50/75% and 1/3/7-day follow-ups) are not numbered:
  typing "3" after "remind me in how many days?" must mean 3 days, not option 3. They
  are listed as what to type ("Trả lời: 25% · 50% · 75% · ✅ Xong").
- A reminder (a message with items) shows its one-line reply hint instead of buttons,
  because "1 xong · 2 50%" already names items by number.
- Photos go out by public URL only; a photo without one, and every document, becomes
  a line of text (with the URL when there is one).
- Text longer than Zalo's 2,000 characters is split at paragraph, line, sentence or
  word boundaries, in that order of preference.
"""

import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from bot.channels.choices import numbered, options
from domain.text import split_text
from locales import Translate
from views.messages import Button, Outgoing

from .client import MAX_TEXT


@dataclass(frozen=True)
class TextPart:
    """One sendMessage call."""

    text: str


@dataclass(frozen=True)
class PhotoPart:
    """One sendPhoto call."""

    url: str
    caption: str | None = None


Part = TextPart | PhotoPart


@dataclass(frozen=True)
class Rendered:
    """The calls for one message, and which of them replies should bind to."""

    parts: tuple[Part, ...]
    anchor: int


def render(message: Outgoing, *, _: Translate, limit: int = MAX_TEXT) -> Rendered:
    """The sendMessage/sendPhoto calls that show `message` on Zalo."""
    blocks = [message.text.strip()]
    photos: list[PhotoPart] = []
    for attachment in message.attachments:
        name = attachment.caption or PurePath(attachment.path).name
        if attachment.kind == "photo" and attachment.public_url:
            photos.append(PhotoPart(url=attachment.public_url, caption=attachment.caption))
        elif attachment.public_url:
            blocks.append(_("📎 {name}: {url}").format(name=name, url=attachment.public_url))
        elif attachment.kind == "photo":
            blocks.append(_("🖼 {name}: ảnh này chưa xem được trên Zalo.").format(name=name))
        else:
            blocks.append(
                _(
                    "📎 {name}: tệp này chưa tải được trên Zalo; xin liên hệ điều phối viên."
                ).format(name=name)
            )
    choices = options(message)
    if message.items:
        blocks.append(message.reply_hint or _default_hint(len(message.items), _))
    elif numbered(choices):
        if not _self_numbered(choices):
            lines = [f"{number}. {b.label}" for number, b in enumerate(choices, 1)]
            lines.append(_("Trả lời bằng số để chọn."))
            blocks.append("\n".join(lines))
    elif choices:
        labels = " · ".join(button.label for button in choices)
        blocks.append(_("Trả lời: {choices}").format(choices=labels))
    body = unicodedata.normalize("NFC", "\n\n".join(b for b in blocks if b))
    parts: list[Part] = [TextPart(chunk) for chunk in split_text(body, limit=limit)]
    anchor = len(parts) - 1
    for photo in photos:
        if photo.caption and len(photo.caption) > limit:
            parts.append(PhotoPart(url=photo.url))
            parts.extend(TextPart(chunk) for chunk in split_text(photo.caption, limit=limit))
        else:
            parts.append(photo)
    return Rendered(parts=tuple(parts), anchor=max(anchor, 0))


def _self_numbered(choices: list[Button]) -> bool:
    # "Which task?" buttons read "1. #57", "2. #58": the text above already lists them
    # and asks for the number, so they are not repeated.
    return all(b.label.startswith(f"{n}.") for n, b in enumerate(choices, 1))


def _default_hint(count: int, _: Translate) -> str:
    if count == 1:
        return _("Trả lời: xong · 50% · vướng <lý do>")
    return _("Trả lời theo số thứ tự, ví dụ: 1 xong · 2 50% · 1 vướng <lý do>")
