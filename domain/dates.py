"""Dates as officers write them in chat: "30/9", "30/09/2026", "ngày 30 tháng 9 năm 2026",
"tháng 11", "cuối tháng", "cuối quý", "quý IV/2026", "cuối năm", "thêm 10 ngày làm việc".

Reading and resolving are separate steps. `find_dates` only says what was written and where;
`resolve` turns that into a day given today (and, for "thêm N ngày", the day to count from).
A phrase that names no single day ("đầu tháng 11", "tuần sau", "ngày 10" with no month) is
found as VAGUE so that a parser can ask instead of guessing.

What is never a date: a number after "số" or "#" ("số 15/12"), the head of a document number
("15/2026/QĐ-UBND", "123/KH-STTTT"), digits glued to other digits or dots (phone numbers such
as "0912.345.678"), "1-3" or "2.5" (ranges and decimals need a year to be dates), and a bare
"3/5" unless the caller allows bare day/month (a count such as "3/5 xã" looks the same).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.calendar import WorkCalendar
from domain.recurrence import month_end
from domain.wording import Message

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
MAX_OFFSET_DAYS = 3660
# A day written without a year that passed less than this long ago is this year's (and past).
_RECENT_PAST = timedelta(days=92)


class DateForm(StrEnum):
    """What a written date names."""

    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    OFFSET = "offset"
    VAGUE = "vague"


class Unit(StrEnum):
    """The unit of an offset ("thêm 10 ngày làm việc")."""

    DAYS = "days"
    WORKING_DAYS = "working-days"
    WEEKS = "weeks"
    MONTHS = "months"


class DateProblem(StrEnum):
    """Why a written date gives no day."""

    INVALID = "invalid"  # "31/2", "tháng 13", "quý V"
    VAGUE = "vague"  # "đầu tháng 11", "tuần sau"
    NO_BASE = "no-base"  # "thêm 10 ngày" with nothing to count from


@dataclass(frozen=True)
class WrittenDate:
    """One date phrase as written, with its span in the message.

    DAY: day and month, year if written. MONTH / QUARTER / YEAR: the period's number and year
    if written, or `ahead` (0 this, 1 next) for "cuối tháng", "cuối quý sau"; the day meant is
    the period's last. OFFSET: amount and unit, counted from a base day.
    """

    form: DateForm
    start: int
    end: int
    day: int | None = None
    month: int | None = None
    quarter: int | None = None
    year: int | None = None
    ahead: int | None = None
    amount: int | None = None
    unit: Unit | None = None


_NUMBER_WORDS = {
    "mot": 1, "hai": 2, "ba": 3, "bon": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9,
    "muoi": 10, "muoi lam": 15,
}  # fmt: skip
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_BEFORE = r"(?<![\w/.,#-])"
# Not glued to more of a number: "30/9/KH", "1/2/3", "12.5", "1-3" all stop a date here.
_AFTER = r"(?![\w])(?!\s*/\s*\w)(?!-\d)(?!\.\d)"
_YEAR_TAIL = r"(?:\s*(?:,\s*)?(?:nam\s+|/\s*|-\s*)(?P<y>\d{4}))?"
_RELATIVE = r"(?:\s+(?P<rel>nay|sau|toi|ke tiep|tiep theo))?"
_END_WORDS = r"(?:(?:cuoi|het)\s+)?"

_NUMERIC_DAY = re.compile(
    _BEFORE + r"(?P<word>ngay\s*)?(?P<d>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<m>\d{1,2})"
    r"(?:\s*(?P=sep)\s*(?P<y>\d{4}|\d{2}))?" + _AFTER
)
_WORDED_DAY = re.compile(
    _BEFORE + r"(?:ngay\s+)?(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})" + _YEAR_TAIL + _AFTER
)
_NAMED_MONTH = re.compile(_BEFORE + _END_WORDS + r"thang\s*(?P<m>\d{1,2})" + _YEAR_TAIL + _AFTER)
_BARE_MONTH = re.compile(_BEFORE + r"(?P<m>\d{1,2})\s*/\s*(?P<y>\d{4})" + _AFTER)
_RELATIVE_MONTH = re.compile(
    r"(?<!\w)(?:(?:cuoi|het)\s+thang" + _RELATIVE
    + r"|thang\s+(?P<next>sau|toi|ke tiep|tiep theo))(?!\s*\d)(?!\w)"
)  # fmt: skip
_NAMED_QUARTER = re.compile(
    _BEFORE + _END_WORDS + r"qu[yi]\s*(?P<q>iv|i{1,3}|v|\d)" + _YEAR_TAIL + _AFTER
)
_RELATIVE_QUARTER = re.compile(
    r"(?<!\w)(?:(?:cuoi|het)\s+qu[yi]" + _RELATIVE
    + r"|qu[yi]\s+(?P<next>sau|toi|ke tiep|tiep theo))(?!\s*(?:\d|[ivx]\b))(?!\w)"
)  # fmt: skip
_NAMED_YEAR = re.compile(_BEFORE + _END_WORDS + r"nam\s+(?P<y>\d{4})" + _AFTER)
_RELATIVE_YEAR = re.compile(
    r"(?<!\w)(?:(?:cuoi|het)\s+nam" + _RELATIVE
    + r"|nam\s+(?P<next>sau|toi))(?!\s*\d)(?!\w)"
)  # fmt: skip
_UNIT = r"(?P<unit>ngay lam viec|ngay|tuan|thang)"
_OFFSET = re.compile(
    r"(?<![\w/.,#-])(?:(?P<n>\d{1,3})\s*|(?<!\w)them\s+(?P<w>"
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")\s+)" + _UNIT + r"(?:\s+nua)?(?!\w)"
)  # fmt: skip
_VAGUE = re.compile(
    r"(?<!\w)(?:(?:dau|giua)\s+(?:thang|qu[yi]|nam)(?:\s*(?:\d{1,2}|iv|i{1,3}|nay|sau|toi))?"
    r"(?:\s*(?:/|nam)\s*\d{4})?"
    r"|(?:cuoi\s+)?tuan\s+(?:sau|toi|nay)|cuoi\s+tuan"
    r"|thu\s+(?:[2-7]|hai|ba|tu|nam|sau|bay)(?:\s+tuan\s+(?:sau|toi|nay))?"
    r"|ngay\s+\d{1,2}(?!\s*(?:/|\.|-|thang|\d)))(?!\w)"
)
# The head of a document number: "số 15/12", "#57", "No. 3/2".
_NUMBER_MARK = re.compile(r"(?:(?<!\w)(?:so|no)\.?|#)\s*:?\s*$")


def find_dates(
    message: Message, start: int = 0, end: int | None = None, *, bare_day_month: bool = False
) -> list[WrittenDate]:
    """The date phrases in message[start:end], left to right, none overlapping.

    `bare_day_month` lets "30/9" (no "ngày", no year) count as a date; otherwise it needs
    one of the two, since a bare "3/5" is as likely a count.
    """
    stop = len(message.folded) if end is None else end
    folded = message.folded
    found: list[WrittenDate] = []
    for pattern, read in _READERS:
        for match in pattern.finditer(folded, start, stop):
            if _NUMBER_MARK.search(folded, max(0, match.start() - 6), match.start()):
                continue
            written = read(match, bare_day_month)
            if written is not None:
                found.append(written)
    found.sort(key=lambda w: (w.start, -(w.end - w.start)))
    chosen: list[WrittenDate] = []
    for written in found:
        if not chosen or written.start >= chosen[-1].end:
            chosen.append(written)
    return chosen


def _int(text: str | None) -> int | None:
    return int(text) if text is not None else None


def _full_year(text: str | None) -> int | None:
    if text is None:
        return None
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _ahead(match: re.Match[str]) -> int:
    return 1 if match["next"] or (match["rel"] and match["rel"] != "nay") else 0


def _numeric_day(match: re.Match[str], bare: bool) -> WrittenDate | None:
    year = _full_year(match["y"])
    if year is None and (match["sep"] != "/" or not (bare or match["word"])):
        return None
    return WrittenDate(
        DateForm.DAY, match.start(), match.end(), day=int(match["d"]), month=int(match["m"]),
        year=year,
    )  # fmt: skip


def _worded_day(match: re.Match[str], _bare: bool) -> WrittenDate:
    return WrittenDate(
        DateForm.DAY, match.start(), match.end(), day=int(match["d"]), month=int(match["m"]),
        year=_int(match["y"]),
    )  # fmt: skip


def _named_month(match: re.Match[str], _bare: bool) -> WrittenDate:
    return WrittenDate(
        DateForm.MONTH, match.start(), match.end(), month=int(match["m"]), year=_int(match["y"])
    )


def _relative_month(match: re.Match[str], _bare: bool) -> WrittenDate:
    return WrittenDate(DateForm.MONTH, match.start(), match.end(), ahead=_ahead(match))


def _named_quarter(match: re.Match[str], _bare: bool) -> WrittenDate:
    token = match["q"]
    quarter = int(token) if token.isdigit() else _ROMAN.get(token, 0)
    return WrittenDate(
        DateForm.QUARTER, match.start(), match.end(), quarter=quarter, year=_int(match["y"])
    )


def _relative_quarter(match: re.Match[str], _bare: bool) -> WrittenDate:
    return WrittenDate(DateForm.QUARTER, match.start(), match.end(), ahead=_ahead(match))


def _named_year(match: re.Match[str], _bare: bool) -> WrittenDate:
    return WrittenDate(DateForm.YEAR, match.start(), match.end(), year=int(match["y"]))


def _relative_year(match: re.Match[str], _bare: bool) -> WrittenDate:
    return WrittenDate(DateForm.YEAR, match.start(), match.end(), ahead=_ahead(match))


def _offset(match: re.Match[str], _bare: bool) -> WrittenDate:
    amount = int(match["n"]) if match["n"] is not None else _NUMBER_WORDS[match["w"]]
    unit = {
        "ngay lam viec": Unit.WORKING_DAYS, "ngay": Unit.DAYS, "tuan": Unit.WEEKS,
        "thang": Unit.MONTHS,
    }[re.sub(r"\s+", " ", match["unit"])]  # fmt: skip
    return WrittenDate(DateForm.OFFSET, match.start(), match.end(), amount=amount, unit=unit)


def _vague(match: re.Match[str], _bare: bool) -> WrittenDate:
    return WrittenDate(DateForm.VAGUE, match.start(), match.end())


_READERS = (
    (_NUMERIC_DAY, _numeric_day),
    (_WORDED_DAY, _worded_day),
    (_NAMED_MONTH, _named_month),
    (_BARE_MONTH, _named_month),
    (_RELATIVE_MONTH, _relative_month),
    (_NAMED_QUARTER, _named_quarter),
    (_RELATIVE_QUARTER, _relative_quarter),
    (_NAMED_YEAR, _named_year),
    (_RELATIVE_YEAR, _relative_year),
    (_OFFSET, _offset),
    (_VAGUE, _vague),
)


def resolve(
    written: WrittenDate, *, today: date, base: date | None, calendar: WorkCalendar
) -> date | DateProblem:
    """The day a written date means.

    A missing year is this year, unless the day (or the end of the month or quarter) passed
    more than three months ago, then next year: "15/1" written in December is next January,
    while "1/9" written on 10/9 is nine days ago, which a caller refuses as past rather than
    reading a year ahead. "cuối tháng/quý/năm" is the end of today's
    month, quarter or year (`ahead` later); an offset counts from `base`, in working days
    when so written.
    """
    try:
        return _resolve(written, today=today, base=base, calendar=calendar)
    except (ValueError, OverflowError):
        return DateProblem.INVALID


def _resolve(
    written: WrittenDate, *, today: date, base: date | None, calendar: WorkCalendar
) -> date | DateProblem:
    form = written.form
    if form is DateForm.VAGUE:
        return DateProblem.VAGUE
    if form is DateForm.OFFSET:
        return _shifted(written, base=base, calendar=calendar)
    if written.year is not None and not EARLIEST_YEAR <= written.year <= LATEST_YEAR:
        return DateProblem.INVALID
    if form is DateForm.DAY:
        assert written.day is not None and written.month is not None
        day, month = written.day, written.month
        if written.year is not None:
            return date(written.year, month, day)
        date(2000, month, day)  # a day that exists in no year (31/4, 30/2) is invalid
        for year in range(today.year, today.year + 5):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue  # 29/2 outside a leap year
            if candidate >= today - _RECENT_PAST:
                return candidate
        return DateProblem.INVALID
    if form is DateForm.MONTH:
        if written.month is None:
            index = today.year * 12 + today.month - 1 + (written.ahead or 0)
            return month_end(index // 12, index % 12 + 1)
        if not 1 <= written.month <= 12:
            return DateProblem.INVALID
        if written.year is not None:
            return month_end(written.year, written.month)
        this_year = month_end(today.year, written.month)
        if this_year >= today - _RECENT_PAST:
            return this_year
        return month_end(today.year + 1, written.month)
    if form is DateForm.QUARTER:
        current = (today.month - 1) // 3 + 1
        if written.quarter is None:
            index = today.year * 4 + current - 1 + (written.ahead or 0)
            return month_end(index // 4, (index % 4) * 3 + 3)
        if not 1 <= written.quarter <= 4:
            return DateProblem.INVALID
        if written.year is not None:
            return month_end(written.year, written.quarter * 3)
        this_year = month_end(today.year, written.quarter * 3)
        if this_year >= today - _RECENT_PAST:
            return this_year
        return month_end(today.year + 1, written.quarter * 3)
    year = written.year if written.year is not None else today.year + (written.ahead or 0)
    return date(year, 12, 31)


def _shifted(
    written: WrittenDate, *, base: date | None, calendar: WorkCalendar
) -> date | DateProblem:
    if base is None:
        return DateProblem.NO_BASE
    amount = written.amount or 0
    if amount <= 0:
        return DateProblem.INVALID
    unit = written.unit
    if unit is Unit.MONTHS:
        index = base.year * 12 + base.month - 1 + amount
        year, month = index // 12, index % 12 + 1
        return date(year, month, min(base.day, month_end(year, month).day))
    days = amount * 7 if unit is Unit.WEEKS else amount
    if days > MAX_OFFSET_DAYS:
        return DateProblem.INVALID
    if unit is Unit.WORKING_DAYS:
        return calendar.add_working_days(base, days)
    return base + timedelta(days=days)
