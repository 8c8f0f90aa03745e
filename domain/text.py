"""Text normalisation shared by every Vietnamese parser in the domain."""

import re
import unicodedata
from collections.abc import Callable

_SPACES = re.compile(r"\s+")
# Only tag-shaped text ("<b>", "</i>", "<br/>"): a lone "<" or "< 8" in a target stays.
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_SENTENCE_END = re.compile(r"[.!?…;:](?=\s)")
_DASHES = str.maketrans(
    {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-"}
)
# Characters that show nothing but change how text reads: zero-width spaces and joiners, the
# byte-order mark, the soft hyphen, and the bidirectional controls that display a reason
# reversed ("\u202e") in digests and spreadsheets.
_INVISIBLE = str.maketrans(
    dict.fromkeys(
        [
            0x00AD, 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
            *range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF,
        ]
    )
)  # fmt: skip
# Markdown marks a chat client may wrap a command in ("*/xong 5*", "`/xong 5`").
_MARKS = "*_~`|"


def visible(text: str) -> str:
    """The text without its invisible characters (zero-width, byte-order mark, bidi controls)."""
    return text.translate(_INVISIBLE)


def clean(text: str) -> str:
    """NFC-normalise, drop invisible characters, unify dashes and collapse white space."""
    text = unicodedata.normalize("NFC", visible(text)).translate(_DASHES).replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


def readable(text: str) -> str:
    """A message as the bot reads it: invisible characters, markup tags and the Markdown
    marks wrapped around a command removed ("<b>/xong 5</b>", "\u200b/xong 2")."""
    text = strip_tags(visible(text)).strip()
    unwrapped = text.strip(_MARKS).strip()
    return unwrapped if unwrapped.startswith("/") else text


# The largest id or handle read from a message or a button: PostgreSQL's int4 holds it.
MAX_ID = 2**31 - 1


def read_int(text: str, *, low: int = 0, high: int) -> int | None:
    """The whole number `text` is, if it lies in low..high; None for anything else.

    ASCII digits only: "²", "①" and "٣" pass str.isdigit() but are no number anyone types
    here, and a bound keeps "0001000000000" from reaching date arithmetic or an int4 column.
    """
    digits = text.strip()
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(high)):
        return None
    value = int(significant)
    return value if low <= value <= high else None


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics (đ → d) for tolerant matching.

    Tone-mark placement ("hoá"/"hóa", "thuỷ"/"thủy") stops mattering because every
    mark is removed; the folded form is only for matching, never for display.
    """
    decomposed = unicodedata.normalize("NFD", clean(text).lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "d")


def strip_tags(text: str) -> str:
    """Replace markup tags pasted from documents or chat clients by spaces."""
    return _TAG.sub(" ", text)


def one_unit(_char: str) -> int:
    """Each character counts once (how most chat APIs measure length)."""
    return 1


def split_text(text: str, *, limit: int, units: Callable[[str], int] = one_unit) -> list[str]:
    """Cut text into parts of at most `limit` units at the most natural boundary.

    Paragraphs first, then lines, sentences and words; a part is never cut below half the
    limit for the sake of a nicer boundary. Only the white space at a cut is dropped:
    nothing else is lost or reordered. `units` says how much one character counts
    (Telegram counts UTF-16 code units, so most emoji count twice).
    """
    text = text.strip()
    parts: list[str] = []
    while sum(units(ch) for ch in text) > limit:
        cut = _cut(text, fitting_prefix(text, limit=limit, units=units))
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def fitting_prefix(text: str, *, limit: int, units: Callable[[str], int] = one_unit) -> int:
    """How many characters of `text` fit in `limit` units."""
    used = 0
    for index, char in enumerate(text):
        used += units(char)
        if used > limit:
            return index
    return len(text)


def _cut(text: str, fits: int) -> int:
    window = text[: fits + 1]
    floor = fits // 2
    for separator in ("\n\n", "\n"):
        at = window.rfind(separator)
        if at >= floor:
            return at + len(separator)
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= fits]
    if ends and ends[-1] >= floor:
        return ends[-1]
    at = window.rfind(" ")
    return at + 1 if at > 0 else max(fits, 1)


def utf16_units(char: str) -> int:
    """How many UTF-16 code units a character takes (Telegram measures text this way)."""
    return 2 if ord(char) > 0xFFFF else 1
