"""Reading the deadline phrases of Vietnamese plans ("Quý IV /2023", "trước ngày 15/02/2023").

The reader is deliberately conservative: a phrase either matches one of the known shapes in
full or comes back UNREAD with a reason. It never guesses a date from stray numbers, because a
wrong due date makes the bot nag an agency about work that is not late.

A longer sentence ("Ban hành Kế hoạch … trong tháng 01/2026 và tổ chức thực hiện") is read
by finding its time clauses: each starts at a deadline word ("trước", "chậm nhất", "trong",
"hằng tháng" …) and must read in full. Dates of cited documents ("Nghị định số
52/2015/NĐ-CP ngày 28/5/2015") are the documents' own dates and are never read as deadlines.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from enum import StrEnum
from itertools import islice, pairwise

from domain.recurrence import Cadence, Recurrence, month_end
from domain.text import clean, fold, strip_tags


class DeadlineKind(StrEnum):
    """What sort of time expression a deadline phrase is; stored as its value."""

    DATE = "date"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RECURRING = "recurring"
    ONGOING = "ongoing"
    CONDITIONAL = "conditional"
    MILESTONE = "milestone"
    UNREAD = "unread"
    EMPTY = "empty"


class UnreadReason(StrEnum):
    """Why a phrase with no date could not be read (the reason of an UNREAD deadline; "no
    time expression" is also a milestone's that names no time). `domain.problems` says each
    in the reader's words."""

    INVALID_DATE = "invalid date"
    INVALID_MONTH = "invalid month"
    INVALID_QUARTER = "invalid quarter"
    INVALID_YEAR = "invalid year"
    NO_YEAR = "no year"
    UNRECOGNISED = "unrecognised"
    NO_TIME_EXPRESSION = "no time expression"
    INVALID_RECURRENCE = "invalid recurrence"
    INVALID_TIME = "invalid time"
    AMBIGUOUS = "ambiguous"


class YearSource(StrEnum):
    """Where the year of a phrase that names none was taken from; stored as its value."""

    HEADER = "header"  # a column header: "Thời gian thực hiện (Năm 2026)"
    DOCUMENT = "document"  # the document's own date or year


@dataclass(frozen=True)
class ContextYear:
    """A year stated outside the phrase, for the phrases that name none ("Tháng 3", "23/1")."""

    year: int
    source: YearSource


@dataclass(frozen=True)
class Deadline:
    """A deadline phrase as read: its kind, its last on-time day (if any) and why not.

    `strictly_before` says `due_date` is the day before the day the phrase names ("trước
    ngày 15/02" is due 14/02). `due_time` is the time of `due_date` it is due by ("trước 17
    giờ ngày 20/01/2026"). `year_inferred_from` says the phrase named no year and the
    caller's `ContextYear` supplied it (never set for `plan_year`, the seeds' silent default).

    A phrase that lists several deadlines in one time expression ("tháng 3, tháng 9", "Quý
    II và Quý IV/2026", "tháng 3, tháng 9 hằng năm") keeps each in `parts`, in date order
    (text order for recurring parts); the deadline itself is the first part, so `due_date` is
    the earliest. Each part is a whole Deadline with an empty `original`. A phrase with several
    time sentences ("… tháng 6 năm 2023. … Quý IV năm 2023.") is different: the task is done
    when its last part is, so it keeps the latest and has no `parts`.
    """

    original: str
    kind: DeadlineKind
    due_date: date | None = None
    period_start: date | None = None
    strictly_before: bool = False
    open_ended: bool = False
    recurrence: Recurrence | None = None
    condition: str | None = None
    reason: str | None = None
    due_time: time | None = None
    year_inferred_from: YearSource | None = None
    parts: tuple["Deadline", ...] = ()


_EARLIEST_YEAR = 1900
_LATEST_YEAR = 2100
_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_WEEKDAYS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
_MILESTONE_WORDS = {"khoi cong": "khởi công", "khanh thanh": "khánh thành"}
_REASON_SEVERAL = "several deadlines; the latest is kept"
_NOT_FOUND = (UnreadReason.UNRECOGNISED, UnreadReason.NO_TIME_EXPRESSION)
# Word-processor characters that take no room: deleting them joins what they split.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))

_EDGE_PUNCTUATION = " .,;:!?/-+*•…\"'“”‘’"
# A sentence ends at ";" or at a "." followed by a space, so "15.02.2023" stays whole.
_CLAUSE_END = re.compile(r";|\.(?=\s|$)")
_LABEL = re.compile(r"\b(?:thoi gian|thoi han)(?:\s+(?:hoan thanh|thuc hien))?\b[\s:,]*")
_TIME_HINT = re.compile(r"[0-9]|\b(?:ngay|thang|quy|qui|nam|tuan|dinh ky|hang)\b")

_OPEN_ENDED = re.compile(r"[\s,]*(?:va\s+)?(?:cac|nhung)\s+nam\s+(?:tiep theo|sau|ke tiep)$")
_AD_HOC_ALTERNATIVE = re.compile(r"[\s,]*\b(?:hoac|va)\s+(?=(?:dot xuat|khi co yeu cau)\b)")
_ONGOING = re.compile(r"(?:thuong xuyen|lien tuc|hang ngay|moi ngay)\b")
# PHỤ LỤC 5's third group: projects under way and carried over from last year have no new date.
_CARRIED_OVER = re.compile(r"(?:(?:cac\s+)?du an\s+)?(?:dang trien khai|chuyen tiep)\b")
# "tại Phiên họp thường kỳ của UBND thành phố tháng 02/2023": the report is due by that meeting.
_AT_MEETING = re.compile(r"(?:tai|truoc|cho)\s+(?:cac\s+)?(?:phien|ky)\s+hop\b")
_CONDITIONAL = re.compile(
    r"(?:ngay sau khi|sau khi|khi|theo huong dan|theo yeu cau|theo chi dao|theo tien do"
    r"|tuy theo|tuy thuoc|dot xuat|kip thoi|neu|trong truong hop)\b"
)
_MILESTONE = re.compile(r"(?:(?:cac\s+)?du an\s+)?(?P<word>khoi cong|khanh thanh)\b\s*")

_PERIODIC = re.compile(r"dinh ky\b[\s,]*")
_WITHIN_LEAD = re.compile(r"(?:trong|vao)\s+")
_NEXT = r"(?:lien ke|sau|tiep theo|ke tiep)"
# "trước ngày 20 của tháng cuối quý", "trước ngày 05 của tháng liền kề" (the month after the
# period), "trước ngày 31/01 năm liền kề" (January after the year reported on).
_BEFORE_DAY = re.compile(
    r"\(?\s*truoc\s+ngay\s*(?P<day>[0-9]{1,2})"
    r"(?:\s*(?:/|-|\.|thang)\s*(?P<month>[0-9]{1,2})(?![0-9]))?"
    r"(?:(?:\s+cua)?\s+(?:"
    rf"(?P<next_year>nam\s+{_NEXT})"
    rf"|(?P<next_month>thang\s+(?:dau\s+(?:cua\s+)?(?P<next_of>qu[yi]|ky)\s+)?{_NEXT})"
    r"|thang(?:\s+cuoi\s+(?:qu[yi]|ky|nam))?"
    r"))?\s*\)?"
)
_YEARLY_MONTH = re.compile(
    r"(?P<before>truoc\s+)?thang\s*(?P<month>[0-9]{1,2})\s+(?:hang|moi)\s+nam"
)
_YEARLY_QUARTER = re.compile(r"qu[yi]\s*(?P<quarter>[ivx]+|[0-9])\s+(?:hang|moi)\s+nam")
# "tháng 3, tháng 9 hằng năm", "Quý II và Quý IV hằng năm": one yearly rule per item.
_YEARLY_LIST = re.compile(
    r"(?P<items>(?P<unit>thang|qu[yi])\s*[0-9ivx]{1,4}"
    r"(?:\s*(?:,|va)\s*(?:(?:thang|qu[yi])\s*)?[0-9ivx]{1,4})+)\s+(?:hang|moi)\s+nam"
)
_LIST_ITEM = re.compile(r"\b(?:[0-9]{1,2}|[ivx]{1,4})\b")
_CADENCE_LIST = re.compile(
    r"(?:hang|moi)\s+(?:thang|qu[yi]|nam)"
    r"(?:\s*(?:,|va|hoac)\s*(?:(?:hang|moi)\s+)?(?:thang|qu[yi]|nam))*"
)
_CADENCE_WORD = re.compile(r"thang|qu[yi]|nam")
# Most frequent first: where a phrase lists several cadences, the first one present wins.
_CADENCE_OF_WORD = {
    "thang": Cadence.MONTHLY,
    "quy": Cadence.QUARTERLY,
    "qui": Cadence.QUARTERLY,
    "nam": Cadence.YEARLY,
}
_SIX_MONTHLY = re.compile(
    r"(?P<every>(?:hang|moi)\s+)?(?:6|sau)\s+thang(?:\s+(?:mot|1)\s+lan)?"
    r"(?P<year_end>\s*(?:,|va)\s*cuoi\s+nam)?"
)
# "6 tháng (trước ngày 15/6) và năm (trước ngày 15/12)": the half-year and the year reports.
_HALF_AND_YEAR = re.compile(
    r"(?:bao cao\s+)?(?:(?:hang|moi)\s+)?(?:6|sau)\s+thang(?:\s+dau\s+nam)?\s*[:(,]?\s*"
    r"truoc\s+ngay\s*(?P<half_day>[0-9]{1,2})\s*(?:/|-|\.|thang)\s*0?6\s*\)?"
    r"\s*(?:,|va)?\s*(?:bao cao\s+)?(?:(?:ca|hang|moi)\s+)?nam\s*[:(]?\s*"
    r"truoc\s+ngay\s*(?P<year_day>[0-9]{1,2})\s*(?:/|-|\.|thang)\s*12\s*\)?"
)
_WEEKLY = re.compile(r"(?:hang|moi)\s+tuan")
# "16 giờ", "16h00", "16 giờ 30 phút", "16:00".
_CLOCK = r"(?P<hour>[0-9]{1,2})\s*(?:gio|h|g|:)\s*(?:(?P<minute>[0-9]{2})\s*(?:phut)?)?"
_WEEKDAY = r"(?:thu\s*(?P<weekday>hai|ba|tu|nam|sau|bay|[2-7])|(?P<sunday>chu\s*nhat))"
_WEEKLY_DAY = re.compile(
    r"(?:(?:vao|luc)\s+)?(?:(?P<before>truoc)\s+|(?:cham|muon)\s+nhat(?:\s+la)?\s+)?"
    rf"(?:(?:vao|luc)\s+)?(?:{_CLOCK}\s*,?\s*)?(?:(?:sang|chieu|toi)\s+)?(?:ngay\s+)?"
    rf"(?:(?:sang|chieu|toi)\s+)?{_WEEKDAY}"
)

_LEAD_WORDS = re.compile(r"(?:(?:phai\s+)?(?:phan dau|hoan thanh|xong)\b\s*:?\s*)*")
_BEFORE = re.compile(r"(?:(?:cham|muon)\s+nhat(?:\s+la)?\s+)?truoc\b\s*")
_BY = re.compile(
    r"(?:den het|cho den|den|het|toi|(?:cham|muon)\s+nhat(?:\s+(?:la|vao|trong))?"
    r"|han\s+(?:chot|cuoi)(?:\s+la)?|cuoi)\b\s*"
)
_WITHIN = re.compile(r"(?:trong|vao|ca)\b\s*")
_CLOCK_AT = re.compile(rf"(?:(?:vao|luc)\s+)?{_CLOCK}\s*,?\s*(?=ngay|[0-9])")
_RANGE_START = re.compile(r"(?:trong\s+)?(?:giai doan|tu)\b\s*")
_RANGE_SEPARATOR = re.compile(r"\s*-\s*|\s+den(?:\s+het)?\s+")
_LIST_SEPARATOR = re.compile(r"\s*(?:,|&|\+|\bva\b)\s*")
_LIST_UNIT = re.compile(r"(?:ngay|thang|qu[yi])\b|q(?=\s*[0-9])")

_DATE = re.compile(
    r"(?P<word>ngay\s*)?(?P<day>[0-9]{1,2})\s*(?:/|-|\.|thang)\s*(?P<month>[0-9]{1,2})"
    r"(?:\s*(?:/|-|\.|nam)\s*(?P<year>[0-9]{4}))?"
)
_BARE_DATE = re.compile(r"(?P<day>[0-9]{1,2})\s*/\s*(?P<month>[0-9]{1,2})")
_MONTH = re.compile(r"thang\s*(?P<month>[0-9]{1,2})(?:\s*(?:/|-|nam)\s*(?P<year>[0-9]{4}))?")
_BARE_MONTH = re.compile(r"(?P<month>[0-9]{1,2})\s*/\s*(?P<year>[0-9]{4})")
_QUARTER = re.compile(
    r"(?:qu[yi]\s*(?P<roman>[ivx]+|[0-9]{1,2})|q\s*(?P<number>[0-9]{1,2}))"
    r"(?:\s*(?:/|-|nam)\s*(?P<year>[0-9]{4}))?"
)
_YEAR = re.compile(r"(?:nam\s*)?(?P<year>[0-9]{4})")

# Where a time clause may start inside a longer sentence. Words that also open goals and
# horizons ("đến năm 2030", "giai đoạn 2021-2025") are left out on purpose.
_ANCHOR = re.compile(
    r"\b(?:(?:cham|muon)\s+nhat|han\s+(?:chot|cuoi)|hoan thanh|xong|truoc"
    r"|trong(?!\s+(?:giai doan|truong hop)\b)|vao"
    r"|tai\s+(?:cac\s+)?(?:phien|ky)\s+hop|dinh ky|(?<!ngay )(?:6|sau)\s+thang"
    r"|(?:hang|moi)\s+(?:tuan|thang|qu[yi]|nam)|thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu nhat"
    r"|(?:thang|qu[yi])\s*[0-9ivx]{1,4}"
    r"(?=(?:\s*(?:,|va)\s*(?:(?:thang|qu[yi])\s*)?[0-9ivx]{1,4})*\s+(?:hang|moi)\s+nam))\b"
)
_CADENCE_WORDS = re.compile(r"(?:hang|moi)\s+(?:tuan|thang|qu[yi]|nam)\b|dinh ky\b")
# A sentence that opens with a time word ("Tháng 01/2026 (sau khi …)") may be read from there.
_TIME_START = re.compile(r"(?:ngay|thang|qu[yi]|q\s*[0-9]|nam|cuoi|het)\b")
_WORD_END = re.compile(r"(?=[\s(),;])")
_MAX_CLAUSE_WORDS = 16
# A cited document: its number and symbol ("52/2015/NĐ-CP", "40 /KH-UBND", "57-NQ/TW",
# "số 15/2026") and the date that follows it, which is the document's own date.
_CITED_DATE = (
    r"(?:\s*,?\s*(?:ngay\s*)?[0-9]{1,2}\s*(?:/|-|\.|thang)\s*[0-9]{1,2}"
    r"\s*(?:/|-|\.|nam)\s*[0-9]{4})?"
)
_DOCUMENT_KIND = (
    r"(?:nghi dinh|nghi quyet|quyet dinh|thong tu|chi thi|ke hoach|cong van|van ban"
    r"|thong bao|bao cao|luat|to trinh|huong dan)"
)
_CITATION = re.compile(
    # a number with a symbol: "52/2015/nd-cp", "40 /kh-ubnd", "57-nq/tw", "số: /kh-ubnd"
    r"(?:(?:\b[0-9]+(?:\s*/\s*[0-9]{4})?\s*/|\b[0-9]+-|\bso\s*:?\s*/)\s*[a-z]{2}[a-z0-9]*"
    r"(?:[-/][a-z0-9]+)*"
    # a number after "số" or after a kind of document: "số 15/2026", "Thông tư 05/2026"
    rf"|(?:\bso\s*:?\s*|\b{_DOCUMENT_KIND}\s+(?:so\s*:?\s*)?(?=[0-9]+\s*/))"
    r"[0-9]+(?:\s*[/.-]\s*[0-9a-z]+)*(?![0-9]))" + _CITED_DATE
)


@dataclass(frozen=True)
class _Context:
    """What a reading may assume beyond its own words."""

    year: int | None  # for a phrase that names no year
    source: YearSource | None = None  # where `year` came from; None for the plan's year
    whole: bool = True  # the text is a whole cell or clause, not a piece of a sentence

    def piece(self) -> "_Context":
        return replace(self, whole=False)


def parse_deadline(
    text: str | None, *, plan_year: int | None = None, context_year: ContextYear | None = None
) -> Deadline:
    """Read one deadline phrase. A phrase that names no year ("Tháng 6", "ngày 23/1") takes
    `context_year` and says so in `year_inferred_from`, else `plan_year`."""
    original = "" if text is None else text
    phrase = _Phrase.of(clean(strip_tags(original).replace("*", " ").translate(_INVISIBLE)))
    if not phrase.folded:
        return Deadline(original=original, kind=DeadlineKind.EMPTY, reason="empty")
    context = (
        _Context(context_year.year, context_year.source)
        if context_year is not None
        else _Context(plan_year)
    )
    clauses = [phrase.cut(start, end) for start, end in _clause_bounds(phrase.folded)]
    labelled = [(clause, _LABEL.search(clause.folded)) for clause in clauses]
    if any(match for _, match in labelled):
        readings = [
            _search_clause(clause.cut(match.end()), context)
            for clause, match in labelled
            if match is not None
        ]
    else:
        readings = [_read_sentence(clause, context) for clause in clauses if clause.folded]
    # Clause readers leave `original` empty; only the reading returned carries the caller's text.
    return replace(_combine(readings), original=original)


def _clause_bounds(folded: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in _CLAUSE_END.finditer(folded):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(folded)))
    return bounds


