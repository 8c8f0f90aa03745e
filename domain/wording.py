"""Matching Vietnamese words in a chat message while keeping the words as typed.

Officers type with diacritics or without them ("gia hạn", "gia han"), so phrases are matched
on a folded copy of the message. That copy has exactly one character per character of the
cleaned message, so every match is also a span of the words as typed, which the parsers quote
back (a reason, a document number) without re-spelling anything.

As in `domain.replies`, a word typed without marks matches any phrase it folds to, but a word
typed with marks must carry the phrase's own marks: "vuong" and "vướng" are the keyword
"vướng", the name "Vương" is not; "so" and "sở" are "sở", the number word "số" is not.
"""

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from domain.text import clean, fold, strip_tags

# Messages are short; a pasted document is cut here so that no parser works on megabytes.
MAX_MESSAGE_LENGTH = 4000


@cache
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char.lower())
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    stripped = stripped.replace("đ", "d")
    # One character in, one out: anything folding to more or fewer keeps its own lower case.
    if len(stripped) == 1:
        return stripped
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


@dataclass(frozen=True)
class Message:
    """A message cleaned line by line, with a folded copy of the same length."""

    text: str
    folded: str

    @classmethod
    def of(cls, raw: str) -> "Message":
        """Clean a raw message: tags dropped, entities decoded, spaces collapsed per line."""
        unescaped = html.unescape(strip_tags(raw[:MAX_MESSAGE_LENGTH]))
        lines = (clean(line) for line in unescaped.splitlines())
        text = "\n".join(line for line in lines if line)
        return cls(text=text, folded="".join(_fold_char(char) for char in text))

    def span(self, start: int, end: int) -> str:
        """The words as typed between two offsets, cleaned of edge spaces."""
        return self.text[start:end].strip()


class Phrases:
    """A set of canonical phrases, found in a message by their folded form."""

    def __init__(self, *phrases: str, prefix: str = r"(?<!\w)", suffix: str = r"(?!\w)") -> None:
        self._canonical: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            words = tuple(phrase.lower().split())
            key = " ".join(fold(word) for word in words)
            self._canonical.setdefault(key, []).append(words)
        # Longest first, so "vướng mắc" wins over "vướng" and "lý do" over "do".
        keys = sorted(self._canonical, key=lambda key: (-len(key), key))
        body = "|".join(r"\s+".join(re.escape(word) for word in key.split()) for key in keys)
        self.pattern = re.compile(f"{prefix}(?:{body}){suffix}")

    def finditer(
        self, message: Message, start: int = 0, end: int | None = None
    ) -> Iterator[re.Match[str]]:
        """Matches in message[start:end] whose typed words carry the right marks."""
        stop = len(message.text) if end is None else end
        for match in self.pattern.finditer(message.folded, start, stop):
            if self.spelled(message, match):
                yield match

    def search(
        self, message: Message, start: int = 0, end: int | None = None
    ) -> re.Match[str] | None:
        """The first well-spelled match in message[start:end], if any."""
        return next(self.finditer(message, start, end), None)

    def at(self, message: Message, position: int) -> re.Match[str] | None:
        """A well-spelled match starting exactly at `position`, if any."""
        match = self.pattern.match(message.folded, position)
        return match if match is not None and self.spelled(message, match) else None

    def spelled(self, message: Message, match: re.Match[str]) -> bool:
        """Whether the typed words of a folded match are one of the canonical phrases."""
        typed = message.text[match.start() : match.end()].lower().split()
        key = " ".join(match.group().split())
        return any(
            len(words) == len(typed)
            and all(t == w or t == fold(w) for t, w in zip(typed, words, strict=True))
            for words in self._canonical.get(key, ())
        )


def words_before(message: Message, position: int, count: int) -> list[str]:
    """Up to `count` folded words right before `position`, nearest first; a clause mark
    (, ; . ! ? : or a line break) ends the look-back."""
    found: list[str] = []
    cursor = position
    while len(found) < count:
        head = message.folded[:cursor].rstrip(" ")
        if not head or not (head[-1].isalnum() or head[-1] == "#"):
            break
        word = re.search(r"[\w#]+$", head)
        if word is None:
            break
        found.append(word.group())
        cursor = word.start()
    return found


def trim(text: str, *, lead: str = " :-,;.", tail: str = " ,;:-") -> str:
    """A quoted fragment without the punctuation that joined it to the rest."""
    return text.strip().lstrip(lead).rstrip(tail).strip()
