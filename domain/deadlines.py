"""Reading the deadline phrases of Vietnamese plans ("Quý IV /2023", "trước ngày 15/02/2023").

The reader is deliberately conservative: a phrase either matches one of the known shapes in
full or comes back UNREAD with a reason. It never guesses a date from stray numbers, because a
wrong due date makes the bot nag an agency about work that is not late.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

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


@dataclass(frozen=True)
class Deadline:
    """A deadline phrase as read: its kind, its last on-time day (if any) and why not."""

    original: str
    kind: DeadlineKind
    due_date: date | None = None
    period_start: date | None = None
    strictly_before: bool = False
    open_ended: bool = False
    recurrence: Recurrence | None = None
    condition: str | None = None
    reason: str | None = None


_EARLIEST_YEAR = 1900
_LATEST_YEAR = 2100
_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_MILESTONE_WORDS = {"khoi cong": "khởi công", "khanh thanh": "khánh thành"}
_REASON_SEVERAL = "several deadlines; the latest is kept"

_EDGE_PUNCTUATION = " .,;:!?/-+*•\"'“”‘’"
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
_BEFORE_DAY = re.compile(
    r"\(?\s*truoc\s+ngay\s+(?P<day>[0-9]{1,2})"
    r"(?:(?:\s+cua)?\s+thang(?:\s+cuoi\s+(?:quy|ky|nam))?)?\s*\)?"
)
_YEARLY_MONTH = re.compile(r"thang\s*(?P<month>[0-9]{1,2})\s+(?:hang|moi)\s+nam")
_YEARLY_QUARTER = re.compile(r"qu[yi]\s*(?P<quarter>[ivx]+|[0-9])\s+(?:hang|moi)\s+nam")
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
_WEEKLY = re.compile(r"(?:hang|moi)\s+tuan")

_LEAD_WORDS = re.compile(r"(?:(?:phan dau|hoan thanh)\b\s*:?\s*)*")
_BEFORE = re.compile(r"truoc\b\s*")
_BY = re.compile(r"(?:den het|cho den|den|het|toi|cham nhat(?:\s+(?:la|vao|trong))?|cuoi)\b\s*")
_WITHIN = re.compile(r"(?:trong|vao|ca)\b\s*")
_RANGE_START = re.compile(r"(?:trong\s+)?(?:giai doan|tu)\b\s*")
_RANGE_SEPARATOR = re.compile(r"\s*-\s*|\s+den(?:\s+het)?\s+")

_DATE = re.compile(
    r"(?P<word>ngay\s*)?(?P<day>[0-9]{1,2})\s*(?:/|-|\.|thang)\s*(?P<month>[0-9]{1,2})"
    r"(?:\s*(?:/|-|\.|nam)\s*(?P<year>[0-9]{4}))?"
)
_MONTH = re.compile(r"thang\s*(?P<month>[0-9]{1,2})(?:\s*(?:/|-|nam)\s*(?P<year>[0-9]{4}))?")
_BARE_MONTH = re.compile(r"(?P<month>[0-9]{1,2})\s*/\s*(?P<year>[0-9]{4})")
_QUARTER = re.compile(
    r"(?:qu[yi]\s*(?P<roman>[ivx]+|[0-9]{1,2})|q\s*(?P<number>[0-9]{1,2}))"
    r"(?:\s*(?:/|-|nam)\s*(?P<year>[0-9]{4}))?"
)
_YEAR = re.compile(r"(?:nam\s*)?(?P<year>[0-9]{4})")


def parse_deadline(text: str | None, *, plan_year: int | None = None) -> Deadline:
    """Read one deadline phrase; `plan_year` supplies the year of "Tháng 6" or "Quý IV"."""
    original = "" if text is None else text
    phrase = _Phrase.of(clean(strip_tags(original).replace("*", " ")))
    if not phrase.folded:
        return Deadline(original=original, kind=DeadlineKind.EMPTY, reason="empty")
    clauses = [phrase.cut(start, end) for start, end in _clause_bounds(phrase.folded)]
    labelled = [(clause, _LABEL.search(clause.folded)) for clause in clauses]
    if any(match for _, match in labelled):
        readings = [
            _search_clause(clause.cut(match.end()), plan_year)
            for clause, match in labelled
            if match is not None
        ]
    else:
        readings = [_read_clause(clause, plan_year) for clause in clauses if clause.folded]
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


def _search_clause(phrase: "_Phrase", plan_year: int | None) -> Deadline:
    # After a "Thời gian hoàn thành" label the phrase may carry words before the time
    # ("chính thức đưa vào sử dụng trước ngày 01/7/2022"), so try each word onwards.
    reading = _read_clause(phrase, plan_year)
    if reading.kind != DeadlineKind.UNREAD:
        return reading
    for match in re.finditer(r"\s+", phrase.folded):
        candidate = _read_clause(phrase.cut(match.end()), plan_year)
        if candidate.kind != DeadlineKind.UNREAD:
            return candidate
    return reading


def _read_clause(phrase: "_Phrase", plan_year: int | None) -> Deadline:
    text = phrase.folded
    if not text:
        return _unread("no time expression")
    open_ended = _OPEN_ENDED.search(text)
    if open_ended is not None:
        reading = _read_clause(phrase.cut(0, open_ended.start()), plan_year)
        return replace(reading, open_ended=True) if reading.due_date is not None else reading
    alternative = _AD_HOC_ALTERNATIVE.search(text)
    if alternative is not None and alternative.start() > 0:
        reading = _read_clause(phrase.cut(0, alternative.start()), plan_year)
        if reading.kind in (DeadlineKind.UNREAD, DeadlineKind.EMPTY):
            return reading
        return replace(reading, condition=phrase.cut(alternative.end()).display)
    if _ONGOING.match(text):
        return Deadline(original="", kind=DeadlineKind.ONGOING, reason="ongoing")
    if _CARRIED_OVER.match(text):
        return Deadline(original="", kind=DeadlineKind.ONGOING, reason="carried over, under way")
    meeting = _AT_MEETING.match(text)
    if meeting is not None:
        return _search_clause(phrase.cut(meeting.end()), plan_year)
    if _CONDITIONAL.match(text):
        return Deadline(
            original="",
            kind=DeadlineKind.CONDITIONAL,
            condition=phrase.display,
            reason="conditional",
        )
    milestone = _MILESTONE.match(text)
    if milestone is not None:
        return _read_milestone(milestone, plan_year)
    return _read_recurring(text) or _read_dated(text, plan_year)


def _read_milestone(match: re.Match[str], plan_year: int | None) -> Deadline:
    word = _MILESTONE_WORDS[match["word"]]
    rest = match.string[match.end() :]
    if not rest:
        return Deadline(
            original="",
            kind=DeadlineKind.MILESTONE,
            condition=word,
            reason=UnreadReason.NO_TIME_EXPRESSION,
        )
    reading = _read_dated(rest, plan_year)
    if reading.due_date is None:
        return reading
    return replace(reading, kind=DeadlineKind.MILESTONE, condition=word)


def _read_recurring(text: str) -> Deadline | None:
    periodic = _PERIODIC.match(text)
    body = text[periodic.end() :] if periodic else text
    before_day: int | None = None
    before = _BEFORE_DAY.search(body)
    if before is not None:
        before_day = int(before["day"])
        body = body[: before.start()] + " " + body[before.end() :]
    body = body.strip(" ,")
    try:
        recurrence = _recurrence(body, before_day, periodic=periodic is not None)
    except ValueError:
        return _unread(UnreadReason.INVALID_RECURRENCE)
    if recurrence is not None:
        return Deadline(
            original="", kind=DeadlineKind.RECURRING, recurrence=recurrence, reason="recurring"
        )
    if periodic is None:
        return None
    if _WEEKLY.fullmatch(body):
        return _recurring_without_rule("weekly cadence not supported")
    if not body:
        return _recurring_without_rule("cadence not stated")
    return None


def _recurrence(body: str, before_day: int | None, *, periodic: bool) -> Recurrence | None:
    """The rule `body` states, or None when it is not a cadence phrase; ValueError if invalid."""
    if match := _YEARLY_MONTH.fullmatch(body):
        return Recurrence(Cadence.YEARLY, month=int(match["month"]), before_day=before_day)
    if match := _YEARLY_QUARTER.fullmatch(body):
        quarter = _quarter_number(match["quarter"])
        if quarter is None:
            raise ValueError(f"no quarter {match['quarter']!r}")
        return Recurrence(Cadence.YEARLY, quarter=quarter, before_day=before_day)
    if _CADENCE_LIST.fullmatch(body):
        # "hàng tháng, quý, năm": the most frequent cadence already covers the others' dates.
        words = set(_CADENCE_WORD.findall(body))
        cadence = next(cadence for word, cadence in _CADENCE_OF_WORD.items() if word in words)
        return Recurrence(cadence, before_day=before_day)
    match = _SIX_MONTHLY.fullmatch(body)
    # A bare "6 tháng" is a duration ("trong 6 tháng"), not a cadence.
    if match and (periodic or match["every"] or match["year_end"]):
        return Recurrence(Cadence.SIX_MONTHLY, before_day=before_day)
    return None


def _recurring_without_rule(reason: str) -> Deadline:
    return Deadline(original="", kind=DeadlineKind.RECURRING, reason=reason)


@dataclass(frozen=True)
class _Period:
    kind: DeadlineKind
    start: date
    end: date


def _read_dated(text: str, plan_year: int | None) -> Deadline:
    lead = _LEAD_WORDS.match(text)
    if lead is not None:
        text = text[lead.end() :]
    if before := _BEFORE.match(text):
        period = _point(text[before.end() :], plan_year)
        if not isinstance(period, _Period):
            return _unread(period or _no_time_reason(text))
        return Deadline(
            original="",
            kind=period.kind,
            due_date=period.start - timedelta(days=1),
            strictly_before=True,
        )
    by = _BY.match(text)
    within = _WITHIN.match(text)
    connector = by or within
    body = text[connector.end() :] if connector else text
    period = _point(body, plan_year)
    if not isinstance(period, _Period):
        period = _range(body, plan_year) or period
    if not isinstance(period, _Period):
        return _unread(period or _no_time_reason(text))
    # "đến/hết ..." names only the end point; a named period gives a start to remind from.
    named = by is None and (period.kind != DeadlineKind.DATE or period.start != period.end)
    return Deadline(
        original="",
        kind=period.kind,
        due_date=period.end,
        period_start=period.start if named else None,
    )


def _range(text: str, plan_year: int | None) -> _Period | None:
    """The span `text` names ("2022-2025", "từ quý I đến quý IV/2023"), if it is one."""
    start_word = _RANGE_START.match(text)
    if start_word is not None:
        text = text[start_word.end() :]
    for separator in _RANGE_SEPARATOR.finditer(text):
        last = _point(text[separator.end() :], plan_year)
        if not isinstance(last, _Period):
            continue
        first = _point(text[: separator.start()], last.end.year)
        if isinstance(first, _Period) and first.start <= last.end:
            return _Period(last.kind, first.start, last.end)
    return None


def _point(text: str, default_year: int | None) -> _Period | str | None:
    """The period `text` names in full, a reason string if it is an invalid one, else None."""
    # Without a year, only "ngày 15/02" is a date: a bare "3/5" is as likely a count ("3/5 xã").
    if (match := _DATE.fullmatch(text)) and (match["year"] is not None or match["word"]):
        return _date_period(match, default_year)
    if match := _MONTH.fullmatch(text) or _BARE_MONTH.fullmatch(text):
        return _month_period(match, default_year)
    if match := _QUARTER.fullmatch(text):
        return _quarter_period(match, default_year)
    if match := _YEAR.fullmatch(text):
        year = _year(match["year"], None)
        if isinstance(year, str):
            return year
        return _Period(DeadlineKind.YEAR, date(year, 1, 1), date(year, 12, 31))
    return None


def _date_period(match: re.Match[str], default_year: int | None) -> _Period | str:
    year = _year(match["year"], default_year)
    if isinstance(year, str):
        return year
    try:
        day = date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        return UnreadReason.INVALID_DATE
    return _Period(DeadlineKind.DATE, day, day)


def _month_period(match: re.Match[str], default_year: int | None) -> _Period | str:
    year = _year(match["year"], default_year)
    if isinstance(year, str):
        return year
    month = int(match["month"])
    if not 1 <= month <= 12:
        return UnreadReason.INVALID_MONTH
    return _Period(DeadlineKind.MONTH, date(year, month, 1), month_end(year, month))


def _quarter_period(match: re.Match[str], default_year: int | None) -> _Period | str:
    quarter = _quarter_number(match["roman"] or match["number"])
    if quarter is None:
        return UnreadReason.INVALID_QUARTER
    year = _year(match["year"], default_year)
    if isinstance(year, str):
        return year
    return _Period(
        DeadlineKind.QUARTER, date(year, 3 * quarter - 2, 1), month_end(year, 3 * quarter)
    )


def _quarter_number(token: str) -> int | None:
    if token.isdigit():
        return int(token) if 1 <= int(token) <= 4 else None
    return _ROMAN_QUARTERS.get(token)


def _year(token: str | None, default_year: int | None) -> int | str:
    year = int(token) if token is not None else default_year
    if year is None:
        return UnreadReason.NO_YEAR
    if not _EARLIEST_YEAR <= year <= _LATEST_YEAR:
        return UnreadReason.INVALID_YEAR
    return year


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