def _combine(readings: list[Deadline]) -> Deadline:
    # A task with several time sentences is done when its last part is; a part with no date
    # (conditional, unreadable) makes the whole undated rather than due on the other part's date.
    if len(readings) == 1:
        return readings[0]
    undated = [reading for reading in readings if reading.due_date is None]
    unread = [reading for reading in undated if reading.kind == DeadlineKind.UNREAD]
    if unread:
        return unread[0]
    if undated:
        return undated[0]
    latest = max(readings, key=lambda reading: reading.due_date or date.min)
    return replace(latest, reason=_REASON_SEVERAL)


def _search_clause(phrase: "_Phrase", context: _Context) -> Deadline:
    # After a "Thời gian hoàn thành" label the phrase may carry words before the time
    # ("chính thức đưa vào sử dụng trước ngày 01/7/2022"), so try each word onwards.
    reading = _read_clause(phrase, context)
    if reading.kind != DeadlineKind.UNREAD:
        return reading
    cited = _cited(phrase.folded)
    for match in re.finditer(r"\s+", phrase.folded):
        if _overlaps(match.end(), match.end() + 1, cited):
            continue
        candidate = _read_clause(phrase.cut(match.end()), context.piece())
        if candidate.kind != DeadlineKind.UNREAD:
            return candidate
    found = _find_times(phrase, context)
    return _combine(found) if found else reading


