"""Read a focal officer's short status reply: "xong", "50%", "vướng: chưa có kinh phí".

The parser would rather ask again than guess. These make their fragment *unclear* (quoted
back by the bot, nothing changed): a status word that is negated, asked about or only planned
("chưa xong", "xong chưa?", "sẽ xong"), a percent above 100, negative or decimal, a snooze in
months, "xong" and "vướng" in one breath, and an item number or handle with nothing readable
after it ("2", "2 ???"), a number after a status that is followed by anything but a clause
end, a percent or another status ("xong 2 việc"), and, in a numbered reply, a status that
names no item ("xong #57 60%"). A number right after a status names the item it is about:
"xong 2", "xong #2", "Xong mục 2", "50% 2", "đang làm 1 60%". Text with no status word at
all ("cảm ơn", "ok", "chưa có kinh phí") is neither an update nor unclear.

A percent outranks "xong" ("hoàn thành 80%" is 80% done); "sắp xong" is progress; "vướng"
with no reason after it is BLOCKED with reason None. A reply whose first status is numbered
("1 xong, 2 60%") is numbered throughout: each item number opens a new item and each line
break ends one. "tất cả xong" / "all done" sets all_items rather than guessing item numbers.

Vietnamese words match with their own diacritics or with none at all, so "vuong" and "vướng"
are read but the name "Vương" is not.
"""

import html
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from typing import Literal

from domain.status import Status
from domain.text import clean, fold, strip_tags

MAX_REASON_LENGTH = 500
_MAX_DIGITS = 9  # int() refuses very long digit strings, and no real item or handle is that big
_MAX_ITEMS = 50
MAX_SNOOZE_DAYS = 365


class ReplyAction(StrEnum):
    """What a reply asks the store to do with one assignment."""

    DONE = "done"
    PROGRESS = "progress"
    BLOCKED = "blocked"
    SNOOZE = "snooze"

    @property
    def status(self) -> Status | None:
        """The status this action moves an assignment to; None for a snooze, which keeps it."""
        return _STATUS_OF.get(self)


_STATUS_OF = {
    ReplyAction.DONE: Status.DONE,
    ReplyAction.PROGRESS: Status.IN_PROGRESS,
    ReplyAction.BLOCKED: Status.BLOCKED,
}


@dataclass(frozen=True)
class StatusReply:
    """One update read from a reply, aimed at an item, a handle, every item or the task asked."""

    action: ReplyAction
    # PROGRESS: 0..99, since "100%" reads as DONE (which leaves this None). BLOCKED keeps the
    # percent the officer gave, if any ("60%, vướng kinh phí").
    percent: int | None = None
    # BLOCKED only: the officer's words after the keyword, cleaned, at most MAX_REASON_LENGTH.
    reason: str | None = None
    # SNOOZE only: days until the next reminder; None when the officer named no delay.
    snooze_days: int | None = None
    # Number of an item in a numbered reminder ("2 60%").
    item: int | None = None
    # Assignment handle ("#57 xong").
    handle: int | None = None
    # "tất cả xong", "xong hết", "all done": every item of the reminder, not just one.
    all_items: bool = False


@dataclass(frozen=True)
class ParsedReply:
    """Everything read from one reply, in the order the officer wrote it."""

    updates: tuple[StatusReply, ...]
    # Fragments that tried to say something but could not be read, quoted as typed (cleaned).
    unclear: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        """Whether the reply held no status at all, readable or not."""
        return not self.updates and not self.unclear


