"""Reading an officer's request for more time: "gia hạn #57 đến 30/9: chờ phê duyệt dự toán".

Only reading: whether the office grants the request is for the bot and the coordinator.

A request names the new date in any of the forms `domain.dates` reads ("30/9", "ngày 30
tháng 9 năm 2026", "tháng 11", "cuối quý", "thêm 10 ngày làm việc") and may say which task
(an item number first, as other replies do: "2 gia hạn 30/9"; or a handle: "#57") and why
(after ":", "-", "vì", "do", "lý do", or simply after the date).

Like the status-reply parser it would rather ask than guess. These come back with a problem
and no usable date: no date at all, two dates, a vague one ("đầu tháng 11"), an impossible
one ("31/2"), a date in the past or not after the current deadline, an offset with no
deadline to count from, a request that is negated or only planned ("không cần gia hạn",
"sẽ xin gia hạn"), a question ("có được gia hạn không?"), and several targets at once.

Not a request at all (None): text without an extension phrase, and a blocked report whose
reason happens to mention one ("vướng: chờ phê duyệt, sẽ xin gia hạn"), which belongs to the
status-reply parser.
"""

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.calendar import WorkCalendar
from domain.dates import DateProblem, WrittenDate, find_dates, resolve
from domain.text import fold
from domain.wording import Message, Phrases, trim, words_before
from locales import N_

MAX_REASON_LENGTH = 500
_MAX_NUMBER = 999_999

_REQUEST = Phrases(
    "gia hạn", "xin thêm thời gian", "thêm thời gian", "lùi thời hạn", "lùi hạn",
    "lùi thời gian", "dời thời hạn", "dời hạn", "hoãn thời hạn", "điều chỉnh thời hạn",
    "điều chỉnh thời gian", "kéo dài thời hạn", "kéo dài thời gian", "extend", "extension",
    "more time",
)  # fmt: skip
# A blocked report may mention an extension in its reason; that reply is not a request.
_BLOCKED = Phrases("vướng", "vướng mắc", "khó khăn", "blocked", "stuck", "blocker")
_REASON = Phrases(
    "vì", "bởi vì", "bởi", "do", "lý do", "lí do", "tại vì", "because", "due to", "reason"
)
_NEGATORS = frozenset(
    {"không", "ko", "k", "kg", "hok", "hông", "chưa", "chẳng", "chả", "khỏi", "not", "no"}
)
_PLANNED = frozenset({"sẽ", "định", "will"})
_PLANNED_PAIRS = (("dự", "kiến"),)
_QUESTION_TAILS = frozenset({"không", "ko", "k", "hông", "hok", "chưa", "chứ", "chăng"})
_PARTICLES = frozenset(
    {"ạ", "a", "ah", "à", "nhé", "nhe", "nha", "nhá", "vậy", "nhỉ", "ha", "hả", "với", "please"}
)
# Words joining a reason written first to the request: "… nên đơn vị xin gia hạn".
_LEAD_INS = frozenset(
    {"nen", "vay", "vi", "xin", "de", "nghi", "em", "toi", "chung", "don", "kinh", ""}
)
_THANKS = re.compile(r"[\s,.!]*(?:(?:em|e|xin|toi)\s+)?(?:cam on|thanks?|thank you)(?!\w)")

_ITEM_FIRST = re.compile(
    r"\s*(?:(?:nhiem vu|viec|muc|nv)\s*(?:so\s*)?)?(?P<hash>#)?(?P<n>\d{1,9})"
    r"(?P<more>(?:\s*(?:,|&|va|-)\s*#?\d{1,9})+)?(?:\s*[.):-])?(?=\s|$)"
)
_HANDLE = re.compile(r"(?<![\w#])#\s?(?P<n>\d{1,9})(?!\d)")
_HANDLE_AFTER_DATE = re.compile(r"\s*(?:cho\s+)?(?:nhiem vu\s+)?#\s?\d{1,9}(?!\d)")
_TARGET_AFTER = re.compile(
    r"\s*(?:cho\s+)?(?:(?:nhiem vu|viec|muc|nv)\s*(?:so\s*)?(?P<item>\d{1,9})(?!\s*[/.]\d)"
    r"|(?:nhiem vu\s+)?#\s?(?P<handle>\d{1,9})(?!\d)"
    r"|(?P<bare>\d{1,9})(?=\s*(?:den|toi|sang|them|:|,)(?!\w)))"
)