def _read_sentence(phrase: "_Phrase", context: _Context) -> Deadline:
    reading = _read_clause(phrase, context)
    if reading.kind != DeadlineKind.UNREAD or reading.reason not in _NOT_FOUND:
        return reading
    found = _find_times(phrase, context)
    return _combine(found) if found else reading


def _find_times(phrase: "_Phrase", context: _Context) -> list[Deadline]:
    """The time clauses of a sentence: from each anchor word, the longest run of words that
    reads as a date, a period or a recurrence (or as an invalid one, which then says why)."""
    text = phrase.folded
    cited = _cited(text)
    starts = [match.start() for match in _ANCHOR.finditer(text)]
    if _TIME_START.match(text):
        starts.insert(0, 0)
    found: list[Deadline] = []
    reached = 0
    for start in sorted(set(starts)):
        if start < reached or _overlaps(start, start + 1, cited):
            continue
        between = text[reached:start]
        if (
            found
            and not between.strip(_EDGE_PUNCTUATION + "()")
            and _CADENCE_WORDS.match(text, start)
        ):
            # "trong tháng 01/2026 hằng tuần": a cadence right after a time changes what it
            # means, even where the two do not read together.
            return [_unread(UnreadReason.UNRECOGNISED)]
        words = islice(_WORD_END.finditer(text, start + 1), _MAX_CLAUSE_WORDS)
        ends = {*(match.start() for match in words), len(text)}
        for end in sorted(ends, reverse=True):
            if _overlaps(start, end, cited):
                continue
            reading = _read_clause(phrase.cut(start, end), context.piece())
            if _is_time(reading):
                if found and not between.strip(" ()"):
                    # Two time clauses with only a space between them are one expression
                    # this reader does not know ("trước tháng 02 | hằng năm": not a date and
                    # a cadence); a comma or a word between them keeps them apart.
                    return [_unread(UnreadReason.UNRECOGNISED)]
                found.append(reading)
                reached = end
                break
    return found


