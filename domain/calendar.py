"""Vietnamese working days: weekends, public holidays (lunar Tết included) and announced swaps.

Three layers decide a day, the first that speaks winning: the DONDOC_EXTRA_* settings, then
the official table of announced days (domain.official_calendar), then the `holidays` package;
a day none of them mentions follows the working week.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import holidays

from domain.official_calendar import OfficialDay, OfficialSource, official_days
from domain.text import fold

EXTRA_DAY_OFF_NAME = "Ngày nghỉ theo thông báo"
EXTRA_WORKING_DAY_NAME = "Ngày làm việc theo cấu hình"
MAKE_UP_DAY_NAME = "Ngày làm bù"
_MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})


class DayOrigin(StrEnum):
    """Which layer of the calendar decided a day."""

    OFFICIAL = "official"
    PACKAGE = "holidays package"
    SETTING = "setting"


@dataclass(frozen=True)
class ScheduledDay:
    """A day off or a make-up working day of a year, and where that comes from."""

    day: date
    works: bool
    name: str
    origin: DayOrigin
    official: OfficialSource | None = None

    @property
    def source(self) -> str:
        """The source label: "official: Thông báo … ngày …", "holidays package" or "setting"."""
        return self.official.label if self.official is not None else self.origin.value


@dataclass(frozen=True)
class _NationalYear:
    holidays: Mapping[date, str]
    make_up_days: frozenset[date]


@cache
def _national_year(year: int) -> _NationalYear:
    # The package resolves the lunar calendar (Tết, Giỗ Tổ Hùng Vương), the "nghỉ bù" days
    # the labour code grants when a holiday falls on a weekend, and the Saturdays the
    # government swaps into working days; it is slow enough to be worth computing once a year.
    national = holidays.country_holidays("VN", years=year, language="vi")
    names = {day: str(name) for day, name in national.items() if day.year == year}
    # weekend_workdays accumulates every year the package has loaded, so keep only this one.
    make_up = frozenset(day for day in national.weekend_workdays if day.year == year)
    return _NationalYear(holidays=names, make_up_days=make_up)


@dataclass(frozen=True)
class _YearTable:
    first_ordinal: int
    working: tuple[bool, ...]
    # cumulative[i] = working days among the first i days of the year
    cumulative: tuple[int, ...]


class WorkCalendar:
    """Which days Vietnamese agencies work, with per-year caching for bulk reminder sweeps."""

    def __init__(
        self,
        *,
        working_weekdays: frozenset[int] = _MONDAY_TO_FRIDAY,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        official: Mapping[date, OfficialDay] | None = None,
    ) -> None:
        if not working_weekdays:
            raise ValueError("a work calendar needs at least one working weekday")
        if not working_weekdays <= frozenset(range(7)):
            raise ValueError(f"weekdays are numbered 0 (Monday) to 6 (Sunday): {working_weekdays}")
        self._working_weekdays = working_weekdays
        self._extra_days_off = frozenset(extra_days_off)
        self._extra_working_days = frozenset(extra_working_days)
        # None means the shipped table; tests pass their own.
        self._official = official_days() if official is None else official
        clash = self._extra_days_off & self._extra_working_days
        if clash:
            listed = ", ".join(sorted(day.isoformat() for day in clash))
            raise ValueError(f"days both off and working: {listed}")
        self._years: dict[int, _YearTable] = {}

    def is_working_day(self, day: date) -> bool:
        """Whether agencies work on `day`."""
        table = self._table(day.year)
        return table.working[day.toordinal() - table.first_ordinal]

    def holiday_name(self, day: date) -> str | None:
        """The Vietnamese name of the public holiday or announced day off on `day`, if any."""
        official = self._official.get(day)
        name: str | None
        if official is not None:
            name = None if official.works else official.name
        else:
            name = _national_year(day.year).holidays.get(day)
        if name is None and day in self._extra_days_off:
            return EXTRA_DAY_OFF_NAME
        return name

    def year_schedule(self, year: int) -> tuple[ScheduledDay, ...]:
        """Every day off and make-up working day of `year` that some layer decides, by date."""
        national = _national_year(year)
        candidates = {
            *self._extra_days_off,
            *self._extra_working_days,
            *self._official,
            *national.holidays,
            *national.make_up_days,
        }
        explained = (
            self._explain(day, national) for day in sorted(candidates) if day.year == year
        )
        return tuple(entry for entry in explained if entry is not None)

    def add_working_days(self, day: date, n: int) -> date:
        """The working day `n` working days after `day` (before it when `n` is negative)."""
        if n == 0:
            return day if self.is_working_day(day) else self.next_working_day(day)
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            day = step(day)
        return day

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when `end` is before `start`."""
        if end < start:
            return -self.working_days_between(end, start)
        count = self._working_days_through(end) - self._working_days_through(start)
        for year in range(start.year, end.year):
            count += self._table(year).cumulative[-1]
        return count

    def _working_days_through(self, day: date) -> int:
        """Working days from 1 January of `day`'s year up to and including `day`."""
        table = self._table(day.year)
        return table.cumulative[day.toordinal() - table.first_ordinal + 1]

    def _table(self, year: int) -> _YearTable:
        table = self._years.get(year)
        if table is None:
            table = self._build_table(year)
            self._years[year] = table
        return table

    def _build_table(self, year: int) -> _YearTable:
        national = _national_year(year)
        first = date(year, 1, 1)
        days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
        working = tuple(self._decide(day, national) for day in days)
        cumulative = [0]
        for works in working:
            cumulative.append(cumulative[-1] + works)
        return _YearTable(first.toordinal(), working, tuple(cumulative))

    def _decide(self, day: date, national: _NationalYear) -> bool:
        entry = self._explain(day, national)
        return entry.works if entry is not None else day.weekday() in self._working_weekdays

    def _explain(self, day: date, national: _NationalYear) -> ScheduledDay | None:
        # Settings win over the official table, which wins over the package; None leaves the
        # day to the plain working week.
        if day in self._extra_working_days:
            return ScheduledDay(day, True, EXTRA_WORKING_DAY_NAME, DayOrigin.SETTING)
        if day in self._extra_days_off:
            named = self.holiday_name(day) or EXTRA_DAY_OFF_NAME
            return ScheduledDay(day, False, named, DayOrigin.SETTING)
        official = self._official.get(day)
        if official is not None:
            return ScheduledDay(
                day, official.works, official.name, DayOrigin.OFFICIAL, official.source
            )
        name = national.holidays.get(day)
        if name is not None:
            return ScheduledDay(day, False, name, DayOrigin.PACKAGE)
        if day in national.make_up_days:
            return ScheduledDay(day, True, MAKE_UP_DAY_NAME, DayOrigin.PACKAGE)
        return None


