"""A target cell read into a comparison: "115,0", "12,7 - 13,0", "> 7,3", "≤ 7,0", "tăng 10%".

The cell is kept verbatim beside what was read. A cell that states no number, more numbers
than a value or a range, or words this reader does not know ("Hoàn thành", "Đạt chuẩn 14
huyện") comes back with no comparison and a reason, never with a guessed one.

| written | comparison | low | high |
| --- | --- | --- | --- |
| `115,0`, `khoảng 115` | PLAIN | 115 | 115 |
| `≥ 95`, `tối thiểu 95`, `đạt 95`, `95 trở lên` | AT_LEAST | 95 | |
| `> 7,3`, `trên 7,3`, `hơn 7,3` | MORE_THAN | 7,3 | |
| `≤ 7,0`, `không quá 7`, `tối đa 7`, `giảm còn 7` | AT_MOST | | 7 |
| `< 8`, `dưới 8`, `giảm xuống dưới 8` | LESS_THAN | | 8 |
| `12,7 - 13,0`, `từ 12,7 đến 13` | BETWEEN | 12,7 | 13 |
| `tăng 10%` | INCREASE | 10 | 10 |
| `giảm 5%` | DECREASE | 5 | 5 |

Whether a PLAIN or BETWEEN target is a floor or a ceiling depends on the indicator (a jobless
rate of 3,59 % is a ceiling), so those carry no direction of their own.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.indicators.quantities import NUMBER, Unit, fold_chars, parse_number, parse_unit
from domain.problems import Problem
from domain.text import clean, strip_tags
from locales import N_


class Comparison(StrEnum):
    """How a value meets the target; stored as its value."""

    PLAIN = "plain"
    AT_LEAST = "at-least"
    MORE_THAN = "more-than"
    AT_MOST = "at-most"
    LESS_THAN = "less-than"
    BETWEEN = "between"
    INCREASE = "increase"
    DECREASE = "decrease"


class Direction(StrEnum):
    """Which way is better for an indicator; stored as its value."""

    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Target:
    """A target as written and as read.

    PLAIN has low = high = the value; AT_LEAST and MORE_THAN only `low`; AT_MOST and LESS_THAN
    only `high`; BETWEEN both ends; INCREASE and DECREASE the amount of change in both, the
    change being measured from `reference` ("so với năm 2022") or from the previous year.
    `comparison` is None for an empty cell (`reason` None) and for one that could not be read
    (`reason` says why).
    """

    text: str
    comparison: Comparison | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    unit: Unit | None = None
    reference: str | None = None
    reason: Problem | None = None

    @property
    def is_empty(self) -> bool:
        """Whether the cell held no target at all."""
        return self.comparison is None and self.reason is None

    @property
    def direction(self) -> Direction | None:
        """The direction the wording itself states, if any."""
        return _DIRECTIONS.get(self.comparison) if self.comparison else None

    def scaled(self, factor: Decimal) -> "Target":
        """The same target with its bounds multiplied (pro rata for a checkpoint)."""
        if self.comparison in (Comparison.INCREASE, Comparison.DECREASE):
            return self
        return Target(
            text=self.text,
            comparison=self.comparison,
            low=None if self.low is None else self.low * factor,
            high=None if self.high is None else self.high * factor,
            unit=self.unit,
            reference=self.reference,
            reason=self.reason,
        )


_DIRECTIONS = {
    Comparison.AT_LEAST: Direction.HIGHER,
    Comparison.MORE_THAN: Direction.HIGHER,
    Comparison.INCREASE: Direction.HIGHER,
    Comparison.AT_MOST: Direction.LOWER,
    Comparison.LESS_THAN: Direction.LOWER,
    Comparison.DECREASE: Direction.LOWER,
}

NO_NUMBER = N_("Chỉ tiêu không có con số: «{text}»")
_TOO_MANY = N_("Chỉ tiêu có nhiều con số, không rõ số nào là mục tiêu: «{text}»")
_UNKNOWN_WORDS = N_("Không hiểu «{words}» trong chỉ tiêu «{text}»")
_BAD_NUMBER = N_("Số «{number}» viết không đúng định dạng trong chỉ tiêu «{text}»")
_REVERSED = N_("Khoảng chỉ tiêu ngược (số đầu lớn hơn số sau): «{text}»")
_CONTRADICTS = N_("Chỉ tiêu vừa nói cận trên vừa nói cận dưới: «{text}»")

_EMPTY = {"", "-", "--", "…", "..."}
# "946.367, 0": a space typed after the decimal comma.
_LOOSE_DECIMAL = re.compile(r"(?<=[0-9])([.,]) (?=[0-9])")
# Between the two numbers of a range: an optional unit ("52% - 57%") and the joining word.
_RANGE_GAP = re.compile(r"\s*(?P<unit>%|[a-z]+(?: [a-z]+)?)?\s*(?:-|~|÷|den|toi)\s*")
_REFERENCE = re.compile(r"(?<![a-z0-9])so\s+voi(?![a-z0-9])")
_SYMBOLS = (
    ("≥", Comparison.AT_LEAST),
    (">=", Comparison.AT_LEAST),
    ("=>", Comparison.AT_LEAST),
    ("≤", Comparison.AT_MOST),
    ("<=", Comparison.AT_MOST),
    ("=<", Comparison.AT_MOST),
    (">", Comparison.MORE_THAN),
    ("<", Comparison.LESS_THAN),
)
_UP, _DOWN, _FILLER, _REACH = "up", "down", "filler", "reach"
# Lead words (folded), longest first within the table's search.
_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("khong", "vuot", "qua"), Comparison.AT_MOST),
    (("nho", "hon", "hoac", "bang"), Comparison.AT_MOST),
    (("lon", "hon", "hoac", "bang"), Comparison.AT_LEAST),
    (("khong", "cao", "hon"), Comparison.AT_MOST),
    (("khong", "thap", "hon"), Comparison.AT_LEAST),
    (("khong", "qua"), Comparison.AT_MOST),
    (("toi", "da"), Comparison.AT_MOST),
    (("toi", "thieu"), Comparison.AT_LEAST),
    (("it", "nhat"), Comparison.AT_LEAST),
    (("khong", "duoi"), Comparison.AT_LEAST),
    (("lon", "hon"), Comparison.MORE_THAN),
    (("cao", "hon"), Comparison.MORE_THAN),
    (("nho", "hon"), Comparison.LESS_THAN),
    (("thap", "hon"), Comparison.LESS_THAN),
    (("tren",), Comparison.MORE_THAN),
    (("hon",), Comparison.MORE_THAN),
    (("vuot",), Comparison.MORE_THAN),
    (("duoi",), Comparison.LESS_THAN),
    (("tang",), Comparison.INCREASE),
    (("giam",), Comparison.DECREASE),
    (("len",), _UP),
    (("xuong",), _DOWN),
    (("con",), _DOWN),
    (("phan", "dau"), _FILLER),
    (("xap", "xi"), _FILLER),
    (("dat", "muc"), _FILLER),
    (("dat",), _REACH),
    (("muc",), _FILLER),
    (("la",), _FILLER),
    (("khoang",), _FILLER),
    (("tu",), _FILLER),
    (("bang",), _FILLER),
)
_SUFFIXES = (
    (re.compile(r"(?<![a-z0-9])tro\s+len[\s.]*$"), Comparison.AT_LEAST),
    (re.compile(r"(?<![a-z0-9])tro\s+xuong[\s.]*$"), Comparison.AT_MOST),
)
_BOUNDS = {
    Comparison.AT_LEAST,
    Comparison.MORE_THAN,
    Comparison.AT_MOST,
    Comparison.LESS_THAN,
}
_LOWER_BOUNDS = {Comparison.AT_LEAST, Comparison.MORE_THAN}
_UPPER_BOUNDS = {Comparison.AT_MOST, Comparison.LESS_THAN}


def parse_target(text: str) -> Target:
    """Read a target cell; never raises."""
    written = clean(strip_tags(text))
    if written in _EMPTY:
        return Target(written)
    work = _LOOSE_DECIMAL.sub(r"\1", written)
    folded = fold_chars(work)
    numbers = list(NUMBER.finditer(folded))
    if not numbers:
        return _unread(written, NO_NUMBER)
    first = numbers[0]
    start = first.start()
    negative = start > 0 and folded[start - 1] == "-" and not folded[: start - 1].strip()
    low = parse_number(first.group())
    if low is None:
        return _unread(written, _BAD_NUMBER, number=first.group())
    if negative:
        low, start = -low, start - 1
    lead = folded[:start]
    end = first.end()
    high: Decimal | None = None
    unit_text = ""
    if len(numbers) > 1 and (gap := _RANGE_GAP.fullmatch(folded, end, numbers[1].start())):
        high = parse_number(numbers[1].group())
        if high is None:
            return _unread(written, _BAD_NUMBER, number=numbers[1].group())
        unit_text = work[gap.start("unit") : gap.end("unit")] if gap["unit"] else ""
        end = numbers[1].end()
    rest_written, rest = work[end:], folded[end:]
    reference: str | None = None
    if match := _REFERENCE.search(rest):
        reference = clean(rest_written[match.start() :])
        rest_written, rest = rest_written[: match.start()], rest[: match.start()]
    suffix: str | None = None
    for pattern, meaning in _SUFFIXES:
        if match := pattern.search(rest):
            suffix = meaning
            rest_written, rest = rest_written[: match.start()], rest[: match.start()]
            break
    if _stray_number(rest):
        return _unread(written, _TOO_MANY)
    unit_text = clean(rest_written.strip(" :;,.()")) or clean(unit_text)
    operators = _lead_operators(lead)
    if isinstance(operators, str):
        return _unread(written, _UNKNOWN_WORDS, words=operators)
    if suffix is not None:
        operators.append(suffix)
    comparison = _combine(operators, ranged=high is not None)
    if comparison is None:
        return _unread(written, _CONTRADICTS)
    if high is not None and low > high:
        return _unread(written, _REVERSED)
    if high is None:
        high = None if comparison in _LOWER_BOUNDS else low
    return Target(
        text=written,
        comparison=comparison,
        low=None if comparison in _UPPER_BOUNDS else low,
        high=high,
        unit=parse_unit(unit_text) if unit_text else None,
        reference=reference,
    )


def _unread(written: str, message: str, **values: str) -> Target:
    return Target(written, reason=Problem.of(message, text=written, **values))


def _stray_number(rest: str) -> bool:
    """Whether the text after the value holds a number that is not part of its unit.

    "(1.000 lượt)" (a scale before the unit's word) and "/1.000 trẻ" (a per-N rate) are units.
    """
    for match in NUMBER.finditer(rest):
        before = rest[: match.start()]
        per_n = before.rstrip().endswith("/")
        scale = not before.strip(" (") and re.match(r"\s+[a-z%]", rest[match.end() :])
        if not (per_n or scale):
            return True
    return False


def _lead_operators(lead: str) -> list[str] | str:
    """The operators and direction words before the number, or the words not understood."""
    found: list[str] = []
    text = lead
    for symbol, comparison in _SYMBOLS:
        if symbol in text:
            found.append(comparison)
            text = text.replace(symbol, " ")
    words = [word for word in re.findall(r"[a-z0-9]+|[^\sa-z0-9]", text) if word not in ":=,()"]
    unknown: list[str] = []
    index = 0
    while index < len(words):
        for phrase, meaning in _WORDS:
            if tuple(words[index : index + len(phrase)]) == phrase:
                if meaning != _FILLER:
                    found.append(meaning)
                index += len(phrase)
                break
        else:
            unknown.append(words[index])
            index += 1
    return " ".join(unknown) if unknown else found


def _combine(operators: list[str], *, ranged: bool) -> Comparison | None:
    """One comparison from the lead's words, or None when they contradict each other."""
    bounds = list(dict.fromkeys(op for op in operators if op in _BOUNDS))
    changes = set(op for op in operators if op in (Comparison.INCREASE, Comparison.DECREASE))
    moves = {op for op in operators if op in (_UP, _DOWN)}
    if ranged:
        # "từ 52 đến 57", "đạt 52 - 57": only words that bound neither side.
        return None if bounds or changes or moves else Comparison.BETWEEN
    if not bounds and _REACH in operators and not changes:
        bounds = [Comparison.AT_LEAST]
    if len(bounds) > 1 or len(changes) > 1:
        return None
    if changes and (moves or bounds):
        # "giảm xuống 8", "giảm còn dưới 8", "tăng lên 95": the level to reach.
        if bounds:
            return Comparison(bounds[0])
        if len(moves) > 1:
            return None
        return Comparison.AT_LEAST if _UP in moves else Comparison.AT_MOST
    if changes:
        return Comparison(changes.pop())
    if moves:
        return None
    return Comparison(bounds[0]) if bounds else Comparison.PLAIN
