"""Collecting indicator figures: which checkpoint is open, how a figure stands at it, and the
overview reports and /chitieu show.

A plan collects its indicators' figures at its checkpoints (domain.indicators.checkpoints);
an indicator may have a cadence of its own. A checkpoint *opens* on the first day of its last
month (1 June for "6 tháng"): from then until the next one opens, a figure that names no
checkpoint is for it, so a late figure in May still goes to Quý I. Reminders follow the
checkpoint's report day like a task's deadline (domain.reminders): the target is one
indicator ("i:<id>"), its due date the checkpoint's report day, its agency the indicator's
lead owner, and it is open until a figure is reported for that checkpoint ("chưa có số liệu"
keeps it open: the owner is asked again).

Figures are judged as domain.indicators.checkpoints.judge says; an indicator with no figure
is NOT_REPORTED, and late once its report day has passed.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from domain.indicators.checkpoints import (
    DEFAULT_MARGIN,
    DEFAULT_REPORT_DAY,
    Checkpoint,
    Judgement,
    Verdict,
    judge,
)
from domain.indicators.model import IndicatorRule
from domain.recurrence import Cadence
from domain.text import fold

INDICATOR_PREFIX = "i:"
# Verdicts from the one that needs attention most: reports list indicators in this order.
SEVERITY = (Verdict.MISSED, Verdict.NEAR, Verdict.NOT_REPORTED, Verdict.UNJUDGED, Verdict.MET)
# A missing figure is worth a leader's notice this many days before its report day.
NEAR_DAYS = 14


def indicator_target(indicator_id: int) -> str:
    """The reminder ledger's target of an indicator: "i:<id>"."""
    return f"{INDICATOR_PREFIX}{indicator_id}"


def indicator_of(target: str) -> int | None:
    """The indicator id of a ledger target, or None when it names something else."""
    if not target.startswith(INDICATOR_PREFIX) or not target[2:].isdigit():
        return None
    return int(target[2:])


@dataclass(frozen=True)
class Collection:
    """How a plan collects its indicators' figures: when, by which day, and how close to the
    target counts as "gần đạt"."""

    cadence: Cadence = Cadence.QUARTERLY
    report_day: int = DEFAULT_REPORT_DAY
    margin: Decimal = DEFAULT_MARGIN

    @classmethod
    def of(
        cls, *, cadence: str | None, report_day: int | None, margin: Decimal | None
    ) -> "Collection":
        """A plan's stored settings; what is missing or out of range takes the default."""
        chosen = _BY_VALUE.get(cadence or "", Cadence.QUARTERLY)
        day = report_day if report_day is not None and 1 <= report_day <= 31 else None
        share = margin if margin is not None and Decimal(0) <= margin < Decimal(1) else None
        return cls(chosen, day or DEFAULT_REPORT_DAY, DEFAULT_MARGIN if share is None else share)


# The cadences checkpoints are made for (a week is no checkpoint of a year's figures).
CHECKPOINT_CADENCES = (Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.SIX_MONTHLY, Cadence.YEARLY)
_BY_VALUE = {cadence.value: cadence for cadence in CHECKPOINT_CADENCES}
_CADENCE_WORDS = {
    Cadence.MONTHLY: ("monthly", "thang", "hang thang"),
    Cadence.QUARTERLY: ("quarterly", "quy", "hang quy"),
    Cadence.SIX_MONTHLY: ("six-monthly", "6 thang", "sau thang", "nua nam"),
    Cadence.YEARLY: ("yearly", "nam", "hang nam", "ca nam"),
}


def parse_cadence(text: str) -> Cadence | None:
    """ "quarterly", "hằng quý", "6 tháng", "hàng năm" …; None when it names no cadence."""
    wanted = re.sub(r"\s+", " ", fold(text)).strip(" .")
    for cadence, words in _CADENCE_WORDS.items():
        if wanted in words:
            return cadence
    return None


def parse_margin(text: str) -> Decimal | None:
    """A margin as a share (0.05) or a percentage ("5%", "5"); None unless 0 <= share < 1."""
    written = text.strip().replace(",", ".")
    percent = written.endswith("%")
    try:
        value = Decimal(written.rstrip("%").strip())
    except InvalidOperation:
        return None
    if percent or value >= 1:
        value = value / 100
    return value if Decimal(0) <= value < Decimal(1) else None


def opening(checkpoint: Checkpoint) -> date:
    """The day figures for a checkpoint start being collected: its last month's first day."""
    return date(checkpoint.year, checkpoint.months, 1)


def open_checkpoint(found: Sequence[Checkpoint], *, on: date) -> Checkpoint | None:
    """The checkpoint a figure that names none is for on `on` (None before the first)."""
    opened = [item for item in found if opening(item) <= on]
    return opened[-1] if opened else None


def shown_checkpoint(found: Sequence[Checkpoint], *, on: date) -> Checkpoint | None:
    """The checkpoint /chitieu shows: the open one, else the first to come."""
    return open_checkpoint(found, on=on) or (found[0] if found else None)


def reminder_checkpoint(found: Sequence[Checkpoint], *, through: date) -> Checkpoint | None:
    """The checkpoint reminders are about when they may reach `through`: the latest one due
    by then (an earlier one never reported is left to the summary, not nagged for ever)."""
    due = [item for item in found if item.report_by <= through]
    return due[-1] if due else None