def _is_time(reading: Deadline) -> bool:
    if reading.kind == DeadlineKind.UNREAD:
        return reading.reason not in _NOT_FOUND
    if reading.kind == DeadlineKind.RECURRING:
        return reading.recurrence is not None
    return reading.due_date is not None


def _cited(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _CITATION.finditer(text)]


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def _read_clause(phrase: "_Phrase", context: _Context) -> Deadline:
    text = phrase.folded
    if not text:
        return _unread("no time expression")
    open_ended = _OPEN_ENDED.search(text)
    if open_ended is not None:
        reading = _read_clause(phrase.cut(0, open_ended.start()), context)
        return replace(reading, open_ended=True) if reading.due_date is not None else reading
    alternative = _AD_HOC_ALTERNATIVE.search(text)
    if alternative is not None and alternative.start() > 0:
        reading = _read_clause(phrase.cut(0, alternative.start()), context)
        if reading.kind in (DeadlineKind.UNREAD, DeadlineKind.EMPTY):
            return reading
        return replace(reading, condition=phrase.cut(alternative.end()).display)
    if _ONGOING.match(text):
        return Deadline(original="", kind=DeadlineKind.ONGOING, reason="ongoing")
    if _CARRIED_OVER.match(text):
        return Deadline(original="", kind=DeadlineKind.ONGOING, reason="carried over, under way")
    meeting = _AT_MEETING.match(text)
    if meeting is not None:
        return _search_clause(phrase.cut(meeting.end()), context)
    if _CONDITIONAL.match(text):
        return Deadline(
            original="",
            kind=DeadlineKind.CONDITIONAL,
            condition=phrase.display,
            reason="conditional",
        )
    milestone = _MILESTONE.match(text)
    if milestone is not None:
        return _read_milestone(milestone, context)
    return _read_recurring(text) or _read_dated(text, context)


