"""When indicator figures are collected, and how a figure compares with its target.

A checkpoint covers the year from 1 January to the end of one of its months: quarterly plans
(the default) check at the end of Quý I, 6 tháng, 9 tháng and Cả năm, the columns of PHỤ LỤC
2; monthly plans every month, six-monthly plans at 6 tháng and Cả năm, yearly ones once. Its
key names the year and the months covered ("2023-06M"), so a figure reported for the 6-month
checkpoint stays attached to it whichever cadence the plan uses later.

Figures are due by `report_day` (default the 20th) of the checkpoint's last month, as in
001's "trước ngày 20 của tháng cuối quý"; the figures of a period not yet over are estimates
("ước"). Given a WorkCalendar the day moves back to the last working day on or before it;
without one it is the nominal day.

Judging: a LEVEL indicator (a rate, a share, a per-head figure) is held to its whole target at
every checkpoint; a CUMULATIVE one (revenue, visitors) to the share of the year gone by (a
quarter of 7.300 at Quý I), unless the plan sets a target for that checkpoint itself (PHỤ LỤC
2). A value that reaches the target is MET (green); one short of it by at most `margin` of the
target is NEAR (amber); anything else MISSED (red); no value is NOT_REPORTED (grey). A
target the reader could not parse, or a change ("tăng 10%") without last year's figure, is
UNJUDGED rather than guessed.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.calendar import WorkCalendar
from domain.indicators.model import Accumulation, IndicatorRule
from domain.indicators.targets import Comparison, Direction, Target
from domain.problems import Problem
from domain.recurrence import Cadence, month_end
from locales import N_

DEFAULT_REPORT_DAY = 20
DEFAULT_MARGIN = Decimal("0.05")
_MONTHS = {
    Cadence.MONTHLY: tuple(range(1, 13)),
    Cadence.QUARTERLY: (3, 6, 9, 12),
    Cadence.SIX_MONTHLY: (6, 12),
    Cadence.YEARLY: (12,),
}
_LABELS = {3: N_("Quý I"), 6: N_("6 tháng"), 9: N_("9 tháng"), 12: N_("Cả năm")}


@dataclass(frozen=True)
class Checkpoint:
    """The first `months` months of `year`, and the day their figures are due."""

    year: int
    months: int
    report_by: date
    nominal_report_by: date

    @property
    def key(self) -> str:
        """A stable name for storing values: "2023-03M" … "2023-12M"."""
        return f"{self.year}-{self.months:02d}M"

    @property
    def period_end(self) -> date:
        """The last day the checkpoint covers."""
        return month_end(self.year, self.months)

    @property
    def label(self) -> Problem:
        """How reports name it: "Quý I", "6 tháng", "9 tháng", "Cả năm", "4 tháng"."""
        if self.months in _LABELS:
            return Problem(_LABELS[self.months])
        return Problem.of(N_("{months} tháng"), months=self.months)


def checkpoint(
    year: int,
    months: int,
    *,
    report_day: int = DEFAULT_REPORT_DAY,
    calendar: WorkCalendar | None = None,
) -> Checkpoint:
    """The checkpoint covering the first `months` months of `year`."""
    if not 1 <= months <= 12:
        raise ValueError(f"a checkpoint covers 1-12 months, got {months}")
    if not 1 <= report_day <= 31:
        raise ValueError(f"report_day must be 1-31, got {report_day}")
    last = month_end(year, months)
    nominal = last.replace(day=min(report_day, last.day))
    due = nominal
    if calendar is not None and not calendar.is_working_day(nominal):
        due = calendar.previous_working_day(nominal)
    return Checkpoint(year=year, months=months, report_by=due, nominal_report_by=nominal)


def checkpoints(
    year: int,
    *,
    cadence: Cadence = Cadence.QUARTERLY,
    report_day: int = DEFAULT_REPORT_DAY,
    calendar: WorkCalendar | None = None,
) -> list[Checkpoint]:
    """A plan year's checkpoints for a cadence, in order."""
    return [
        checkpoint(year, months, report_day=report_day, calendar=calendar)
        for months in _MONTHS[cadence]
    ]


def parse_checkpoint_key(key: str) -> tuple[int, int] | None:
    """(year, months) of a stored key such as "2023-06M", or None."""
    year, _, months = key.partition("-")
    if not (year.isdigit() and months.endswith("M") and months[:-1].isdigit()):
        return None
    if not 1 <= int(months[:-1]) <= 12:
        return None
    return int(year), int(months[:-1])


def next_checkpoint(found: list[Checkpoint], *, on: date) -> Checkpoint | None:
    """The first checkpoint whose figures are due on or after `on`."""
    return next((item for item in found if item.report_by >= on), None)