_QUARTERS = {"q1": 3, "q2": 6, "q3": 9, "q4": 12, "h1": 6, "h2": 12}
_NAME = re.compile(
    r"^(?P<year>\d{4})(?:[-/ ]?(?:(?P<part>[qh][1-4])|(?P<months>\d{1,2})m?))?$"
    r"|^(?P<part2>[qh][1-4])[-/ ]?(?P<year2>\d{4})$"
)


def parse_checkpoint_name(text: str) -> tuple[int, int] | None:
    """(year, months) of "2023-Q2", "Q2/2023", "2023-H1", "2023-06M", "2023-6", "2023"."""
    match = _NAME.match(fold(text).replace(" ", ""))
    if match is None:
        return None
    year = int(match["year"] or match["year2"])
    part = match["part"] or match["part2"]
    if part is not None:
        if part.startswith("h") and part not in _QUARTERS:
            return None
        return year, _QUARTERS[part]
    months = int(match["months"]) if match["months"] else 12
    return (year, months) if 1 <= months <= 12 else None


# Figures, standings and lines are named tuples: /chitieu and the summary make one of each
# per indicator, thousands at a time, and a frozen dataclass costs several times as much.
class Figure(NamedTuple):
    """An indicator's current figure at one checkpoint; `value` None is "chưa có số liệu"."""

    value: Decimal | None
    estimate: bool = False
    explanation: str | None = None
    reported_at: datetime | None = None
    on_behalf: bool = False


class Standing(NamedTuple):
    """How an indicator stands at a checkpoint."""

    checkpoint: Checkpoint
    figure: Figure | None
    judgement: Judgement
    late: bool = False

    @property
    def verdict(self) -> Verdict:
        """đạt, gần đạt, chưa đạt, chưa báo cáo, chưa đánh giá được."""
        return self.judgement.verdict

    @property
    def wants_explanation(self) -> bool:
        """Red, or no figure after its report day: a coordinator may ask why."""
        return self.verdict is Verdict.MISSED or (
            self.verdict is Verdict.NOT_REPORTED and self.late
        )


def standing(
    rule: IndicatorRule,
    figure: Figure | None,
    *,
    at: Checkpoint,
    margin: Decimal,
    today: date,
) -> Standing:
    """Judge an indicator's current figure at checkpoint `at`."""
    value = figure.value if figure is not None else None
    if value is None:
        return Standing(at, figure, _UNREPORTED, today > at.report_by)
    return Standing(at, figure, judge(rule, value, at=at, margin=margin), False)


_UNREPORTED = Judgement(Verdict.NOT_REPORTED)


class IndicatorLine(NamedTuple):
    """One indicator as lists and reports show it, with its standing."""

    indicator_id: int
    plan_id: int
    key: str
    number: str
    name: str
    group: str
    table: str
    unit: str
    target: str
    agency_code: str
    agency_name: str
    standing: Standing

    @property
    def group_label(self) -> str:
        """The group with its table, since PL1 and PL3 both have a group "I."."""
        if not self.group:
            return self.table or "-"
        return f"{self.table} · {self.group}" if self.table else self.group


def by_severity(lines: Iterable[IndicatorLine]) -> list[IndicatorLine]:
    """Reds first, then ambers, missing, unjudged and greens; table order within each."""
    rank = {verdict: index for index, verdict in enumerate(SEVERITY)}
    return sorted(lines, key=lambda line: rank[line.standing.verdict])


@dataclass(frozen=True)
class MissingAgency:
    """An agency whose figures are not in near (or past) a checkpoint's report day."""

    code: str
    name: str
    count: int
    report_by: date


@dataclass(frozen=True)
class IndicatorOverview:
    """Indicators in scope at their current checkpoints: what a summary says about them."""

    lines: tuple[IndicatorLine, ...]
    today: date

    def counts(self) -> dict[Verdict, int]:
        """How many indicators stand at each verdict (every verdict present, zeros too)."""
        found = dict.fromkeys(SEVERITY, 0)
        for line in self.lines:
            found[line.standing.verdict] += 1
        return found

    def reds(self) -> list[IndicatorLine]:
        """The indicators short of their targets (chưa đạt), in table order."""
        return [line for line in self.lines if line.standing.verdict is Verdict.MISSED]

    def missing(self) -> list[MissingAgency]:
        """Agencies with figures not in whose report day is past or within NEAR_DAYS days,
        the earliest report day first."""
        horizon = self.today + timedelta(days=NEAR_DAYS)
        groups: dict[tuple[str, date], tuple[str, int]] = {}
        for line in self.lines:
            due = line.standing.checkpoint.report_by
            if line.standing.verdict is Verdict.NOT_REPORTED and due <= horizon:
                name, count = groups.get((line.agency_code, due), (line.agency_name, 0))
                groups[(line.agency_code, due)] = (name, count + 1)
        found = [
            MissingAgency(code, name, count, due) for (code, due), (name, count) in groups.items()
        ]
        return sorted(found, key=lambda item: (item.report_by, -item.count, item.code))

    def by_group(self) -> list[tuple[str, dict[Verdict, int]]]:
        """Verdict counts per indicator group, in table order."""
        found: dict[str, dict[Verdict, int]] = {}
        for line in self.lines:
            counts = found.setdefault(line.group_label, dict.fromkeys(SEVERITY, 0))
            counts[line.standing.verdict] += 1
        return list(found.items())