def _read_milestone(match: re.Match[str], context: _Context) -> Deadline:
    word = _MILESTONE_WORDS[match["word"]]
    rest = match.string[match.end() :]
    if not rest:
        return Deadline(
            original="",
            kind=DeadlineKind.MILESTONE,
            condition=word,
            reason=UnreadReason.NO_TIME_EXPRESSION,
        )
    reading = _read_dated(rest, context)
    if reading.due_date is None:
        return reading
    return replace(reading, kind=DeadlineKind.MILESTONE, condition=word)


@dataclass(frozen=True)
class _DayRule:
    """The "trước ngày …" part of a recurring phrase."""

    before_day: int | None = None
    month: int | None = None
    next_month: bool = False  # "của tháng liền kề": the month after the period
    next_quarter: bool = False  # "của tháng đầu quý sau": a quarterly rule's next month
    next_year: bool = False  # "năm liền kề": `month` of the year after


def _read_recurring(text: str) -> Deadline | None:
    periodic = _PERIODIC.match(text)
    body = text[periodic.end() :] if periodic else text
    if within := _WITHIN_LEAD.match(body):
        body = body[within.end() :]
    try:
        if halves := _HALF_AND_YEAR.fullmatch(body):
            return _half_and_year(int(halves["half_day"]), int(halves["year_day"]))
        weekly = _read_weekly(body)
        if weekly is not None:
            return weekly
        rule = _DayRule()
        before = _BEFORE_DAY.search(body)
        if before is not None:
            rule = _DayRule(
                before_day=int(before["day"]),
                month=int(before["month"]) if before["month"] else None,
                next_month=before["next_month"] is not None,
                next_quarter=(before["next_of"] or "").startswith("qu"),
                next_year=before["next_year"] is not None,
            )
            body = body[: before.start()] + " " + body[before.end() :]
        body = body.strip(" ,:")
        if listed := _YEARLY_LIST.fullmatch(body):
            return _yearly_parts(listed, rule)
        recurrence = _recurrence(body, rule, periodic=periodic is not None)
    except ValueError:
        return _unread(UnreadReason.INVALID_RECURRENCE)
    if recurrence is not None:
        return _recurring(recurrence)
    if periodic is None:
        return None
    if _WEEKLY.fullmatch(body):
        return _recurring_without_rule("weekly cadence not supported")
    if not body:
        return _recurring_without_rule("cadence not stated")
    return None