_WEEKDAY_WORDS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
    "cn": 6,
    "chu nhat": 6,
}
# Vietnamese counts the week from Sunday: "thứ 2" (thứ hai) is Monday, "thứ 7" (thứ bảy) Saturday.
_VIETNAMESE_ORDINALS = {"2": 0, "3": 1, "4": 2, "5": 3, "6": 4, "7": 5}
_VIETNAMESE_NUMBER_WORDS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
_VIETNAMESE_DAY = re.compile(r"(?:thu|t)\s*([2-7])|thu\s+(hai|ba|tu|nam|sau|bay)")
_LIST_SEPARATOR = re.compile(r"\s*[,;/]\s*|\s+(?:va|and)\s+")
_RANGE_SEPARATOR = re.compile(r"\s*-\s*|\s+(?:den|to)\s+")


def parse_weekdays(text: str) -> frozenset[int]:
    """Read a working-week setting ("Mon-Fri", "T2-T7", "Mon,Tue,Thu") as weekday numbers."""
    folded = fold(text)
    if not folded:
        raise ValueError("no weekdays given; write e.g. 'Mon-Fri' or 'T2-T6'")
    days: set[int] = set()
    for item in _LIST_SEPARATOR.split(folded):
        ends = _RANGE_SEPARATOR.split(item)
        if len(ends) == 1:
            days.add(_weekday(ends[0], text))
        elif len(ends) == 2:
            first, last = _weekday(ends[0], text), _weekday(ends[1], text)
            # A range may wrap past Sunday ("Fri-Mon"), as the week is a cycle.
            days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
        else:
            raise ValueError(f"cannot read weekday range {item!r} in {text!r}")
    return frozenset(days)


def _weekday(word: str, text: str) -> int:
    if word in _WEEKDAY_WORDS:
        return _WEEKDAY_WORDS[word]
    match = _VIETNAMESE_DAY.fullmatch(word)
    if match is not None:
        digit, name = match.groups()
        return _VIETNAMESE_ORDINALS[digit] if digit else _VIETNAMESE_NUMBER_WORDS[name]
    raise ValueError(
        f"unknown weekday {word!r} in {text!r}; "
        "use Mon..Sun, T2..T7 or CN (e.g. 'Mon-Fri', 'T2-T6')"
    )