_Phrase = tuple[str, ...]
_Kind = Literal["word", "num", "nl", "punct"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    text: str  # lower-cased, diacritics kept
    key: str  # folded, for matching
    start: int
    end: int
    spaced: bool


@cache
def _folded(word: str) -> str:
    return fold(word)


def _spelled(token: _Token, word: str) -> bool:
    # A word typed with no diacritics matches any keyword; one typed with marks must match
    # them, so that names and other words folding alike ("Vương", "chùa") are not keywords.
    return (
        token.kind == "word"
        and token.key == _folded(word)
        and (token.text == word or token.text == token.key)
    )


class _Words:
    """A set of canonical words that tokens are tested against with `in`."""

    def __init__(self, *words: str) -> None:
        self._forms: dict[str, set[str]] = {}
        for word in words:
            self._forms.setdefault(_folded(word), set()).add(word)

    def __contains__(self, token: _Token) -> bool:
        forms = self._forms.get(token.key)
        return (
            forms is not None
            and token.kind == "word"
            and (token.text == token.key or token.text in forms)
        )


_VOCABULARY: tuple[tuple[ReplyAction, _Phrase], ...] = (
    *(
        (ReplyAction.DONE, phrase)
        for phrase in (
            ("xong",),
            ("hoàn", "thành"),
            ("hoàn", "tất"),
            ("ht",),
            ("đã", "nộp"),
            ("nộp", "rồi"),
            ("done",),
            ("completed",),
            ("complete",),
            ("finished",),
        )
    ),
    *(
        (ReplyAction.PROGRESS, phrase)
        for phrase in (
            ("đang", "làm"),
            ("đang", "thực", "hiện"),
            ("đang", "triển", "khai"),
            ("đang", "xử", "lý"),
            ("đang", "xử", "lí"),
            ("đang", "tiến", "hành"),
            ("đang", "hoàn", "thiện"),
            ("in", "progress"),
            ("working", "on", "it"),
            ("ongoing",),
        )
    ),
    *(
        (ReplyAction.BLOCKED, phrase)
        for phrase in (
            ("vướng", "mắc"),
            ("vướng",),
            ("khó", "khăn"),
            ("blocked",),
            ("blocker",),
            ("stuck",),
        )
    ),
    *(
        (ReplyAction.SNOOZE, phrase)
        for phrase in (
            ("nhắc", "lại", "sau"),
            ("nhắc", "sau"),
            ("nhắc", "lại"),
            ("để", "sau"),
            ("snooze",),
            ("remind", "me", "later"),
            ("remind", "me"),
            ("remind", "later"),
        )
    ),
)
# "nhắc lại" and "remind me" alone also mean "say that again"; only a delay makes them a snooze.
_NEED_DELAY: frozenset[_Phrase] = frozenset({("nhắc", "lại"), ("remind", "me")})


def _index_by_first_word() -> dict[str, list[tuple[ReplyAction, _Phrase]]]:
    # Longest phrases first, so "vướng mắc" wins over "vướng" and "nhắc lại sau" over "nhắc lại".
    index: dict[str, list[tuple[ReplyAction, _Phrase]]] = {}
    for action, phrase in sorted(_VOCABULARY, key=lambda entry: -len(entry[1])):
        index.setdefault(_folded(phrase[0]), []).append((action, phrase))
    return index


_BY_FIRST_WORD = _index_by_first_word()

_NEGATORS = _Words(
    "chưa", "không", "ko", "k", "kg", "hok", "hông", "chẳng", "chả", "not", "no", "never", "cannot"
)  # fmt: skip
# A plan or an intention is not a fact: "sẽ xong thứ 6", "cần hoàn thành trước 30/6".
_NOT_YET = _Words("sẽ", "để", "cần", "will", "to", "expected", "expect")
_NOT_YET_PAIRS: tuple[_Phrase, ...] = (("dự", "kiến"), ("kế", "hoạch"))
# "sắp xong", "gần hoàn thành", "almost done": clearly under way, so in progress.
_NEARLY = _Words("sắp", "gần", "almost", "nearly")
_QUESTION_WORDS = _Words("chưa", "không", "ko", "k", "chứ", "hả", "hông", "hok")
# Words that may open an item's status in a numbered reply, besides the keywords themselves.
_STARTERS = _Words("đã", "đang", "vẫn", "sắp", "gần", "sẽ", "ok", "okay")
# Words that may stand between a status and the number of the item it is about: "xong mục 2".
_ITEM_WORDS = _Words("mục", "số", "việc", "item", "task")
_AND = _Words("và", "and")
_ALL_FIRST: tuple[_Phrase, ...] = (("tất", "cả"), ("toàn", "bộ"), ("all",), ("everything",))
_ALL_AFTER: tuple[_Phrase, ...] = (("hết",), ("cả",), ("tất", "cả"), ("toàn", "bộ"), ("all",))

_PERCENT_WORDS: tuple[_Phrase, ...] = (("phần", "trăm"), ("percent",))
_DAY_UNITS = _Words("ngày", "hôm", "day", "days")
_WEEK_UNITS = _Words("tuần", "week", "weeks")
_OTHER_UNITS = _Words(
    "tháng", "năm", "giờ", "tiếng", "phút", "lần",
    "month", "months", "year", "years", "hour", "hours", "minute", "minutes", "times",
)  # fmt: skip
_DELAY_TAILS = _Words("nữa", "nhé", "nha", "ạ", "later", "please")
_DELAY_LEADS = _Words("sau", "in", "after", "khoảng", "about", "trong", "thêm")
_TOMORROW = _Words("mai", "tomorrow")
_NEXT_WEEK: tuple[_Phrase, ...] = (("tuần", "sau"), ("tuần", "tới"), ("next", "week"))
_NUMBER_WORDS: dict[str, int] = {
    "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
    "mười": 10, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "ten": 10,
}  # fmt: skip

_CLAUSE_ENDS = frozenset({",", ";", ".", "!", "\n"})
_QUESTION_MARKS = frozenset({"?", "？"})
_PERCENT_SIGNS = frozenset({"%", "％"})
_ITEM_SEPARATORS = frozenset({".", ")", ":", "-"})
_REASON_LEAD = " :-,;."
_FRAGMENT_EDGE = " ,;"

# Bounded tag bodies keep stripping linear on hostile input.
_KEYCAP = "\ufe0f\u20e3"
_TOKEN = re.compile(
    r"(?P<nl>\n)|(?P<num>[0-9]+)|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)|(?P<punct>\S)"
)


# Officers answer with a handful of short phrases ("xong", "50%", "đang làm"), and a reading
# is immutable, so a burst of replies reads each distinct text once.
@lru_cache(maxsize=4096)
def parse_reply(text: str) -> ParsedReply:
    """Read every status update in an officer's reply, and the fragments that could not be read."""
    cleaned = _prepare(text)
    tokens = _tokenize(cleaned)
    updates: list[StatusReply] = []
    unclear: list[str] = []
    segments = _segments(tokens)
    numbered = any(segment.target is not None for segment in segments)
    for segment in segments:
        read = _read_segment(tokens, cleaned, segment)
        if read and numbered and all(_loose(update) for update in read):
            # "xong #57 60%": in a numbered reply, a status naming no item is not guessed at.
            read = None
        if read is None:
            unclear.append(_fragment(tokens, cleaned, segment))
        else:
            updates.extend(read)
    return ParsedReply(updates=tuple(updates), unclear=tuple(unclear))


def _loose(update: StatusReply) -> bool:
    return update.item is None and update.handle is None and not update.all_items


def parse_delay(text: str) -> int | None:
    """The days in an answer to "after how many days?": "3 ngày", "sau 3 ngay nữa",
    "tuần sau", "mai", "3 days"; None unless the whole answer names one delay."""
    tokens = _tokenize(_prepare(text))
    days, readable, end = _delay(tokens, 0, len(tokens))
    # What may follow: "nữa", "nhé" and the like, and punctuation ("3 ngày.").
    rest = [t for t in tokens[end:] if t.kind != "punct" and t not in _DELAY_TAILS]
    if days is None or not readable or rest:
        return None
    return days


def _prepare(text: str) -> str:
    # Lines are kept apart: in a numbered reply a line break ends an item. A keycap digit
    # ("1️⃣ xong") numbers an item the way "1." does.
    text = html.unescape(strip_tags(text)).replace(_KEYCAP, ".").replace(_KEYCAP[-1], ".")
    lines = (clean(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _tokenize(cleaned: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(cleaned):
        kind: _Kind = match.lastgroup  # type: ignore[assignment]
        raw = match.group()
        text = raw.lower()
        start = match.start()
        tokens.append(
            _Token(
                kind=kind,
                text=text,
                key=fold(raw) if kind == "word" else text,
                start=start,
                end=match.end(),
                spaced=start == 0 or cleaned[start - 1].isspace(),
            )
        )
    return tokens


def _adjacent(left: _Token, right: _Token) -> bool:
    return left.end == right.start


def _number(token: _Token) -> int | None:
    digits = token.text.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else None


def _matches(tokens: list[_Token], i: int, end: int, phrase: _Phrase) -> bool:
    return i + len(phrase) <= end and all(
        _spelled(tokens[i + k], word) for k, word in enumerate(phrase)
    )


def _first_match(tokens: list[_Token], i: int, end: int, phrases: tuple[_Phrase, ...]) -> int:
    """Length of the first phrase found at i, or 0."""
    return next((len(p) for p in phrases if _matches(tokens, i, end, p)), 0)


def _phrase_at(tokens: list[_Token], i: int, end: int) -> tuple[ReplyAction, _Phrase] | None:
    if i >= end or tokens[i].kind != "word":
        return None
    for action, phrase in _BY_FIRST_WORD.get(tokens[i].key, ()):
        if _matches(tokens, i, end, phrase) and (
            phrase not in _NEED_DELAY or _names_delay(tokens, i + len(phrase), end)
        ):
            return action, phrase
    return None


def _percent_at(tokens: list[_Token], i: int, end: int) -> tuple[int | None, int] | None:
    """A percent starting at i: its value (None if impossible or decimal) and where it ends."""
    j = i
    negative = (
        j + 1 < end
        and tokens[j].text == "-"
        and tokens[j + 1].kind == "num"
        and _adjacent(tokens[j], tokens[j + 1])
    )
    if negative:
        j += 1
    if j >= end or tokens[j].kind != "num":
        return None
    value = _number(tokens[j])
    j += 1
    # "80,5%" is a decimal; refusing it also keeps "1.50%" (item 1 at 50%?) from being guessed.
    decimal = (
        j + 1 < end
        and tokens[j].text in {".", ","}
        and tokens[j + 1].kind == "num"
        and _adjacent(tokens[j - 1], tokens[j])
        and _adjacent(tokens[j], tokens[j + 1])
    )
    if decimal:
        j += 2
    if j < end and tokens[j].text in _PERCENT_SIGNS:
        j += 1
    elif length := _first_match(tokens, j, end, _PERCENT_WORDS):
        j += length
    else:
        return None
    valid = value is not None and value <= 100 and not negative and not decimal
    return (value if valid else None), j


# --- Splitting a reply into one segment per item or handle -------------------------------


@dataclass(frozen=True)
class _Target:
    handle: bool
    numbers: tuple[int, ...] | None  # None: a number too big, or a range reversed or too long
    end: int  # first token after the numbers and their separator
    separated: bool  # "1." "2)" "3:" "4 -"


@dataclass(frozen=True)
class _Segment:
    start: int
    end: int
    target: _Target | None

    @property
    def body(self) -> int:
        return self.target.end if self.target is not None else self.start


def _is_quantity(tokens: list[_Token], i: int) -> bool:
    """Whether the number at i counts something ("60%", "3 ngày") rather than naming an item."""
    n = len(tokens)
    if _percent_at(tokens, i, n) is not None:
        return True
    if i + 1 >= n:
        return False
    unit = tokens[i + 1]
    return unit in _DAY_UNITS or unit in _WEEK_UNITS or unit in _OTHER_UNITS


def _handle_number_at(tokens: list[_Token], i: int) -> bool:
    return (
        i + 1 < len(tokens)
        and tokens[i].text == "#"
        and tokens[i + 1].kind == "num"
        and _adjacent(tokens[i], tokens[i + 1])
    )


def _target_at(tokens: list[_Token], i: int) -> _Target | None:
    """Read "1", "1,2", "1 và 3", "1-3" or "#57, #58" at i, with a trailing "." or ")"."""
    n = len(tokens)
    handle = _handle_number_at(tokens, i)
    j = i + 1 if handle else i
    if tokens[j].kind != "num" or _is_quantity(tokens, j):
        return None
    numbers: list[int | None] = [_number(tokens[j])]
    readable = True
    k = j + 1
    while k + 1 < n and len(numbers) < _MAX_ITEMS:
        link = tokens[k]
        if not (link.text in {",", "&"} or link in _AND or (link.text == "-" and not handle)):
            break
        m = k + 1
        if handle:
            if not _handle_number_at(tokens, m):
                break
            m += 1
        if tokens[m].kind != "num" or _is_quantity(tokens, m):
            break
        value = _number(tokens[m])
        low = numbers[-1]
        if link.text != "-":
            numbers.append(value)
        elif low is None or value is None or not 0 < value - low < _MAX_ITEMS:
            readable = False
        else:
            numbers.extend(range(low + 1, value + 1))
        k = m + 1
    # "1.5" is a decimal and "2 -50%" a negative percent: a "." or "-" touching the
    # number after it separates nothing.
    separated = (
        k < n
        and tokens[k].text in _ITEM_SEPARATORS
        and not (
            tokens[k].text in {".", "-"}
            and k + 1 < n
            and tokens[k + 1].kind == "num"
            and _adjacent(tokens[k], tokens[k + 1])
        )
    )
    if separated:
        k += 1
    valid = [number for number in numbers if number is not None]
    if not readable or len(valid) != len(numbers) or len(valid) > _MAX_ITEMS:
        return _Target(handle=handle, numbers=None, end=k, separated=separated)
    return _Target(handle=handle, numbers=tuple(valid), end=k, separated=separated)


def _after_boundary(tokens: list[_Token], i: int) -> bool:
    if i == 0:
        return True
    before = tokens[i - 1]
    if before.text == ".":
        return tokens[i].spaced
    return before.text in {",", ";", ":", "!", "\n"}


def _status_starts(tokens: list[_Token], i: int) -> bool:
    n = len(tokens)
    if i >= n:
        return False
    token = tokens[i]
    return (
        _phrase_at(tokens, i, n) is not None
        or _percent_at(tokens, i, n) is not None
        or token in _STARTERS
        or _negates(token)
    )


def _opens_segment(tokens: list[_Token], i: int, target: _Target, *, numbered: bool) -> bool:
    """Whether the numbers at i name the item(s) the words after them are about."""
    if _status_starts(tokens, target.end):
        return numbered or target.handle or _after_boundary(tokens, i)
    if not _after_boundary(tokens, i):
        return False
    if target.separated or numbered or target.handle:
        return True
    follow = tokens[target.end] if target.end < len(tokens) else None
    # A bare "2", alone or before a comma or "???", is taken as an attempt to name an item.
    return follow is None or follow.text in {",", ";", "\n", *_QUESTION_MARKS}


def _segments(tokens: list[_Token]) -> list[_Segment]:
    segments: list[_Segment] = []
    numbered = False
    start, target = 0, None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if numbered and token.kind == "nl":
            segments.append(_Segment(start, i, target))
            start, target = i + 1, None
            i += 1
            continue
        if token.kind == "num" or token.text == "#":
            found = _target_at(tokens, i)
            if found is not None and _opens_segment(tokens, i, found, numbered=numbered):
                segments.append(_Segment(start, i, target))
                start, target, numbered = i, found, True
                i = found.end
                continue
        i += 1
    segments.append(_Segment(start, len(tokens), target))
    return [segment for segment in segments if segment.end > segment.start]


# --- Reading one segment -----------------------------------------------------------------


@dataclass
class _Findings:
    done: bool = False
    progress: bool = False
    percents: set[int] = field(default_factory=set)
    blocked: bool = False
    reason: str | None = None
    snoozed: bool = False
    snooze_days: int | None = None
    all_items: bool = False
    unreadable: bool = False  # said something impossible: "150%", "nhắc lại sau 2 tháng"
    # Items or handles named after a status: "xong 2" (False, 2), "xong #57" (True, 57).
    targets: set[tuple[bool, int | None]] = field(default_factory=set)
    doubtful: bool = False  # a status word negated, asked about or only planned


def _negates(token: _Token) -> bool:
    return token in _NEGATORS or (token.kind == "word" and token.text.endswith(("n't", "n’t")))


def _words_before(tokens: list[_Token], i: int, start: int) -> list[_Token]:
    """Up to two words right before i, nearest first; punctuation ends the look-back."""
    words: list[_Token] = []
    k = i - 1
    while k >= start and len(words) < 2 and tokens[k].kind == "word":
        words.append(tokens[k])
        k -= 1
    return words


def _planned(before: list[_Token]) -> bool:
    if any(token in _NOT_YET for token in before):
        return True
    pair = tuple(reversed(before))
    return any(
        len(pair) == 2 and all(_spelled(t, w) for t, w in zip(pair, phrase, strict=True))
        for phrase in _NOT_YET_PAIRS
    )


def _asked(tokens: list[_Token], start: int, end: int) -> list[bool]:
    """For each index in [start, end], whether the clause from there on ends in "?"."""
    flags = [False] * (end - start + 1)
    asked = False
    for k in range(end - 1, start - 1, -1):
        text = tokens[k].text
        if text in _QUESTION_MARKS:
            asked = True
        elif text in _CLAUSE_ENDS:
            asked = False
        flags[k - start] = asked
    return flags


def _delay(tokens: list[_Token], i: int, end: int) -> tuple[int | None, bool, int]:
    """The delay after a snooze word: days (None if not given), whether readable, end index."""
    if i < end and tokens[i] in _DELAY_LEADS:
        i += 1
    if _matches(tokens, i, end, ("ngày", "mai")):
        return 1, True, i + 2
    if i < end and tokens[i] in _TOMORROW:
        return 1, True, i + 1
    if length := _first_match(tokens, i, end, _NEXT_WEEK):
        return 7, True, i + length
    if i >= end:
        return None, True, i
    count: int | None
    if tokens[i].kind == "num":
        count, needs_unit = _number(tokens[i]), False
    else:
        count = next((v for w, v in _NUMBER_WORDS.items() if _spelled(tokens[i], w)), None)
        needs_unit = True
        if count is None:
            return None, True, i
    unit = tokens[i + 1] if i + 1 < end else None
    if unit is not None and unit in _DAY_UNITS:
        days, j = count, i + 2
    elif unit is not None and unit in _WEEK_UNITS:
        days, j = (None if count is None else count * 7), i + 2
    elif unit is not None and unit in _OTHER_UNITS:
        return None, False, i + 2
    elif needs_unit:
        # "để sau hai" is not a delay; the number word belongs to whatever follows.
        return None, True, i
    else:
        days, j = count, i + 1
    if days is None or not 1 <= days <= MAX_SNOOZE_DAYS:
        return None, False, j
    return days, True, j


def _names_delay(tokens: list[_Token], i: int, end: int) -> bool:
    """Whether a delay follows at i, even an unreadable one ("sau 2 tháng")."""
    days, readable, _ = _delay(tokens, i, end)
    return days is not None or not readable


def _starts_with_all(tokens: list[_Token], start: int, end: int) -> bool:
    """Whether "tất cả"/"all" opens the segment just before a status: "tất cả đều xong"."""
    length = _first_match(tokens, start, end, _ALL_FIRST)
    if not length:
        return False
    for k in range(start + length, min(start + length + 4, end)):
        if _phrase_at(tokens, k, end) is not None or _percent_at(tokens, k, end) is not None:
            return True
        if tokens[k].kind != "word":
            return False
    return False


class _Reader:
    """Reads the body of one segment into findings, left to right."""

    def __init__(self, tokens: list[_Token], cleaned: str, start: int, end: int) -> None:
        self.tokens, self.cleaned, self.start, self.end = tokens, cleaned, start, end
        self.found = _Findings(all_items=_starts_with_all(tokens, start, end))
        self._asked = _asked(tokens, start, end)

    def asked(self, i: int) -> bool:
        """Whether the clause from token i on ends in a question mark."""
        return self._asked[i - self.start]

    def scan(self) -> _Findings:
        """Collect every status word, percent and snooze of the segment."""
        tokens, end, found = self.tokens, self.end, self.found
        j = self.start
        while j < end:
            hit = _phrase_at(tokens, j, end)
            if hit is None:
                j = self._percent(j)
                continue
            action, phrase = hit
            after = j + len(phrase)
            before = _words_before(tokens, j, self.start)
            if any(_negates(token) for token in before):
                found.doubtful = True
            elif action is ReplyAction.BLOCKED:
                if after < end and tokens[after].text in _QUESTION_MARKS:
                    found.doubtful = True
                else:
                    found.blocked = True
                    self._reason(self._trailing(after))
                    break
            elif action is ReplyAction.SNOOZE:
                after = self._snooze(j, phrase)
            elif self._questioned(after) or (action is ReplyAction.DONE and _planned(before)):
                found.doubtful = True
            else:
                if action is ReplyAction.DONE and not any(t in _NEARLY for t in before):
                    found.done = True
                else:
                    found.progress = True
                if _first_match(tokens, after, end, _ALL_AFTER):
                    found.all_items = True
                after = self._trailing(after)
            j = after
        return found

    def _questioned(self, after: int) -> bool:
        """Whether the status word ending before `after` is asked about: "xong chưa", "done?"."""
        return self.asked(after) or (after < self.end and self.tokens[after] in _QUESTION_WORDS)

    def _percent(self, j: int) -> int:
        percent = _percent_at(self.tokens, j, self.end)
        if percent is None:
            return j + 1
        value, after = percent
        if self.asked(after):
            self.found.doubtful = True
        elif value is None:
            self.found.unreadable = True
        else:
            self.found.percents.add(value)
            return self._trailing(after)
        return after

    def _trailing(self, i: int) -> int:
        """Read a number right after a status or a percent as the item (or handle) it is
        about: "xong 2", "xong #2", "Xong mục 2", "50% 2", "đang làm 1 60%". Only a clause
        end, a percent or another status may follow it; any other number there ("xong 2
        việc") makes the segment unclear rather than dropped. Returns where reading goes on."""
        tokens, end = self.tokens, self.end
        j = i + 1 if i < end and tokens[i] in _ITEM_WORDS else i
        handle = _handle_number_at(tokens, j)
        k = j + 1 if handle else j
        if k >= end or tokens[k].kind != "num" or _is_quantity(tokens, k):
            return i
        number = _number(tokens[k])
        k += 1
        if k >= end or tokens[k].text in _CLAUSE_ENDS or _status_starts(tokens, k):
            self.found.targets.add((handle, number))
        else:
            self.found.unreadable = True
        return k

    def _snooze(self, i: int, phrase: _Phrase) -> int:
        """Record the snooze whose words start at i; return where it ends."""
        days, readable, after = _delay(self.tokens, i + len(phrase), self.end)
        if self.asked(after):
            self.found.doubtful = True
        elif not readable:
            self.found.unreadable = True
        else:
            self.found.snoozed, self.found.snooze_days = True, days
        return after

    def _reason(self, start: int) -> None:
        """Keep the words after a BLOCKED keyword, up to a line break or a snooze clause."""
        tokens, end = self.tokens, self.end
        stop = end
        said = False
        for k in range(start, end):
            token = tokens[k]
            if token.text not in _CLAUSE_ENDS:
                said = said or token.kind in {"word", "num"}
                continue
            # "vướng:\nchưa có kinh phí" reads on to the next line; after words it stops.
            if token.kind == "nl" and said:
                stop = min(stop, k)
            hit = _phrase_at(tokens, k + 1, end)
            if hit is not None and hit[0] is ReplyAction.SNOOZE:
                self._snooze(k + 1, hit[1])
                stop = min(stop, k)
                break
        if stop <= start:
            return
        text = self.cleaned[tokens[start].start : tokens[stop - 1].end]
        reason = clean(text).lstrip(_REASON_LEAD).rstrip(_FRAGMENT_EDGE)
        self.found.reason = reason[:MAX_REASON_LENGTH].rstrip() or None


def _read_segment(
    tokens: list[_Token], cleaned: str, segment: _Segment
) -> list[StatusReply] | None:
    """The updates a segment makes, or None when it must be reported as unclear."""
    target = segment.target
    aims: list[tuple[int | None, int | None]] = [(None, None)]  # (item, handle)
    if target is not None:
        if target.numbers is None:
            return None
        aims = [(None, n) if target.handle else (n, None) for n in target.numbers]
    found = _Reader(tokens, cleaned, segment.body, segment.end).scan()
    if found.unreadable or len(found.percents) > 1 or len(found.targets) > 1:
        return None
    if found.targets:
        [(is_handle, number)] = found.targets
        named = (None, number) if is_handle else (number, None)
        if number is None or found.all_items or (target is not None and aims != [named]):
            return None  # "xong 2" with a number too big, after "tất cả", or after "3 …"
        aims = [named]
    percent = next(iter(found.percents), None)
    action: ReplyAction | None = None
    if found.blocked:
        if found.done:
            return None  # "xong" and "vướng" in one breath contradict each other
        action = ReplyAction.BLOCKED
    elif percent == 100:
        action, percent = ReplyAction.DONE, None
    elif percent is not None or found.progress:
        action = ReplyAction.PROGRESS
    elif found.done:
        action = ReplyAction.DONE
    if action is None and not found.snoozed:
        return None if found.doubtful or target is not None else []
    all_items = target is None and found.all_items
    updates: list[StatusReply] = []
    for item, handle in aims:
        if action is not None:
            updates.append(
                StatusReply(
                    action,
                    percent=percent,
                    reason=found.reason,
                    item=item,
                    handle=handle,
                    all_items=all_items,
                )
            )
        if found.snoozed:
            updates.append(
                StatusReply(
                    ReplyAction.SNOOZE,
                    snooze_days=found.snooze_days,
                    item=item,
                    handle=handle,
                    all_items=all_items,
                )
            )
    return updates


def _fragment(tokens: list[_Token], cleaned: str, segment: _Segment) -> str:
    text = cleaned[tokens[segment.start].start : tokens[segment.end - 1].end]
    return clean(text).strip(_FRAGMENT_EDGE)[:MAX_REASON_LENGTH].rstrip()
