"""Official statistics of assigned work: the four buckets offices report, by agency and by plan.

Vietnamese offices report "kết quả thực hiện nhiệm vụ được giao" in four buckets: hoàn thành
đúng hạn, hoàn thành quá hạn, chưa hoàn thành (còn) trong hạn, chưa hoàn thành quá hạn (VPCP's
yearly report, e.g. 1270/BC-TCTTTg: "nhiệm vụ đến hạn đã hoàn thành … (đúng hạn …, quá hạn …);
chưa hoàn thành … (trong hạn …, quá hạn …)"), for a quarter, six months or a year, and rank
agencies by their on-time rate. This module computes them from plain rows.

Which assignments count in a period [start, end], as of a day `as_of` (the cut-off is the
earlier of `end` and `as_of`; a report on a past quarter is as of its last day):

- A row counts only with a deadline and not cancelled (the others are tallied in `Excluded`).
- **Completed** means status done, completion confirmed by the office, and a completion date
  on or before the cut-off. A completion not confirmed (awaiting review, or returned) is still
  open: the office counts only what it has accepted.
- A completed row counts when it was completed within [start, cut-off]: **đúng hạn** if the
  completion date is on or before the deadline, else **quá hạn**. Work completed before the
  period was reported in an earlier one; work completed early, before its deadline, counts
  in the period it was completed.
- An open row (not completed by the cut-off) counts when its deadline is on or before `end`,
  carried over from earlier periods included ("tồn kỳ trước"): **quá hạn** if the deadline is
  before the cut-off, else **trong hạn** (due later in a period not yet over). Open work due
  after the period belongs to a later report.
- Each figure is computed twice: against the **original** deadline and against the
  **extended** one (the approved extension if any, else the original). A row may count in one
  and not the other (original due in June, extended to September, open at the end of June:
  quá hạn in Q2 on the original deadline, absent from Q2 on the extended one).

The on-time rate is hoàn thành đúng hạn over the work that fell due by the cut-off (both
completed buckets plus chưa hoàn thành quá hạn); work still in time is not judged yet. Agencies
are ranked by it, best first; ties go to more work fallen due, then fewer open overdue, then
fewer completed late, and agencies still equal share a rank ("1, 2, 2, 4"). Agencies with
nothing fallen due have no rate and are listed after the ranked ones, unranked, by code.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction

from domain.recurrence import month_end
from domain.status import Status
from domain.wording import Message
from locales import N_


class Basis(StrEnum):
    """Which deadline a row is measured against."""

    ORIGINAL = "original"
    EXTENDED = "extended"


class Bucket(StrEnum):
    """The four buckets of the office's report."""

    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    OPEN_IN_TIME = "open_in_time"
    OPEN_OVERDUE = "open_overdue"


BUCKET_NAMES: dict[Bucket, str] = {
    Bucket.DONE_ON_TIME: N_("Hoàn thành đúng hạn"),
    Bucket.DONE_LATE: N_("Hoàn thành quá hạn"),
    Bucket.OPEN_IN_TIME: N_("Chưa hoàn thành, trong hạn"),
    Bucket.OPEN_OVERDUE: N_("Chưa hoàn thành, quá hạn"),
}


class PeriodKind(StrEnum):
    """The reporting periods offices use."""

    QUARTER = "quarter"
    HALF_YEAR = "half-year"
    YEAR = "year"
    RANGE = "range"