def _recurrence(body: str, rule: _DayRule, *, periodic: bool) -> Recurrence | None:
    """The rule `body` states, or None when it is not a cadence phrase; ValueError if invalid."""
    if not body:
        # "trước ngày 05 của tháng liền kề", "trước ngày 31/01 năm liền kề": the day rule
        # itself says what is reported on (the month or the year before).
        if rule.next_quarter:
            return Recurrence(Cadence.QUARTERLY, before_day=rule.before_day, after_period=True)
        if rule.next_month and rule.month is None:
            return Recurrence(Cadence.MONTHLY, before_day=rule.before_day, after_period=True)
        if rule.next_year and rule.month is not None:
            return Recurrence(
                Cadence.YEARLY, month=rule.month, before_day=rule.before_day, after_period=True
            )
        return None
    cadence = _cadence(body, periodic=periodic)
    if rule.month is not None or rule.next_year:
        # "trước ngày 15/12 hằng năm": a day and a month belong to a yearly rule only.
        if cadence is None:
            return None
        if cadence != Cadence.YEARLY or rule.month is None or rule.next_month:
            raise ValueError(f"a day and month with a {cadence} cadence")
        return Recurrence(
            Cadence.YEARLY,
            month=rule.month,
            before_day=rule.before_day,
            after_period=rule.next_year,
        )
    if match := _YEARLY_MONTH.fullmatch(body):
        _no_next_period(rule)
        before_day = rule.before_day
        if match["before"]:
            # "trước tháng 02 hằng năm" is due by the end of January: before its first day.
            if before_day is not None:
                raise ValueError("before a month and before a day")
            before_day = 1
        return Recurrence(Cadence.YEARLY, month=int(match["month"]), before_day=before_day)
    if match := _YEARLY_QUARTER.fullmatch(body):
        _no_next_period(rule)
        return Recurrence(
            Cadence.YEARLY, quarter=_valid_quarter(match["quarter"]), before_day=rule.before_day
        )
    if cadence is None:
        return None
    if rule.next_quarter and cadence != Cadence.QUARTERLY:
        raise ValueError(f"the first month of the next quarter with a {cadence} cadence")
    return Recurrence(cadence, before_day=rule.before_day, after_period=rule.next_month)


def _cadence(body: str, *, periodic: bool) -> Cadence | None:
    if _CADENCE_LIST.fullmatch(body):
        # "hàng tháng, quý, năm": the most frequent cadence already covers the others' dates.
        words = set(_CADENCE_WORD.findall(body))
        return next(cadence for word, cadence in _CADENCE_OF_WORD.items() if word in words)
    match = _SIX_MONTHLY.fullmatch(body)
    # A bare "6 tháng" is a duration ("trong 6 tháng"), not a cadence.
    if match and (periodic or match["every"] or match["year_end"]):
        return Cadence.SIX_MONTHLY
    return None


def _no_next_period(rule: _DayRule) -> None:
    if rule.next_month:
        raise ValueError("a yearly month or quarter with a following-month day rule")


def _valid_quarter(token: str) -> int:
    quarter = _quarter_number(token)
    if quarter is None:
        raise ValueError(f"no quarter {token!r}")
    return quarter


def _half_and_year(half_day: int, year_day: int) -> Deadline:
    if half_day == year_day:
        return _recurring(Recurrence(Cadence.SIX_MONTHLY, before_day=half_day))
    return _with_parts(
        [
            _recurring(Recurrence(Cadence.YEARLY, month=6, before_day=half_day)),
            _recurring(Recurrence(Cadence.YEARLY, month=12, before_day=year_day)),
        ]
    )


def _yearly_parts(match: re.Match[str], rule: _DayRule) -> Deadline:
    if rule.month is not None or rule.next_month or rule.next_year:
        raise ValueError("a list of months or quarters with a day-and-month rule")
    numbers = _LIST_ITEM.findall(match["items"].removeprefix(match["unit"]).replace("thang", " "))
    if match["unit"] == "thang":
        rules = [
            Recurrence(Cadence.YEARLY, month=int(number), before_day=rule.before_day)
            for number in numbers
        ]
    else:
        rules = [
            Recurrence(Cadence.YEARLY, quarter=_valid_quarter(number), before_day=rule.before_day)
            for number in numbers
        ]
    return _with_parts([_recurring(recurrence) for recurrence in rules])


def _read_weekly(body: str) -> Deadline | None:
    """A weekly rule with its day ("trước 16 giờ ngày thứ Sáu hằng tuần"), else None."""
    every_week = _WEEKLY.search(body)
    if every_week is None:
        return None
    rest = (body[: every_week.start()] + " " + body[every_week.end() :]).strip(" ,:")
    day = _WEEKLY_DAY.fullmatch(rest)
    if day is None:
        return None
    named = 6 if day["sunday"] else _weekday(day["weekday"])
    if day["hour"] is not None:
        due_time = _clock(day)
        if due_time is None:
            return _unread(UnreadReason.INVALID_TIME)
        return _recurring(Recurrence(Cadence.WEEKLY, weekday=named, due_time=due_time))
    # "trước thứ Sáu" with no hour leaves Thursday, as "trước ngày 15" leaves the 14th.
    weekday = (named - 1) % 7 if day["before"] else named
    return _recurring(Recurrence(Cadence.WEEKLY, weekday=weekday))


