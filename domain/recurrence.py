"""Recurring report duties ("hằng quý", "6 tháng và cuối năm") and their dated occurrences."""

import calendar
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, time, timedelta
from enum import StrEnum

_MONTH_NAMES = tuple(calendar.month_name)
_DAY_NAMES = tuple(calendar.day_name)


class Cadence(StrEnum):
    """How often a duty comes back; stored as its value."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SIX_MONTHLY = "six-monthly"
    YEARLY = "yearly"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class Recurrence:
    """A repeating deadline: a cadence plus the day rule within the period.

    `before_day` is due the day before that day of the due month ("trước ngày 20"). The due
    month is the period's last month; with `after_period` it is the month after the period
    ("trước ngày 05 của tháng liền kề"), or for a yearly rule its `month` or quarter of the
    following year ("trước ngày 31/01 năm liền kề"). A weekly rule is due on `weekday`
    (0 Monday … 6 Sunday, as `date.weekday()`) of each ISO week, by `due_time` when given
    ("trước 16 giờ ngày thứ Sáu hằng tuần").
    """

    cadence: Cadence
    month: int | None = None
    quarter: int | None = None
    before_day: int | None = None
    after_period: bool = False
    weekday: int | None = None
    due_time: time | None = None

    def __post_init__(self) -> None:
        if (self.month is not None or self.quarter is not None) and self.cadence != Cadence.YEARLY:
            raise ValueError("only a yearly recurrence can name a month or a quarter")
        if self.month is not None and self.quarter is not None:
            raise ValueError("a yearly recurrence names a month or a quarter, not both")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1-12, got {self.month}")
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError(f"quarter must be 1-4, got {self.quarter}")
        if self.before_day is not None and not 1 <= self.before_day <= 31:
            raise ValueError(f"before_day must be 1-31, got {self.before_day}")
        if self.cadence == Cadence.WEEKLY:
            self._check_weekly()
        elif self.weekday is not None or self.due_time is not None:
            raise ValueError("only a weekly recurrence names a weekday or a time")
        if (
            self.after_period
            and self.cadence == Cadence.YEARLY
            and self.month is None
            and self.quarter is None
        ):
            raise ValueError("a yearly recurrence due the next year names its month or quarter")

    def _check_weekly(self) -> None:
        if self.weekday is None or not 0 <= self.weekday <= 6:
            raise ValueError(f"a weekly recurrence needs a weekday 0-6, got {self.weekday}")
        if self.before_day is not None or self.after_period:
            raise ValueError("a weekly recurrence has no day of the month")

    def describe(self) -> str:
        """Short, stable English description of the rule, for logs and coordinator views."""
        if self.cadence == Cadence.WEEKLY:
            day = _DAY_NAMES[self.weekday or 0]
            if self.due_time is None:
                return f"weekly, on {day}"
            return f"weekly, on {day} by {self.due_time:%H:%M}"
        if self.cadence == Cadence.MONTHLY:
            return f"monthly, {self._day_rule('the month', 'the following month')}"
        if self.cadence == Cadence.QUARTERLY:
            return (
                "quarterly, "
                f"{self._day_rule('the last month of the quarter', 'the month after the quarter')}"
            )
        if self.cadence == Cadence.SIX_MONTHLY:
            return (
                "six-monthly (June and December), "
                f"{self._day_rule('the month', 'the following month')}"
            )
        following = " of the following year" if self.after_period else ""
        if self.month is not None:
            return f"yearly, {self._day_rule(_MONTH_NAMES[self.month])}{following}"
        if self.quarter is not None:
            if self.before_day is None:
                return f"yearly, at the end of quarter {self.quarter}{following}"
            return (
                f"yearly, before day {self.before_day} of the last month of quarter "
                f"{self.quarter}{following}"
            )
        if self.before_day is None:
            return "yearly, at the end of the year"
        return f"yearly, before day {self.before_day} of December"

    def _day_rule(self, month_phrase: str, next_month_phrase: str | None = None) -> str:
        if self.after_period and next_month_phrase is not None:
            month_phrase = next_month_phrase
        if self.before_day is None:
            return f"at the end of {month_phrase}"
        return f"before day {self.before_day} of {month_phrase}"


@dataclass(frozen=True)
class Occurrence:
    """One period of a recurring duty and the day its report is due."""

    period_label: str
    period_start: date
    period_end: date
    due_date: date


def occurrences(rule: Recurrence, *, start: date, end: date) -> list[Occurrence]:
    """Every occurrence of `rule` whose due date falls in [start, end], in order."""
    if rule.cadence == Cadence.WEEKLY:
        return _weekly_occurrences(rule, start=start, end=end)
    # A period is due inside its own year, except "trước ngày 1" of January, which falls on
    # 31 December before it, and a rule due after its period, which falls in the next year;
    # hence the walk from the year before `start` to the year after `end`.
    years = range(max(start.year - 1, MINYEAR), min(end.year + 1, MAXYEAR - 1) + 1)
    found = [
        occurrence
        for year in years
        for occurrence in _occurrences_in_year(rule, year)
        if start <= occurrence.due_date <= end
    ]
    return sorted(found, key=lambda occurrence: occurrence.due_date)


def _weekly_occurrences(rule: Recurrence, *, start: date, end: date) -> list[Occurrence]:
    # Periods are ISO weeks, Monday to Sunday, labelled with their ISO year and week number.
    first_monday = start - timedelta(days=start.weekday())
    weeks = (end - first_monday).days // 7 + 1
    found = []
    for week in range(max(weeks, 0)):
        monday = first_monday + timedelta(weeks=week)
        due = monday + timedelta(days=rule.weekday or 0)
        if start <= due <= end:
            iso = monday.isocalendar()
            found.append(
                Occurrence(
                    period_label=f"{iso.year}-W{iso.week:02d}",
                    period_start=monday,
                    period_end=monday + timedelta(days=6),
                    due_date=due,
                )
            )
    return found


def _occurrences_in_year(rule: Recurrence, year: int) -> list[Occurrence]:
    shift = 1 if rule.after_period else 0
    if rule.cadence == Cadence.MONTHLY:
        return [
            _occurrence(rule, f"{year}-{month:02d}", year, month, month, month + shift)
            for month in range(1, 13)
        ]
    if rule.cadence == Cadence.QUARTERLY:
        return [
            _occurrence(rule, f"{year}-Q{q}", year, 3 * q - 2, 3 * q, 3 * q + shift)
            for q in range(1, 5)
        ]
    if rule.cadence == Cadence.SIX_MONTHLY:
        return [
            _occurrence(rule, f"{year}-H{half}", year, 6 * half - 5, 6 * half, 6 * half + shift)
            for half in (1, 2)
        ]
    due_month = rule.month or (3 * rule.quarter if rule.quarter is not None else 12)
    return [_occurrence(rule, str(year), year, 1, 12, due_month + 12 * shift)]


def _occurrence(
    rule: Recurrence, label: str, year: int, first_month: int, last_month: int, due_month: int
) -> Occurrence:
    # `due_month` counts on past December into the next year (13 is January of year + 1).
    due_year, due_month = year + (due_month - 1) // 12, (due_month - 1) % 12 + 1
    return Occurrence(
        period_label=label,
        period_start=date(year, first_month, 1),
        period_end=month_end(year, last_month),
        due_date=_due_in_month(due_year, due_month, rule.before_day),
    )


def _due_in_month(year: int, month: int, before_day: int | None) -> date:
    last = month_end(year, month)
    if before_day is None or before_day > last.day:
        # "trước ngày 31" in a 30-day month still means the whole month is available.
        return last
    return date(year, month, before_day) - timedelta(days=1)


def month_end(year: int, month: int) -> date:
    """The last day of the given month."""
    return date(year, month, calendar.monthrange(year, month)[1])