@dataclass(frozen=True)
class Period:
    """A reporting period, both days included."""

    start: date
    end: date
    kind: PeriodKind = PeriodKind.RANGE

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a period cannot end before it starts: {self.start}..{self.end}")

    def render(self, translate: Callable[[str], str]) -> str:
        """The period as a report heading names it: "Quý III/2026", "6 tháng đầu năm 2026"."""
        year = self.start.year
        if self.kind is PeriodKind.QUARTER:
            quarter = ("I", "II", "III", "IV")[(self.start.month - 1) // 3]
            return translate(N_("Quý {quarter}/{year}")).format(quarter=quarter, year=year)
        if self.kind is PeriodKind.HALF_YEAR:
            if self.start.month == 1:
                return translate(N_("6 tháng đầu năm {year}")).format(year=year)
            return translate(N_("6 tháng cuối năm {year}")).format(year=year)
        if self.kind is PeriodKind.YEAR:
            return translate(N_("Năm {year}")).format(year=year)
        return translate(N_("Từ {start} đến {end}")).format(
            start=self.start.strftime("%d/%m/%Y"), end=self.end.strftime("%d/%m/%Y")
        )


def quarter(year: int, number: int) -> Period:
    """Quarter 1..4 of a year."""
    if not 1 <= number <= 4:
        raise ValueError(f"a quarter is numbered 1 to 4, not {number}")
    return Period(date(year, 3 * number - 2, 1), month_end(year, 3 * number), PeriodKind.QUARTER)


def half_year(year: int, number: int) -> Period:
    """The first (1) or second (2) six months of a year."""
    if number not in (1, 2):
        raise ValueError(f"a half-year is numbered 1 or 2, not {number}")
    first = 1 if number == 1 else 7
    return Period(date(year, first, 1), month_end(year, first + 5), PeriodKind.HALF_YEAR)


def year_period(year: int) -> Period:
    """A calendar year."""
    return Period(date(year, 1, 1), date(year, 12, 31), PeriodKind.YEAR)


def quarter_of(day: date) -> Period:
    """The quarter containing a day."""
    return quarter(day.year, (day.month - 1) // 3 + 1)


def half_year_of(day: date) -> Period:
    """The six months containing a day."""
    return half_year(day.year, 1 if day.month <= 6 else 2)


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_YEAR_TAIL = r"(?:(?:\s*(?:/|-|nam)\s*|\s+)(?P<year>\d{4})|\s+(?P<rel>nay|truoc|sau|toi))?"
_QUARTER = re.compile(r"(?:quy|qui|quarter|q)\s*(?P<n>iv|i{1,3}|[1-4])?" + _YEAR_TAIL)
_HALF = re.compile(
    r"(?:6|sau)\s+thang(?:\s+(?P<part>dau nam|cuoi nam|dau|cuoi))?" + _YEAR_TAIL
    + r"|(?P<h>h[12])(?:\s*(?:/|-)\s*(?P<hyear>\d{4}))?|half(?:\s+year)?"
)  # fmt: skip
_YEAR = re.compile(r"(?:ca\s+)?(?:nam|year)" + _YEAR_TAIL + r"|(?P<bare>\d{4})")
_DAY = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
_RANGE = re.compile(
    r"(?:tu\s+(?:ngay\s+)?)?" + _DAY + r"\s*(?:-|den|toi|to)\s*(?:ngay\s+)?" + _DAY
)


def parse_period(text: str, *, today: date) -> Period | None:
    """A period as a coordinator asks for it: "quý" (this quarter), "quý 3", "quý III/2026",
    "quý trước", "6 tháng" (these six months), "6 tháng đầu năm 2026", "năm", "năm 2025",
    "từ 01/7/2026 đến 30/9/2026"; None when it names none."""
    folded = " ".join(Message.of(text).folded.replace(":", " ").split())
    if not folded:
        return None
    try:
        return _period(folded, today)
    except ValueError:
        return None


def _shift(match: re.Match[str]) -> int:
    rel = match["rel"]
    return -1 if rel == "truoc" else 1 if rel in ("sau", "toi") else 0


def _period(folded: str, today: date) -> Period | None:
    if match := _RANGE.fullmatch(folded):
        d1, m1, y1, d2, m2, y2 = (int(part) for part in match.groups())
        return Period(date(y1, m1, d1), date(y2, m2, d2))
    if match := _HALF.fullmatch(folded):
        if match["h"]:
            year = int(match["hyear"]) if match["hyear"] else today.year
            return half_year(year, int(match["h"][1]))
        current = half_year_of(today)
        if match["part"]:
            year = int(match["year"]) if match["year"] else today.year + _shift(match)
            return half_year(year, 1 if match["part"].startswith("dau") else 2)
        if match["year"]:
            return None  # "6 tháng 2026": which six months?
        index = today.year * 2 + (0 if current.start.month == 1 else 1) + _shift(match)
        return half_year(index // 2, index % 2 + 1)
    if match := _QUARTER.fullmatch(folded):
        token = match["n"]
        if token is None:
            if match["year"]:
                return None
            index = today.year * 4 + (today.month - 1) // 3 + _shift(match)
            return quarter(index // 4, index % 4 + 1)
        number = int(token) if token.isdigit() else _ROMAN[token]
        year = int(match["year"]) if match["year"] else today.year + _shift(match)
        return quarter(year, number)
    if match := _YEAR.fullmatch(folded):
        year_text = match["year"] or match["bare"]
        return year_period(int(year_text) if year_text else today.year + _shift(match))
    return None


@dataclass(frozen=True)
class AssignmentRow:
    """One assignment as the store holds it (lead assignments; one row per occurrence of a
    recurring duty)."""

    assignment_id: int
    agency_code: str
    plan_ref: str
    original_due: date | None
    extended_due: date | None
    status: Status
    completed_on: date | None  # local date of the completion the officer reported
    confirmed: bool  # the office accepted the completion (False: awaiting or returned)

    def due(self, basis: Basis) -> date | None:
        """The deadline measured against."""
        if basis is Basis.EXTENDED and self.extended_due is not None:
            return self.extended_due
        return self.original_due


@dataclass(frozen=True)
class Tally:
    """The four buckets for one set of rows against one deadline."""

    done_on_time: int = 0
    done_late: int = 0
    open_in_time: int = 0
    open_overdue: int = 0

    @property
    def total(self) -> int:
        """Every row counted in the period."""
        return self.done_on_time + self.done_late + self.open_in_time + self.open_overdue

    @property
    def fell_due(self) -> int:
        """Rows whose deadline came by the cut-off: all but those still in time."""
        return self.done_on_time + self.done_late + self.open_overdue

    @property
    def on_time_rate(self) -> Fraction | None:
        """Completed on time over fallen due; None when nothing fell due."""
        return Fraction(self.done_on_time, self.fell_due) if self.fell_due else None

    def count(self, bucket: Bucket) -> int:
        """The figure of one bucket."""
        return {
            Bucket.DONE_ON_TIME: self.done_on_time,
            Bucket.DONE_LATE: self.done_late,
            Bucket.OPEN_IN_TIME: self.open_in_time,
            Bucket.OPEN_OVERDUE: self.open_overdue,
        }[bucket]

    def plus(self, bucket: Bucket) -> "Tally":
        """This tally with one more row in a bucket."""
        counts = {b: self.count(b) for b in Bucket}
        counts[bucket] += 1
        return Tally(*(counts[b] for b in Bucket))


@dataclass(frozen=True)
class Figures:
    """A tally against each deadline."""

    original: Tally = field(default_factory=Tally)
    extended: Tally = field(default_factory=Tally)

    def of(self, basis: Basis) -> Tally:
        """The tally against one deadline."""
        return self.original if basis is Basis.ORIGINAL else self.extended


@dataclass(frozen=True)
class Excluded:
    """Rows that never count, by why."""

    no_deadline: int = 0
    cancelled: int = 0
    # Done and confirmed, but with no completion date: the store owes one.
    undated_completion: int = 0


@dataclass(frozen=True)
class Ranked:
    """One agency in the ranking; `rank` None for an agency with nothing fallen due."""

    agency_code: str
    rank: int | None
    tally: Tally


@dataclass(frozen=True)
class Statistics:
    """The report's figures for one period, as of one day."""

    period: Period
    as_of: date
    overall: Figures
    by_agency: Mapping[str, Figures]
    by_plan: Mapping[str, Figures]
    excluded: Excluded

    @property
    def cutoff(self) -> date:
        """The day the figures describe: the period's end, or `as_of` if earlier."""
        return min(self.period.end, self.as_of)

    def ranking(self, basis: Basis) -> tuple[Ranked, ...]:
        """Agencies by on-time rate, best first; those with nothing fallen due last."""
        return rank_agencies(self.by_agency, basis=basis)


def classify(row: AssignmentRow, *, basis: Basis, period: Period, as_of: date) -> Bucket | None:
    """The bucket a row falls in for a period as of a day, or None when it does not count."""
    due = row.due(basis)
    if due is None or row.status is Status.CANCELLED:
        return None
    cutoff = min(period.end, as_of)
    completed = (
        row.status is Status.DONE
        and row.confirmed
        and row.completed_on is not None
        and row.completed_on <= cutoff
    )
    if completed:
        assert row.completed_on is not None
        if row.completed_on < period.start:
            return None
        return Bucket.DONE_ON_TIME if row.completed_on <= due else Bucket.DONE_LATE
    if due > period.end:
        return None
    return Bucket.OPEN_OVERDUE if due < cutoff else Bucket.OPEN_IN_TIME


def compute(rows: Iterable[AssignmentRow], *, period: Period, as_of: date) -> Statistics:
    """The four buckets for a period as of a day: overall, by agency and by plan."""
    counted: list[Counted] = []
    no_deadline = cancelled = undated = 0
    for row in rows:
        if row.status is Status.CANCELLED:
            cancelled += 1
            continue
        if row.original_due is None and row.extended_due is None:
            no_deadline += 1
            continue
        if row.status is Status.DONE and row.confirmed and row.completed_on is None:
            undated += 1
            continue
        original = classify(row, basis=Basis.ORIGINAL, period=period, as_of=as_of)
        extended = classify(row, basis=Basis.EXTENDED, period=period, as_of=as_of)
        if original is not None or extended is not None:
            counted.append(Counted(row.agency_code, row.plan_ref, original, extended))
    return tally(
        counted,
        period=period,
        as_of=as_of,
        excluded=Excluded(
            no_deadline=no_deadline, cancelled=cancelled, undated_completion=undated
        ),
    )


@dataclass(frozen=True)
class Counted:
    """Rows that fell in the same buckets against each deadline, `count` at a time, for an
    agency and a plan. A store that counts by agency and by plan apart hands every row over
    twice: once with its agency and no plan, once with its plan and no agency; the overall
    figures add up the entries that name an agency."""

    agency_code: str | None
    plan_ref: str | None
    original: Bucket | None
    extended: Bucket | None
    count: int = 1


_ORDER = {bucket: index for index, bucket in enumerate(Bucket)}


def tally(
    counted: Iterable[Counted], *, period: Period, as_of: date, excluded: Excluded = Excluded()
) -> Statistics:
    """The statistics of classified rows: their counts summed overall, by agency, by plan."""
    # Mutable counters while adding up: thousands of rows, one small list each key.
    totals: dict[tuple[str, str], list[int]] = {}
    for entry in counted:
        keys = []
        if entry.agency_code is not None:
            keys += [("", ""), ("a", entry.agency_code)]
        if entry.plan_ref is not None:
            keys.append(("p", entry.plan_ref))
        for key in keys:
            figures = totals.get(key)
            if figures is None:
                figures = totals[key] = [0] * 8
            if entry.original is not None:
                figures[_ORDER[entry.original]] += entry.count
            if entry.extended is not None:
                figures[4 + _ORDER[entry.extended]] += entry.count

    def figures_of(key: tuple[str, str]) -> Figures:
        found = totals.get(key, [0] * 8)
        return Figures(original=Tally(*found[:4]), extended=Tally(*found[4:]))

    return Statistics(
        period=period,
        as_of=as_of,
        overall=figures_of(("", "")),
        by_agency={key[1]: figures_of(key) for key in sorted(k for k in totals if k[0] == "a")},
        by_plan={key[1]: figures_of(key) for key in sorted(k for k in totals if k[0] == "p")},
        excluded=excluded,
    )


def _eight_figures(eight: Sequence[int]) -> Figures:
    return Figures(original=Tally(*eight[:4]), extended=Tally(*eight[4:]))


def statistics_of(
    *,
    by_agency: Mapping[str, Sequence[int]],
    by_plan: Mapping[str, Sequence[int]],
    period: Period,
    as_of: date,
) -> Statistics:
    """The statistics of eight figures per agency code and per plan reference (against the
    original deadline then the extended one, in the order of Bucket), overall the agencies'
    sum, as `tally` adds them up: for a store that counts them itself."""
    overall = [0] * 8
    for eight in by_agency.values():
        for index, value in enumerate(eight):
            overall[index] += value
    return Statistics(
        period=period,
        as_of=as_of,
        overall=_eight_figures(overall),
        by_agency={code: _eight_figures(by_agency[code]) for code in sorted(by_agency)},
        by_plan={ref: _eight_figures(by_plan[ref]) for ref in sorted(by_plan)},
        excluded=Excluded(),
    )


def rank_agencies(by_agency: Mapping[str, Figures], *, basis: Basis) -> tuple[Ranked, ...]:
    """Agencies by on-time rate, best first (see the module's notes for ties); agencies with
    nothing fallen due follow, unranked, by code."""
    tallies = {code: figures.of(basis) for code, figures in by_agency.items()}
    ranks, unrated = _ranked(
        (code, t.done_on_time, t.done_late, t.open_overdue) for code, t in tallies.items()
    )
    return (
        *(Ranked(code, rank, tallies[code]) for rank, code in ranks),
        *(Ranked(code, None, tallies[code]) for code in unrated),
    )


@dataclass(frozen=True)
class Standing:
    """What a reply shows of a ranking: the best agencies and the weakest (all the ranked
    ones when they fit in both), how many ranked agencies lie between, and how many have
    nothing fallen due."""

    best: tuple[Ranked, ...]
    weakest: tuple[Ranked, ...]
    hidden: int
    unrated: int


def standing_of(ranking: Sequence[Ranked], *, best: int, weakest: int) -> Standing:
    """The standing a whole ranking (`rank_agencies`) shows, `best` and `weakest` long."""
    rated = [entry for entry in ranking if entry.rank is not None]
    return standing_at(
        rated.__getitem__,
        rated=len(rated),
        unrated=len(ranking) - len(rated),
        best=best,
        weakest=weakest,
    )


def standing_by_figures(
    by_agency: Mapping[str, Sequence[int]], *, basis: Basis, best: int, weakest: int
) -> Standing:
    """The standing of agencies given eight figures each (as `statistics_of` takes them),
    as `standing_of(rank_agencies(...))` gives it, without a Figures or a Ranked for each of
    the country's agencies: only for those shown."""
    at = 0 if basis is Basis.ORIGINAL else 4
    ranks, unrated = _ranked(
        (code, eight[at], eight[at + 1], eight[at + 3]) for code, eight in by_agency.items()
    )

    def ranked(position: int) -> Ranked:
        rank, code = ranks[position]
        return Ranked(code, rank, Tally(*by_agency[code][at : at + 4]))

    return standing_at(ranked, rated=len(ranks), unrated=len(unrated), best=best, weakest=weakest)


def standing_at(
    ranked: Callable[[int], Ranked], *, rated: int, unrated: int, best: int, weakest: int
) -> Standing:
    """The standing of a ranking of `rated` agencies (and `unrated` with nothing fallen due)
    given the agency at each position it shows (from 0, best first): for a store that ranks
    them itself. A reply shows all the ranked agencies, or when more than fit, the first
    `best` and the last `weakest`: those at `shown_positions`."""
    head, tail = shown_positions(rated, best=best, weakest=weakest)
    return Standing(
        best=tuple(ranked(i) for i in head),
        weakest=tuple(ranked(i) for i in tail),
        hidden=rated - len(head) - len(tail),
        unrated=unrated,
    )


def shown_positions(rated: int, *, best: int, weakest: int) -> tuple[range, range]:
    """The positions (from 0) of a ranking of `rated` agencies a reply shows: all, or when
    more than fit, the first `best` and the last `weakest`."""
    if rated > best + weakest:
        return range(best), range(rated - weakest, rated)
    return range(rated), range(0)


def _ranked(
    tallies: Iterable[tuple[str, int, int, int]],
) -> tuple[list[tuple[int, str]], list[str]]:
    """(rank, code) of the agencies with work fallen due, best first, and the codes of the
    others, by code; from (code, done on time, done late, open overdue)."""
    rated: list[tuple[float | Fraction, int, int, int, str]] = []
    unrated = []
    for code, on_time, late, overdue in tallies:
        fell_due = on_time + late + overdue
        if not fell_due:
            unrated.append(code)
            continue
        # The rate as a float orders rates exactly: two different fractions whose
        # denominators are below 10**6 differ by more than 10**-12, far above a float's
        # rounding, and equal fractions round alike; a Fraction (which compares exactly
        # with a float) costs 20x more to sort the whole country's 12,500 agencies by.
        rate = on_time / fell_due if fell_due < 10**6 else Fraction(on_time, fell_due)
        rated.append((-rate, -fell_due, overdue, late, code))
    # By merit, then code.
    rated.sort()
    ranks: list[tuple[int, str]] = []
    previous: tuple[float | Fraction | int | str, ...] = ()
    rank = 0
    for position, entry in enumerate(rated, start=1):
        merit = entry[:4]
        if merit != previous:
            rank, previous = position, merit
        ranks.append((rank, entry[4]))
    unrated.sort()
    return ranks, unrated


def split_period(text: str, *, today: date) -> tuple[Period | None, str]:
    """A period named at the start or the end of what was typed, and the rest ("quý 3
    STTTT", "STTTT năm 2025"); (None, text) when it names none."""
    words = text.split()
    for size in range(len(words), 0, -1):
        if (found := parse_period(" ".join(words[:size]), today=today)) is not None:
            return found, " ".join(words[size:])
        if (found := parse_period(" ".join(words[-size:]), today=today)) is not None:
            return found, " ".join(words[:-size])
    return None, text.strip()