def _weekday(token: str) -> int:
    # "thứ 2" is Monday: the numbered days count from Sunday as the first.
    return int(token) - 2 if token.isdigit() else _WEEKDAYS[token]


def _clock(match: re.Match[str]) -> time | None:
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _recurring(recurrence: Recurrence) -> Deadline:
    return Deadline(
        original="", kind=DeadlineKind.RECURRING, recurrence=recurrence, reason="recurring"
    )


def _recurring_without_rule(reason: str) -> Deadline:
    return Deadline(original="", kind=DeadlineKind.RECURRING, reason=reason)


def _with_parts(parts: list[Deadline]) -> Deadline:
    return replace(parts[0], parts=tuple(parts))


@dataclass(frozen=True)
class _Period:
    kind: DeadlineKind
    start: date
    end: date
    year_source: YearSource | None = None


def _read_dated(text: str, context: _Context) -> Deadline:
    lead = _LEAD_WORDS.match(text)
    if lead is not None:
        text = text[lead.end() :]
    before = _BEFORE.match(text)
    by = None if before else _BY.match(text)
    connector = before or by or _WITHIN.match(text)
    body = text[connector.end() :] if connector else text
    clock = _CLOCK_AT.match(body)
    if clock is not None:
        return _read_timed(clock, body[clock.end() :], context)
    periods = _periods(body, context, ranges=before is None)
    if not isinstance(periods, list):
        return _unread(periods or _no_time_reason(text))
    deadlines = [_due(period, before=before is not None, by=by is not None) for period in periods]
    return _with_parts(deadlines) if len(deadlines) > 1 else deadlines[0]


def _due(period: _Period, *, before: bool, by: bool) -> Deadline:
    if before:
        return Deadline(
            original="",
            kind=period.kind,
            due_date=period.start - timedelta(days=1),
            strictly_before=True,
            year_inferred_from=period.year_source,
        )
    # "đến/hết ..." names only the end point; a named period gives a start to remind from.
    named = not by and (period.kind != DeadlineKind.DATE or period.start != period.end)
    return Deadline(
        original="",
        kind=period.kind,
        due_date=period.end,
        period_start=period.start if named else None,
        year_inferred_from=period.year_source,
    )


def _read_timed(clock: re.Match[str], rest: str, context: _Context) -> Deadline:
    """A date with a time of day ("trước 17 giờ ngày 20/01/2026"): due that day, by then."""
    due_time = _clock(clock)
    if due_time is None:
        return _unread(UnreadReason.INVALID_TIME)
    period = _point(rest, context)
    if not isinstance(period, _Period):
        return _unread(period or UnreadReason.UNRECOGNISED)
    if period.kind != DeadlineKind.DATE:
        return _unread(UnreadReason.UNRECOGNISED)
    return Deadline(
        original="",
        kind=DeadlineKind.DATE,
        due_date=period.end,
        due_time=due_time,
        year_inferred_from=period.year_source,
    )


def _periods(text: str, context: _Context, *, ranges: bool) -> list[_Period] | str | None:
    """The period `text` names, the span, or the list of periods; a reason if invalid."""
    point = _point(text, context)
    if isinstance(point, _Period):
        return [point]
    if ranges and (span := _range(text, context)) is not None:
        return [span]
    listed = _listed(text, context)
    return point if listed is None else listed


def _listed(text: str, context: _Context) -> list[_Period] | str | None:
    """The periods of a list ("tháng 3, tháng 9", "Quý II và Quý IV/2026"), each item read in
    full; a year is shared backwards from the item that states it. None if not such a list."""
    items = _LIST_SEPARATOR.split(text)
    if len(items) < 2:
        return None
    unit = ""
    named: list[str] = []
    for item in items:
        if found := _LIST_UNIT.match(item):
            unit = found.group()
        elif unit and _LIST_ITEM.match(item):
            # "Quý II và IV/2026", "tháng 3, 9": the item borrows the word before it.
            item = f"{unit} {item}"
        named.append(item)
    periods: list[_Period] = []
    reasons: list[str] = []
    following = context
    for item in reversed(named):
        period = _point(item, following)
        if period is None:
            return None
        if isinstance(period, str):
            reasons.append(period)
            continue
        periods.insert(0, period)
        following = replace(context, year=period.end.year, source=period.year_source)
    if reasons:
        return reasons[-1]
    if any(first.start >= then.start for first, then in pairwise(periods)):
        # "tháng 9, tháng 3": September of this year and March of the next, or both of this
        # year? Out of order or repeated, the list can be read more than one way.
        return UnreadReason.AMBIGUOUS
    return periods


