"""The weekly summary for leadership: figures from plain rows (no SQL, no clock, no drawing).

Definitions (the summary is computed "as of" a moment, normally when it is sent):

- **Item**: what the summary counts. A lead assignment of a task that is not removed is one
  item; a lead assignment that has occurrences (a recurring duty) is instead represented by
  its occurrences whose period has started by the as-of date (occurrences generated ahead for
  later periods are not owed yet), as /tasks lists them. Cooperating assignments are never
  counted: the lead answers for the task.
- **State as of**: an item's status, progress and reason at the as-of moment, read from its
  history (`StatusChange` rows not undone): the last change at or before the moment, else the
  state before the first later change, else the stored state. A summary for a past date
  therefore shows that date, not today's statuses.
- **Week**: Monday to Sunday in the local time zone, containing the as-of date; it names the
  summary ("2023-W26") and keys its snapshot. **This week** is the 7 days ending at the
  as-of moment, (as_of - 7 days, as_of].
- **Active**: items open as of the moment (status not done or cancelled).
- **Completed this week**: items with a change to done during this week (each item once;
  undone changes ignored), whatever happened to them afterwards.
- **Completed on time (to date)**: of the items done as of the moment that have a due date
  and a recorded completion, the share whose completion (local date of the last change to
  done) is on or before the due date. It is cumulative, not weekly, so that one quiet week
  does not swing it; it is labelled "lũy kế" (to date).
- **Overdue**: active items whose due date is before the local as-of date. Days overdue are
  counted in working days (the work calendar), as officials count them.
- **Blocked**: active items whose status is blocked, with their reason.
- **Change since last week**: each headline figure minus the same figure in the previous
  week's snapshot of the same scope (the on-time share in percentage points); none when
  there is no snapshot.
- **Agencies worst first**: agencies by overdue items, then overdue working days.
- **Deadlines in the next 14 days**: active items due from the local as-of date to 13 days
  later, inclusive.
- **Silent agencies**: agencies with active items and no status change by any of their
  people in the 30 days up to the moment.
- **Scope**: optional plan ids and/or agency codes; an empty scope is the whole city.
"""

import hashlib
import heapq
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol

from domain.calendar import WorkCalendar
from domain.status import Status
from domain.text import fold