class ExtensionProblem(StrEnum):
    """Why a request cannot be acted on as read; `EXTENSION_PROBLEMS` says each in words."""

    NO_DATE = "no-date"
    SEVERAL_DATES = "several-dates"
    VAGUE_DATE = "vague-date"
    INVALID_DATE = "invalid-date"
    NO_CURRENT_DUE = "no-current-due"
    IN_THE_PAST = "in-the-past"
    NOT_AFTER_DUE = "not-after-due"
    NOT_A_REQUEST = "not-a-request"
    QUESTION = "question"
    SEVERAL_TARGETS = "several-targets"


EXTENSION_PROBLEMS: dict[ExtensionProblem, str] = {
    ExtensionProblem.NO_DATE: N_("chưa nêu gia hạn đến ngày nào"),
    ExtensionProblem.SEVERAL_DATES: N_("nêu nhiều ngày, không rõ xin gia hạn đến ngày nào"),
    ExtensionProblem.VAGUE_DATE: N_("thời hạn đề nghị chưa rõ ngày cụ thể"),
    ExtensionProblem.INVALID_DATE: N_("ngày đề nghị không có thật"),
    ExtensionProblem.NO_CURRENT_DUE: N_("nhiệm vụ chưa có thời hạn để tính thêm ngày"),
    ExtensionProblem.IN_THE_PAST: N_("ngày đề nghị đã qua"),
    ExtensionProblem.NOT_AFTER_DUE: N_("ngày đề nghị không sau thời hạn hiện tại"),
    ExtensionProblem.NOT_A_REQUEST: N_("không rõ có phải đề nghị gia hạn không"),
    ExtensionProblem.QUESTION: N_("đây là câu hỏi, chưa phải đề nghị gia hạn"),
    ExtensionProblem.SEVERAL_TARGETS: N_("đề nghị gia hạn từng nhiệm vụ một"),
}


@dataclass(frozen=True)
class ExtensionRequest:
    """A request as written, before its date is worked out against a deadline."""

    item: int | None = None
    handle: int | None = None
    written: WrittenDate | None = None
    # The date phrase as typed ("đến cuối quý" reads as "cuối quý"), for quoting back.
    phrase: str | None = None
    reason: str | None = None
    # Problems the words alone show (a question, a negation, two dates); None otherwise.
    problem: ExtensionProblem | None = None

    def resolve(
        self, *, current_due: date | None, today: date, calendar: WorkCalendar
    ) -> "ResolvedExtension":
        """The requested day, checked against today and the task's current deadline."""
        new_due: date | None = None
        problem = self.problem
        if problem is None and self.written is None:
            problem = ExtensionProblem.NO_DATE
        if problem is None and self.written is not None:
            day = resolve(self.written, today=today, base=current_due, calendar=calendar)
            if isinstance(day, DateProblem):
                problem = _DATE_PROBLEMS[day]
            else:
                new_due = day
                if day < today:
                    problem = ExtensionProblem.IN_THE_PAST
                elif current_due is not None and day <= current_due:
                    problem = ExtensionProblem.NOT_AFTER_DUE
        return ResolvedExtension(
            item=self.item,
            handle=self.handle,
            new_due=new_due,
            current_due=current_due,
            phrase=self.phrase,
            reason=self.reason,
            problem=problem,
        )


_DATE_PROBLEMS = {
    DateProblem.INVALID: ExtensionProblem.INVALID_DATE,
    DateProblem.VAGUE: ExtensionProblem.VAGUE_DATE,
    DateProblem.NO_BASE: ExtensionProblem.NO_CURRENT_DUE,
}