def _range(text: str, context: _Context) -> _Period | None:
    """The span `text` names ("2022-2025", "từ quý I đến quý IV/2023"), if it is one."""
    start_word = _RANGE_START.match(text)
    if start_word is not None:
        text = text[start_word.end() :]
    for separator in _RANGE_SEPARATOR.finditer(text):
        last = _point(text[separator.end() :], context)
        if not isinstance(last, _Period):
            continue
        shared = replace(context, year=last.end.year, source=last.year_source)
        first = _point(text[: separator.start()], shared)
        if isinstance(first, _Period) and first.start <= last.end:
            return _Period(last.kind, first.start, last.end, last.year_source)
    return None


def _point(text: str, context: _Context) -> _Period | str | None:
    """The period `text` names in full, a reason string if it is an invalid one, else None."""
    # Without a year, only "ngày 15/02" is a date inside a sentence: there a bare "3/5" is as
    # likely a count ("3/5 xã"); a cell that holds nothing else is a date.
    if (match := _DATE.fullmatch(text)) and (match["year"] is not None or match["word"]):
        return _date_period(match, context)
    if context.whole and (match := _BARE_DATE.fullmatch(text)):
        return _date_period(match, context)
    if match := _MONTH.fullmatch(text) or _BARE_MONTH.fullmatch(text):
        return _month_period(match, context)
    if match := _QUARTER.fullmatch(text):
        return _quarter_period(match, context)
    if match := _YEAR.fullmatch(text):
        year = _year(match["year"], context)
        if isinstance(year, str):
            return year
        return _Period(DeadlineKind.YEAR, date(year[0], 1, 1), date(year[0], 12, 31))
    return None


def _date_period(match: re.Match[str], context: _Context) -> _Period | str:
    year = _year(match.groupdict().get("year"), context)
    if isinstance(year, str):
        return year
    try:
        day = date(year[0], int(match["month"]), int(match["day"]))
    except ValueError:
        return UnreadReason.INVALID_DATE
    return _Period(DeadlineKind.DATE, day, day, year[1])


def _month_period(match: re.Match[str], context: _Context) -> _Period | str:
    year = _year(match["year"], context)
    if isinstance(year, str):
        return year
    month = int(match["month"])
    if not 1 <= month <= 12:
        return UnreadReason.INVALID_MONTH
    return _Period(DeadlineKind.MONTH, date(year[0], month, 1), month_end(year[0], month), year[1])


def _quarter_period(match: re.Match[str], context: _Context) -> _Period | str:
    quarter = _quarter_number(match["roman"] or match["number"])
    if quarter is None:
        return UnreadReason.INVALID_QUARTER
    year = _year(match["year"], context)
    if isinstance(year, str):
        return year
    return _Period(
        DeadlineKind.QUARTER,
        date(year[0], 3 * quarter - 2, 1),
        month_end(year[0], 3 * quarter),
        year[1],
    )


def _quarter_number(token: str) -> int | None:
    if token.isdigit():
        return int(token) if 1 <= int(token) <= 4 else None
    return _ROMAN_QUARTERS.get(token)


def _year(token: str | None, context: _Context) -> tuple[int, YearSource | None] | str:
    """The year stated, else the context's and where it came from; a reason if none."""
    if token is not None:
        year, source = int(token), None
    elif context.year is not None:
        year, source = context.year, context.source
    else:
        return UnreadReason.NO_YEAR
    if not _EARLIEST_YEAR <= year <= _LATEST_YEAR:
        return UnreadReason.INVALID_YEAR
    return year, source


def _unread(reason: str) -> Deadline:
    return Deadline(original="", kind=DeadlineKind.UNREAD, reason=reason)


def _no_time_reason(text: str) -> str:
    if _TIME_HINT.search(text):
        return UnreadReason.UNRECOGNISED
    return UnreadReason.NO_TIME_EXPRESSION


@dataclass(frozen=True)
class _Phrase:
    """A cleaned phrase and its folded form, with the map that slices both together."""

    folded: str
    display: str
    # positions[i] is where folded character i came from in `display`; one extra at the end.
    positions: tuple[int, ...]

    @classmethod
    def of(cls, display: str) -> "_Phrase":
        folded: list[str] = []
        positions: list[int] = []
        for index, char in enumerate(display):
            # fold() trims white space, so a lone space must be kept by hand.
            piece = " " if char.isspace() else fold(char)
            folded.append(piece)
            positions.extend([index] * len(piece))
        positions.append(len(display))
        return cls("".join(folded), display, tuple(positions)).cut(0)

    def cut(self, start: int, end: int | None = None) -> "_Phrase":
        """The part from folded position `start` to `end`, trimmed of edge punctuation."""
        stop = len(self.folded) if end is None else end
        while start < stop and self.folded[start] in _EDGE_PUNCTUATION:
            start += 1
        while stop > start and self.folded[stop - 1] in _EDGE_PUNCTUATION:
            stop -= 1
        offset = self.positions[start]
        return _Phrase(
            folded=self.folded[start:stop],
            display=self.display[offset : self.positions[stop]],
            positions=tuple(position - offset for position in self.positions[start : stop + 1]),
        )