class Verdict(StrEnum):
    """How a figure stands against its target; stored as its value."""

    MET = "met"
    NEAR = "near"
    MISSED = "missed"
    NOT_REPORTED = "not-reported"
    UNJUDGED = "unjudged"

    @property
    def colour(self) -> str:
        """The traffic-light colour reports use."""
        return _COLOURS[self]

    @property
    def label(self) -> str:
        """The Vietnamese msgid reports show ("đạt", "gần đạt", …)."""
        return _VERDICT_LABELS[self]


_COLOURS = {
    Verdict.MET: "green",
    Verdict.NEAR: "amber",
    Verdict.MISSED: "red",
    Verdict.NOT_REPORTED: "grey",
    Verdict.UNJUDGED: "grey",
}
_VERDICT_LABELS = {
    Verdict.MET: N_("đạt"),
    Verdict.NEAR: N_("gần đạt"),
    Verdict.MISSED: N_("chưa đạt"),
    Verdict.NOT_REPORTED: N_("chưa báo cáo"),
    Verdict.UNJUDGED: N_("chưa đánh giá được"),
}


@dataclass(frozen=True)
class Judgement:
    """A verdict, the target it was measured against, and whether the value went beyond it."""

    verdict: Verdict
    expected: Target | None = None
    exceeded: bool = False
    reason: Problem | None = None


def expected_at(rule: IndicatorRule, at: Checkpoint | None) -> Target:
    """The target a value is held to at a checkpoint (None: the whole year)."""
    if at is None or at.months == 12:
        return rule.target
    own = dict(rule.checkpoint_targets).get(at.months)
    if own is not None and own.comparison is not None:
        return own
    if rule.accumulation == Accumulation.CUMULATIVE:
        return rule.target.scaled(Decimal(at.months) / Decimal(12))
    return rule.target


def judge(
    rule: IndicatorRule,
    value: Decimal | None,
    *,
    at: Checkpoint | None = None,
    margin: Decimal = DEFAULT_MARGIN,
    baseline: Decimal | None = None,
) -> Judgement:
    """Judge a reported figure (None: nothing reported) against the rule at checkpoint `at`.

    `baseline` is last year's figure for the same period, needed only by "tăng"/"giảm" targets.
    """
    if not Decimal(0) <= margin < Decimal(1):
        raise ValueError(f"margin is a share of the target, 0 <= margin < 1, got {margin}")
    if value is None:
        return Judgement(Verdict.NOT_REPORTED)
    expected = expected_at(rule, at)
    if expected.comparison is None:
        reason = expected.reason or Problem(N_("Chỉ tiêu không ghi mục tiêu"))
        return Judgement(Verdict.UNJUDGED, expected, reason=reason)
    bounds = _bounds(rule, expected, baseline)
    if bounds is None:
        reason = Problem(N_("Chỉ tiêu tăng/giảm so với năm trước: cần số liệu năm trước"))
        return Judgement(Verdict.UNJUDGED, expected, reason=reason)
    low, high, strict, direction = bounds
    if direction == Direction.HIGHER:
        assert low is not None
        met = value > low if strict else value >= low
        near = value >= low - abs(low) * margin
        best = high if high is not None else low
        exceeded = met and value > best
    else:
        assert high is not None
        met = value < high if strict else value <= high
        near = value <= high + abs(high) * margin
        best = low if low is not None else high
        exceeded = met and value < best
    verdict = Verdict.MET if met else Verdict.NEAR if near else Verdict.MISSED
    return Judgement(verdict, expected, exceeded=exceeded)


_Bounds = tuple[Decimal | None, Decimal | None, bool, Direction]


def _bounds(rule: IndicatorRule, target: Target, baseline: Decimal | None) -> _Bounds | None:
    """(low, high, strict, direction) of the value that meets the target."""
    comparison = target.comparison
    if comparison in (Comparison.INCREASE, Comparison.DECREASE):
        if baseline is None or target.low is None:
            return None
        relative = target.unit is not None and target.unit.base == "%" and rule.unit.base != "%"
        change = baseline * target.low / 100 if relative else target.low
        if comparison == Comparison.INCREASE:
            return baseline + change, None, False, Direction.HIGHER
        return None, baseline - change, False, Direction.LOWER
    strict = comparison in (Comparison.MORE_THAN, Comparison.LESS_THAN)
    if comparison in (Comparison.AT_LEAST, Comparison.MORE_THAN):
        return target.low, None, strict, Direction.HIGHER
    if comparison in (Comparison.AT_MOST, Comparison.LESS_THAN):
        return None, target.high, strict, Direction.LOWER
    # PLAIN and BETWEEN: the indicator says which end matters.
    return target.low, target.high, False, rule.direction