@dataclass(frozen=True)
class ResolvedExtension:
    """A request with its day worked out: clear when `problem` is None.

    `new_due` is kept even when the day is refused (past, not after the deadline), so that the
    bot can say which day it understood.
    """

    item: int | None
    handle: int | None
    new_due: date | None
    current_due: date | None
    phrase: str | None
    reason: str | None
    problem: ExtensionProblem | None

    @property
    def is_clear(self) -> bool:
        """Whether the request can go to the office as it stands."""
        return self.problem is None and self.new_due is not None


def parse_extension_request(
    text: str, *, current_due: date | None, today: date, calendar: WorkCalendar
) -> ResolvedExtension | None:
    """Read a request for more time and work out its day; None when the text asks for none."""
    request = read_extension_request(text)
    if request is None:
        return None
    return request.resolve(current_due=current_due, today=today, calendar=calendar)


def read_extension_request(text: str) -> ExtensionRequest | None:
    """Read a request for more time (target, date phrase, reason) without resolving its day;
    None when the text asks for no extension."""
    message = Message.of(text)
    keyword = _REQUEST.search(message)
    if keyword is None or _BLOCKED.search(message, 0, keyword.start()) is not None:
        return None
    problem: ExtensionProblem | None = None
    item, handle, several = _target_before(message, keyword.start())
    zone_start = keyword.end()
    after = _TARGET_AFTER.match(message.folded, zone_start)
    if after is not None:
        several = several or item is not None or handle is not None
        if after["handle"] is not None:
            handle = _number(after["handle"])
        else:
            item = _number(after["item"] or after["bare"])
        zone_start = after.end()
    marker = _reason_marker(message, zone_start)
    zone_end = marker[0] if marker is not None else len(message.text)
    if item is None and handle is None:
        # "gia hạn đến 30/9 cho #57": a handle anywhere in the request names the task.
        handles = [_number(m["n"]) for m in _HANDLE.finditer(message.folded, zone_start, zone_end)]
        handle = handles[0] if handles else None
        several = several or len(handles) > 1
    if several:
        item = handle = None
        problem = ExtensionProblem.SEVERAL_TARGETS
    dates = find_dates(message, zone_start, zone_end, bare_day_month=True)
    written = dates[0] if len(dates) == 1 else None
    reason = _reason(message, marker, keyword.start(), dates, zone_end)
    if _is_question(message, keyword.start(), zone_end):
        problem = ExtensionProblem.QUESTION
    elif _not_asked(message, keyword.start()):
        problem = ExtensionProblem.NOT_A_REQUEST
    elif problem is None and len(dates) > 1:
        problem = ExtensionProblem.SEVERAL_DATES
    return ExtensionRequest(
        item=item,
        handle=handle,
        written=written,
        phrase=message.span(written.start, written.end) if written is not None else None,
        reason=reason,
        problem=problem,
    )


def _number(digits: str | None) -> int | None:
    if digits is None:
        return None
    value = int(digits)
    return value if 0 < value <= _MAX_NUMBER else None


def _target_before(message: Message, end: int) -> tuple[int | None, int | None, bool]:
    """(item, handle, several) named before the request phrase: "2 gia hạn", "#57 xin gia
    hạn", "nhiệm vụ 3 xin gia hạn"; several when a list is given ("1, 2 gia hạn")."""
    first = _ITEM_FIRST.match(message.folded, 0, end)
    if first is not None:
        value = _number(first["n"])
        several = first["more"] is not None or value is None
        if first["hash"]:
            return None, value, several
        return value, None, several
    handles = [_number(m["n"]) for m in _HANDLE.finditer(message.folded, 0, end)]
    if len(handles) == 1:
        return None, handles[0], handles[0] is None
    return None, None, len(handles) > 1