UPCOMING_DAYS = 14
SILENT_DAYS = 30
# How many blocked and upcoming items a summary keeps to name (the message shows fewer).
LISTED = 10
_SCOPE_KEY_MAX = 200
_SLUG_MAX = 40
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
_CODE_PART = re.compile(r"[0-9]+|[^\W\d_]+", re.UNICODE)
_ROMAN = re.compile(r"^(?=[IVXL])(L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
# Sorting ten thousand items folds the same few hundred agency names over and over.
_fold_name = lru_cache(maxsize=8192)(fold)


@dataclass(frozen=True)
class SummaryScope:
    """Which part of the work a summary covers; empty means everything."""

    plan_ids: frozenset[int] = frozenset()
    agency_codes: frozenset[str] = frozenset()

    @property
    def is_everything(self) -> bool:
        """Whether no filter applies."""
        return not self.plan_ids and not self.agency_codes

    @property
    def key(self) -> str:
        """A stable text key (at most 200 characters) for snapshots: "all" or the filters."""
        if self.is_everything:
            return "all"
        parts = []
        if self.plan_ids:
            parts.append("plans=" + ",".join(str(p) for p in sorted(self.plan_ids)))
        if self.agency_codes:
            parts.append("agencies=" + ",".join(sorted(self.agency_codes)))
        key = ";".join(parts)
        if len(key) <= _SCOPE_KEY_MAX:
            return key
        return "sha1=" + hashlib.sha1(key.encode()).hexdigest()

    @property
    def slug(self) -> str:
        """A short file-name-safe form of the key, stable for the same scope."""
        if self.is_everything:
            return "all"
        readable = _SLUG_UNSAFE.sub("-", self.key).strip("-")
        if len(readable) <= _SLUG_MAX:
            return readable
        return hashlib.sha1(self.key.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One lead assignment (or one occurrence of a recurring one) as stored now."""

    assignment_id: int
    plan_id: int
    task_code: str
    task_title: str
    agency_code: str
    agency_name: str
    status: Status
    progress: int = 0
    due_date: date | None = None
    due_text: str | None = None
    occurrence_id: int | None = None
    period_label: str | None = None
    blocked_reason: str | None = None
    last_update_at: datetime | None = None
    cooperating: tuple[str, ...] = ()
    # The code of the agency blocked work waits on ("chờ STC"), as stored now.
    blocked_by: str | None = None

    @property
    def key(self) -> tuple[int, int | None]:
        """What history rows refer to: the assignment and, for a recurring duty, the period."""
        return (self.assignment_id, self.occurrence_id)


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One history row of an item."""

    assignment_id: int
    at: datetime
    from_status: Status
    to_status: Status
    occurrence_id: int | None = None
    from_progress: int = 0
    to_progress: int = 0
    note: str | None = None
    undone: bool = False
    sequence: int = 0

    @property
    def key(self) -> tuple[int, int | None]:
        """The item this change belongs to."""
        return (self.assignment_id, self.occurrence_id)


_FIGURE_NAMES = ("active", "completed_week", "done_with_due", "on_time", "overdue", "blocked")


@dataclass(frozen=True)
class Figures:
    """The headline numbers; also what a snapshot stores."""

    active: int = 0
    completed_week: int = 0
    done_with_due: int = 0
    on_time: int = 0
    overdue: int = 0
    blocked: int = 0

    @property
    def on_time_percent(self) -> int | None:
        """The on-time share as a whole percentage, or None when nothing is done yet."""
        if not self.done_with_due:
            return None
        return round(100 * self.on_time / self.done_with_due)

    def to_json(self) -> dict[str, Any]:
        """The form stored in SummarySnapshot.figures."""
        return {name: getattr(self, name) for name in _FIGURE_NAMES}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> "Figures | None":
        """Read a stored snapshot; None when it is missing or not in this shape."""
        if not data:
            return None
        values = {name: data.get(name) for name in _FIGURE_NAMES}
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values.values()):
            return None
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Deltas:
    """Each headline figure minus last week's; None where last week is unknown."""

    active: int | None = None
    completed_week: int | None = None
    on_time_points: int | None = None
    overdue: int | None = None
    blocked: int | None = None


@dataclass(frozen=True, slots=True)
class ItemState:
    """An item with its state as of the summary moment."""

    row: ItemRow
    status: Status
    progress: int
    blocked_reason: str | None
    overdue_days: int
    done_at: datetime | None
    last_update_at: datetime | None
    last_note: str | None

    @property
    def is_open(self) -> bool:
        """Whether the work is still owed as of the summary moment."""
        return self.status.is_open

    @property
    def is_overdue(self) -> bool:
        """Whether it is open and past its due date."""
        return self.overdue_days > 0


@dataclass(frozen=True)
class AgencyFigures:
    """One agency's share of the work as of the summary moment."""

    code: str
    name: str
    active: int = 0
    overdue: int = 0
    overdue_days: int = 0
    blocked: int = 0
    in_progress: int = 0
    not_started: int = 0
    done: int = 0
    completed_week: int = 0
    last_activity: datetime | None = None

    @property
    def open_on_time(self) -> int:
        """Open items that are not overdue."""
        return self.active - self.overdue


class Bucket(StrEnum):
    """Where an item falls on the chart: overdue first, then blocked, then by status."""

    OVERDUE = "overdue"
    BLOCKED = "blocked"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    DONE = "done"


def bucket(state: ItemState) -> Bucket | None:
    """The chart bucket of an item; None for cancelled work, which is not drawn."""
    if state.status is Status.CANCELLED:
        return None
    if state.status is Status.DONE:
        return Bucket.DONE
    if state.is_overdue:
        return Bucket.OVERDUE
    if state.status is Status.BLOCKED:
        return Bucket.BLOCKED
    if state.status in (Status.IN_PROGRESS, Status.AWAITING):
        return Bucket.IN_PROGRESS
    return Bucket.NOT_STARTED


class ItemStates(Protocol):
    """A summary's items in order, read as often as needed: a tuple, or a file's records."""

    def __iter__(self) -> Iterator[ItemState]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class WeeklySummary:
    """Everything the text, the chart and the spreadsheet show."""

    as_of: datetime
    local_date: date
    week_start: date
    tz: tzinfo
    scope: SummaryScope
    figures: Figures
    previous: Figures | None
    deltas: Deltas
    agencies: tuple[AgencyFigures, ...]
    # The first LISTED blocked items (there are figures.blocked of them) and upcoming ones
    # (upcoming_total): the message names a few and counts the rest.
    blocked: tuple[ItemState, ...]
    upcoming: tuple[ItemState, ...]
    upcoming_total: int
    silent: tuple[AgencyFigures, ...]
    # Every item in the summary's order (SummaryTally.order), for the spreadsheet.
    items: ItemStates
    # Each agency's items by chart bucket (agencies with only cancelled work left out).
    buckets: Mapping[str, Mapping[Bucket, int]]
    scope_plans: tuple[str, ...] = ()
    scope_agencies: tuple[str, ...] = ()

    @property
    def week_end(self) -> date:
        """The Sunday closing the summary's week."""
        return self.week_start + timedelta(days=6)

    @property
    def iso_week(self) -> str:
        """The week as ISO 8601 text, e.g. "2023-W26"."""
        return iso_week_label(self.week_start)

    @property
    def worst(self) -> tuple[AgencyFigures, ...]:
        """Agencies with overdue work, worst first."""
        return tuple(a for a in self.agencies if a.overdue)


def week_start(day: date) -> date:
    """The Monday of the week containing `day`."""
    return day - timedelta(days=day.weekday())


def iso_week_label(day: date) -> str:
    """ISO 8601 week text of the week containing `day`, e.g. "2023-W26"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def code_sort_key(code: str) -> tuple[tuple[int, int, str], ...]:
    """Order task codes as people read them: "2.6" < "I.2" < "I.10" < "II.1", "d" < "đ" < "e".

    Arabic numbers, Roman numerals and letters each sort among themselves, so a plan that
    numbers its prose sections 2.1-2.6 and its appendix I-III lists each run in order.
    """
    parts: list[tuple[int, int, str]] = []
    for token in _CODE_PART.findall(code):
        if token.isdigit():
            parts.append((0, int(token), ""))
        elif _ROMAN.match(token):
            parts.append((1, _roman(token), ""))
        else:
            parts.append((2, 0, fold(token) + "\x00" + token))
    return tuple(parts)


def _roman(token: str) -> int:
    total = 0
    for index, char in enumerate(token):
        value = _ROMAN_VALUES[char]
        following = _ROMAN_VALUES[token[index + 1]] if index + 1 < len(token) else 0
        total += -value if value < following else value
    return total


def _history(changes: Iterable[ChangeRow]) -> dict[tuple[int, int | None], list[ChangeRow]]:
    by_item: dict[tuple[int, int | None], list[ChangeRow]] = defaultdict(list)
    for change in changes:
        if not change.undone:
            by_item[change.key].append(change)
    for rows in by_item.values():
        # Most items have one change or none: sorting a list of one still costs a call.
        if len(rows) > 1:
            rows.sort(key=lambda c: (c.at, c.sequence))
    return by_item


def state_as_of(
    row: ItemRow,
    history: Sequence[ChangeRow],
    *,
    as_of: datetime,
    today: date,
    calendar: WorkCalendar,
) -> ItemState:
    """An item's state at `as_of` from its history (sorted, without undone changes)."""
    before = [c for c in history if c.at <= as_of]
    later = len(before) < len(history)
    reason: str | None
    if not later:
        status, progress = row.status, row.progress
        reason = row.blocked_reason if status is Status.BLOCKED else None
    elif before:
        status, progress = before[-1].to_status, before[-1].to_progress
        reason = before[-1].note if status is Status.BLOCKED else None
    else:
        status, progress = history[0].from_status, history[0].from_progress
        reason = None
    done_at: datetime | None = None
    if status is Status.DONE:
        progress = 100
        done_at = next((c.at for c in reversed(before) if c.to_status is Status.DONE), None)
    last_update_at: datetime | None
    if before:
        last_update_at, last_note = before[-1].at, before[-1].note
    else:
        stored = row.last_update_at
        last_update_at = stored if stored is not None and stored <= as_of else None
        last_note = None
    overdue_days = 0
    if status.is_open and row.due_date is not None and row.due_date < today:
        # At least one: an item due on a Friday is overdue on the Sunday after it too.
        overdue_days = max(1, calendar.working_days_between(row.due_date, today))
    return ItemState(
        row=row,
        status=status,
        progress=progress,
        blocked_reason=reason,
        overdue_days=overdue_days,
        done_at=done_at,
        last_update_at=last_update_at,
        last_note=last_note,
    )


def _deltas(current: Figures, previous: Figures | None) -> Deltas:
    if previous is None:
        return Deltas()
    now_pct, then_pct = current.on_time_percent, previous.on_time_percent
    return Deltas(
        active=current.active - previous.active,
        completed_week=current.completed_week - previous.completed_week,
        on_time_points=None if now_pct is None or then_pct is None else now_pct - then_pct,
        overdue=current.overdue - previous.overdue,
        blocked=current.blocked - previous.blocked,
    )


class SummaryTally:
    """The summary's figures gathered a chunk of items at a time (see `summarise`).

    Each chunk brings its items with their changes (every change of those items the
    summary reads); what is kept between chunks grows with the agencies, not with the
    items: each agency's counts and the first `listed` blocked and upcoming items. The
    states of a chunk are handed back in the summary's order, for the caller to keep
    (in memory, or spilled to a file) and give to `finish` as the items.
    """

    def __init__(
        self, *, as_of: datetime, tz: tzinfo, calendar: WorkCalendar, listed: int = LISTED
    ) -> None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        self.as_of, self.tz, self.calendar, self.listed = as_of, tz, calendar, listed
        self.today = as_of.astimezone(tz).date()
        self._window_start = as_of - timedelta(days=7)
        self._horizon = self.today + timedelta(days=UPCOMING_DAYS - 1)
        self._names: dict[str, str] = {}
        # Folded once per agency name: a summary sorts by it item after item.
        self._folded: dict[str, str] = {}
        self._counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._buckets: dict[str, dict[Bucket, int]] = {}
        self._done_with_due = self._on_time = 0
        self._blocked: list[tuple[Any, ItemState]] = []
        self._upcoming: list[tuple[Any, ItemState]] = []
        self._upcoming_total = 0

    def folded(self, name: str) -> str:
        """`name` folded for sorting (domain.text.fold), remembered for this summary."""
        found = self._folded.get(name)
        if found is None:
            found = self._folded[name] = fold(name)
        return found

    def order(self, state: ItemState) -> tuple[Any, ...]:
        """Where an item comes in the summary: by plan, task code, agency, due date."""
        row = state.row
        return (
            row.plan_id,
            code_sort_key(row.task_code),
            self.folded(row.agency_name),
            row.due_date or date.max,
            row.occurrence_id or 0,
            row.assignment_id,
        )

    def add(
        self, items: Iterable[ItemRow], changes: Iterable[ChangeRow]
    ) -> list[tuple[tuple[Any, ...], ItemState]]:
        """Count a chunk of items; their states with their `order`, in that order."""
        as_of, today = self.as_of, self.today
        history = _history(changes)
        keyed = sorted(
            (
                (self.order(state), state)
                for state in (
                    state_as_of(
                        row,
                        history.get(row.key, []),
                        as_of=as_of,
                        today=today,
                        calendar=self.calendar,
                    )
                    for row in items
                )
            ),
            key=lambda pair: pair[0],
        )
        completed_week = {
            key
            for key, rows in history.items()
            if any(c.to_status is Status.DONE and self._window_start < c.at <= as_of for c in rows)
        }
        blocked, upcoming = [], []
        for order, state in keyed:
            row = state.row
            self._names[row.agency_code] = row.agency_name
            tally = self._counts[row.agency_code]
            kind = bucket(state)
            if kind is not None:
                per = self._buckets.get(row.agency_code)
                if per is None:
                    per = self._buckets[row.agency_code] = dict.fromkeys(Bucket, 0)
                per[kind] += 1
            if row.key in completed_week:
                tally["completed_week"] += 1
            if state.status is Status.DONE:
                tally["done"] += 1
                if row.due_date is not None and state.done_at is not None:
                    self._done_with_due += 1
                    self._on_time += state.done_at.astimezone(self.tz).date() <= row.due_date
                continue
            if not state.is_open:
                continue
            tally["active"] += 1
            if state.is_overdue:
                tally["overdue"] += 1
                tally["overdue_days"] += state.overdue_days
            if state.status is Status.BLOCKED:
                tally["blocked"] += 1
                # Ties fall back on the summary's order, as a stable sort of the items would.
                name = self.folded(row.agency_name)
                blocked.append(((row.due_date or date.max, name, row.assignment_id, order), state))
            elif state.status is Status.IN_PROGRESS:
                tally["in_progress"] += 1
            else:
                tally["not_started"] += 1
            if row.due_date is not None and today <= row.due_date <= self._horizon:
                self._upcoming_total += 1
                name = self.folded(row.agency_name)
                code = code_sort_key(row.task_code)
                upcoming.append(((row.due_date, code, name, order), state))
        self._blocked = _first(self._blocked + blocked, self.listed)
        self._upcoming = _first(self._upcoming + upcoming, self.listed)
        return keyed

    def finish(
        self,
        *,
        items: ItemStates,
        activity: Mapping[str, datetime],
        previous: Figures | None,
        scope: SummaryScope = SummaryScope(),
        scope_plans: Sequence[str] = (),
        scope_agencies: Sequence[str] = (),
    ) -> WeeklySummary:
        """The summary of every chunk added, with `items` their states in order.

        `activity` maps an agency code to the time of the latest status change any of its
        people made at or before the moment; agencies missing from it were never heard from.
        """
        as_of = self.as_of
        silent_since = as_of - timedelta(days=SILENT_DAYS)
        agencies = sorted(
            (
                AgencyFigures(
                    code=code, name=self._names[code], last_activity=activity.get(code), **tally
                )
                for code, tally in self._counts.items()
            ),
            key=lambda a: (-a.overdue, -a.overdue_days, -a.active, self.folded(a.name), a.code),
        )
        figures = Figures(
            active=sum(a.active for a in agencies),
            completed_week=sum(a.completed_week for a in agencies),
            done_with_due=self._done_with_due,
            on_time=self._on_time,
            overdue=sum(a.overdue for a in agencies),
            blocked=sum(a.blocked for a in agencies),
        )
        silent = sorted(
            (
                a
                for a in agencies
                if a.active and (a.last_activity is None or a.last_activity <= silent_since)
            ),
            key=lambda a: (
                a.last_activity is not None,
                a.last_activity or as_of,
                -a.active,
                self.folded(a.name),
            ),
        )
        return WeeklySummary(
            as_of=as_of,
            local_date=self.today,
            week_start=week_start(self.today),
            tz=self.tz,
            scope=scope,
            figures=figures,
            previous=previous,
            deltas=_deltas(figures, previous),
            agencies=tuple(agencies),
            blocked=tuple(state for _key, state in self._blocked),
            upcoming=tuple(state for _key, state in self._upcoming),
            upcoming_total=self._upcoming_total,
            silent=tuple(silent),
            items=items,
            buckets=self._buckets,
            scope_plans=tuple(scope_plans),
            scope_agencies=tuple(scope_agencies),
        )


def _first(keyed: list[tuple[Any, ItemState]], count: int) -> list[tuple[Any, ItemState]]:
    return heapq.nsmallest(count, keyed, key=lambda pair: pair[0])


def summarise(
    *,
    items: Iterable[ItemRow],
    changes: Iterable[ChangeRow],
    activity: Mapping[str, datetime],
    previous: Figures | None,
    as_of: datetime,
    tz: tzinfo,
    calendar: WorkCalendar,
    scope: SummaryScope = SummaryScope(),
    scope_plans: Sequence[str] = (),
    scope_agencies: Sequence[str] = (),
) -> WeeklySummary:
    """Compute the weekly summary as of `as_of` (aware) from the items in scope, in one go.

    `activity` maps an agency code to the time of the latest status change any of its people
    made at or before `as_of`; agencies missing from it were never heard from.
    """
    tally = SummaryTally(as_of=as_of, tz=tz, calendar=calendar)
    states = tuple(state for _order, state in tally.add(items, changes))
    return tally.finish(
        items=states,
        activity=activity,
        previous=previous,
        scope=scope,
        scope_plans=scope_plans,
        scope_agencies=scope_agencies,
    )


@dataclass(frozen=True)
class AgencyBar:
    """One bar of the chart: an agency, or (`name` None) the `others` agencies after the top."""

    name: str | None
    counts: Mapping[Bucket, int]
    others: int = 0


def chart_bars(summary: WeeklySummary, *, top: int = 15) -> tuple[AgencyBar, ...]:
    """Status counts of the `top` agencies with the most open work, the rest as one bar."""
    counts = summary.buckets
    ranked = sorted(
        (a for a in summary.agencies if a.code in counts),
        key=lambda a: (-a.active, -a.overdue, -sum(counts[a.code].values()), _fold_name(a.name)),
    )
    bars = [AgencyBar(name=a.name, counts=counts[a.code]) for a in ranked[:top]]
    rest = ranked[top:]
    if rest:
        total = {kind: sum(counts[a.code][kind] for a in rest) for kind in Bucket}
        bars.append(AgencyBar(name=None, counts=total, others=len(rest)))
    return tuple(bars)


_SHORTER_NAMES = (
    ("Ủy ban nhân dân", "UBND"),
    ("Hội đồng nhân dân", "HĐND"),
    ("Ban Quản lý dự án", "BQLDA"),
    ("Bộ Thông tin và Truyền thông", "Bộ TTTT"),
    ("thành phố", "TP"),
)


def short_agency_name(name: str, *, limit: int = 40) -> str:
    """An agency name short enough for a phone line or a chart label ("UBND quận Lê Chân")."""
    for long, short in _SHORTER_NAMES:
        name = name.replace(long, short)
    if len(name) <= limit:
        return name
    return name[: limit - 1].rstrip() + "…"
