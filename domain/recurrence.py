"""Recurring report duties ("hằng quý", "6 tháng và cuối năm") and their dated occurrences."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

_MONTH_NAMES = tuple(calendar.month_name)


class Cadence(StrEnum):
    """How often a duty comes back; stored as its value."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SIX_MONTHLY = "six-monthly"
    YEARLY = "yearly"


@dataclass(frozen=True)
class Recurrence:
    """A repeating deadline: a cadence plus the day rule within the period."""

    cadence: Cadence
    month: int | None = None
    quarter: int | None = None
    before_day: int | None = None

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

    def describe(self) -> str:
        """Short, stable English description of the rule, for logs and coordinator views."""
        if self.cadence == Cadence.MONTHLY:
            return f"monthly, {self._day_rule('the month')}"
        if self.cadence == Cadence.QUARTERLY:
            return f"quarterly, {self._day_rule('the last month of the quarter')}"
        if self.cadence == Cadence.SIX_MONTHLY:
            return f"six-monthly (June and December), {self._day_rule('the month')}"
        if self.month is not None:
            return f"yearly, {self._day_rule(_MONTH_NAMES[self.month])}"
        if self.quarter is not None:
            if self.before_day is None:
                return f"yearly, at the end of quarter {self.quarter}"
            return (
                f"yearly, before day {self.before_day} of the last month of quarter {self.quarter}"
            )
        if self.before_day is None:
            return "yearly, at the end of the year"
        return f"yearly, before day {self.before_day} of December"

    def _day_rule(self, month_phrase: str) -> str:
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
    found = [
        occurrence
        for year in range(start.year, end.year + 2)
        for occurrence in _occurrences_in_year(rule, year)
        if start <= occurrence.due_date <= end
    ]
    return sorted(found, key=lambda occurrence: occurrence.due_date)


def _occurrences_in_year(rule: Recurrence, year: int) -> list[Occurrence]:
    # A period is due inside its own year, except "trước ngày 1" of January, which falls on
    # 31 December before it; hence the caller walks one year past `end`.
    if rule.cadence == Cadence.MONTHLY:
        return [
            _occurrence(rule, f"{year}-{month:02d}", year, month, month, month)
            for month in range(1, 13)
        ]
    if rule.cadence == Cadence.QUARTERLY:
        return [
            _occurrence(rule, f"{year}-Q{q}", year, 3 * q - 2, 3 * q, 3 * q) for q in range(1, 5)
        ]
    if rule.cadence == Cadence.SIX_MONTHLY:
        return [
            _occurrence(rule, f"{year}-H{half}", year, 6 * half - 5, 6 * half, 6 * half)
            for half in (1, 2)
        ]
    due_month = rule.month or (3 * rule.quarter if rule.quarter is not None else 12)
    return [_occurrence(rule, str(year), year, 1, 12, due_month)]


def _occurrence(
    rule: Recurrence, label: str, year: int, first_month: int, last_month: int, due_month: int
) -> Occurrence:
    return Occurrence(
        period_label=label,
        period_start=date(year, first_month, 1),
        period_end=month_end(year, last_month),
        due_date=_due_in_month(year, due_month, rule.before_day),
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
