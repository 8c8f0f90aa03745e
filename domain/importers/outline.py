"""Where each paragraph of a document sits: the numbered headings above it.

Plans number their parts "I.", "1.", "1.1." and "a)"; a paragraph's place under them is both
its citation ("III.1.2", "2.4.a") and the way to the agency a heading is about.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.importers.blocks import Block, Paragraph
from domain.text import fold

ROMAN_HEADING = re.compile(r"([IVX]+)\.\s+(.+)")
DOTTED_HEADING = re.compile(r"(\d+(?:\.\d+)+)\.?\s+(.+)")
NUMBER_HEADING = re.compile(r"(\d+)\.\s+(.+)")
LETTER_HEADING = re.compile(r"([a-zđ])\)\s*(.*)")
MARKER = re.compile(r"^(?:[-+•]\s+|(?:\d+(?:\.\d+)*\.|[IVX]+\.|[a-zđ]\))\s*)+")
_ORGANISE = "to chuc thuc hien"


@dataclass
class Outline:
    """Where a paragraph sits: the numbered headings above it."""

    roman: str | None = None
    roman_text: str = ""
    number: str | None = None
    number_text: str = ""
    sub: str | None = None
    sub_text: str = ""
    letter: str | None = None
    letter_text: str = ""

    def advance(self, paragraph: Paragraph) -> int:
        """Move past a paragraph; the outline level it opens (0-3), or 4 for plain text."""
        text = paragraph.text
        if match := ROMAN_HEADING.fullmatch(text):
            self.roman, self.roman_text = match.group(1), match.group(2)
            self.number = self.sub = self.letter = None
            return 0
        if match := DOTTED_HEADING.fullmatch(text):
            self.sub, self.sub_text = match.group(1), match.group(2)
            number = self.sub.split(".")[0]
            if number != self.number:
                self.number, self.number_text = number, ""
            self.letter = None
            return 2
        if match := NUMBER_HEADING.fullmatch(text):
            self.number, self.number_text = match.group(1), match.group(2)
            self.sub = self.letter = None
            return 1
        if match := LETTER_HEADING.fullmatch(text):
            self.letter, self.letter_text = match.group(1), match.group(2)
            return 3
        if paragraph.heading:
            self.letter = None
        return 4

    @property
    def path(self) -> tuple[str, ...]:
        parts = (self.roman, self.sub or self.number, self.letter)
        return tuple(part for part in parts if part)

    def headings(self) -> list[str]:
        """Heading texts from the nearest up, for finding the agency a section is about."""
        found = [self.letter_text if self.letter else ""]
        found += [self.sub_text if self.sub else "", self.number_text if self.number else ""]
        return [text for text in found if text]

    def label(self, level: int) -> str:
        """The heading above a paragraph of outline `level`, as a reader would cite it."""
        slots = [
            (self.roman, self.roman_text),
            (self.number, self.number_text),
            (self.sub, self.sub_text),
            (self.letter, self.letter_text),
        ]
        for depth in range(min(level, 4) - 1, -1, -1):
            number, text = slots[depth]
            if number and text:
                middle = self.sub if depth >= 2 and self.sub else self.number
                parts = (
                    self.roman,
                    middle if depth >= 1 else None,
                    number if depth == 3 else None,
                )
                path = ".".join(part for part in parts if part)
                return f"{path}. {text.strip().rstrip(':')}"
        return ""

    def in_organisation_part(self) -> bool:
        """Whether the paragraph is under "Tổ chức thực hiện", where duties are assigned."""
        texts = (self.roman_text if self.roman else "", self.number_text if self.number else "")
        return any(_ORGANISE in fold(text) for text in texts)


@dataclass
class Placed:
    paragraph: Paragraph
    outline: Outline
    index: int
    level: int
    consumed: bool = False


def place(blocks: Sequence[Block]) -> list[Placed]:
    """Every paragraph with its place in the outline; tables are skipped."""
    outline = Outline()
    placed: list[Placed] = []
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            level = outline.advance(block)
            placed.append(Placed(block, replace(outline), index, level))
    return placed