def _reason_marker(message: Message, start: int) -> tuple[int, int] | None:
    """Where the reason's marker starts and ends, after `start`: ":", " - ", "vì", "do"…"""
    candidates: list[tuple[int, int]] = []
    word = _REASON.search(message, start)
    if word is not None:
        candidates.append((word.start(), word.end()))
    for punctuation in re.finditer(r":(?!\d)|\s-\s|\n", message.folded[start:]):
        at, to = start + punctuation.start(), start + punctuation.end()
        # "gia hạn: 30/9" or "gia hạn #57: đến cuối quý" — a date after the colon is the request.
        following = find_dates(message, to, min(len(message.text), to + 40), bare_day_month=True)
        lead = message.folded[to : following[0].start] if following else ""
        if following and re.fullmatch(r"\s*(?:(?:den|toi|sang|het|ngay)\s*)*", lead):
            continue
        candidates.append((at, to))
        break
    return min(candidates) if candidates else None


def _reason(
    message: Message,
    marker: tuple[int, int] | None,
    keyword_start: int,
    dates: list[WrittenDate],
    zone_end: int,
) -> str | None:
    if marker is not None:
        return _quote(message.text[marker[1] :])
    before = _REASON.search(message, 0, keyword_start)
    if before is not None:
        # "do chưa có kinh phí nên xin gia hạn đến 30/9": the reason comes first.
        words = message.text[before.end() : keyword_start].split()
        while words and fold(words[-1].strip(",")) in _LEAD_INS:
            words.pop()
        return _quote(" ".join(words))
    if dates:
        start = dates[-1].end
        # "gia hạn đến 30/9 cho #57": the handle after the date is the target, not a reason.
        handle = _HANDLE_AFTER_DATE.match(message.folded, start, zone_end)
        return _quote(message.text[handle.end() if handle else start : zone_end])
    return None


def _quote(text: str) -> str | None:
    message = Message.of(text.replace("\n", " "))
    thanks = _THANKS.search(message.folded)
    words = trim(message.text[: thanks.start()] if thanks else message.text).split()
    while words and words[-1].lower().strip(".,!") in _PARTICLES:
        words.pop()
    while words and words[0].lower().strip(".,!") in _PARTICLES:
        words.pop(0)
    quoted = trim(" ".join(words))
    if not quoted or not any(ch.isalnum() for ch in quoted):
        return None
    return quoted[:MAX_REASON_LENGTH].rstrip()


def _typed_words_before(message: Message, position: int, count: int) -> list[str]:
    """The typed (lower-case) words behind `words_before`."""
    found = words_before(message, position, count)
    typed: list[str] = []
    cursor = position
    for word in found:
        at = message.folded.rfind(word, 0, cursor)
        typed.append(message.text[at : at + len(word)].lower())
        cursor = at
    return typed


def _is_word(typed: str, canonical: str) -> bool:
    return typed == canonical or typed == fold(canonical)


def _not_asked(message: Message, keyword_start: int) -> bool:
    """A negated or only planned request: "không cần gia hạn", "sẽ xin gia hạn"."""
    before = list(reversed(_typed_words_before(message, keyword_start, 3)))
    if any(_is_word(t, w) for t in before for w in _NEGATORS | _PLANNED):
        return True
    return any(
        all(_is_word(t, w) for t, w in zip(before[i : i + len(pair)], pair, strict=True))
        for pair in _PLANNED_PAIRS
        for i in range(len(before) - len(pair) + 1)
    )


def _is_question(message: Message, keyword_start: int, zone_end: int) -> bool:
    """ "có được gia hạn không?", "gia hạn được không ạ", "xin gia hạn đến 30/9 được ko"."""
    if "?" in message.text or "？" in message.text:
        return True
    words = re.findall(r"\w+", message.text[keyword_start:zone_end].lower())
    while words and words[-1] in _PARTICLES:
        words.pop()
    return bool(words) and any(_is_word(words[-1], tail) for tail in _QUESTION_TAILS)
