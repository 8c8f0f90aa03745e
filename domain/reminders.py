"""Planning reminders: which reminder each person is owed for each open target, and when.

A *target* is one agency's open share of a task ("a:<assignment id>") or one period of a
recurring duty ("o:<occurrence id>"). Each target follows a *series* of steps counted in
working days from its due date: ``before:14``, ``before:7``, ``before:3``, ``before:1``,
``due``, then ``overdue:3``, ``overdue:6``... (the plan's policy). A step falls due when the
send window opens on its day; a sweep sends, for each target and person, only the latest
step that has fallen due, so after downtime nobody receives a flood of stale reminders.

The planner is pure: plain rows, the calendar, the policy, office hours and `now` in; the
ledger rows it is given say what was already recorded.

Ledger kinds (the third part of the exactly-once key target + recipient + kind):

- ``<step>@<due date>``: a step of the series for that due date (``before:7@2023-11-20``);
  a new due date (an extended deadline) starts a fresh series.
- ``check@<due date>``: the single "is this done?" sent instead of the series when a
  target is first seen already overdue (imported late, or its agency just registered).
- ``snoozed@<until, UTC>``: the one reminder sent when a person's snooze expires.
- ``no-officer`` on target ``agency:<id>``: an agency with nobody registered, reported
  once to each hub coordinator.
- ``escalate@<due>``, ``long-overdue@<due>``, ``blocked@<since, UTC>``: escalations.

A row written with a message records what that message said; a check or a snoozed
reminder also records the step it stands in for, with the same message, so the step does
not follow it. A row without a message (outbox id NULL) is a step that was *skipped*: it
fell due while no sweep ran and a later step was sent instead.
"""

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, NamedTuple

from domain.calendar import WorkCalendar
from domain.recurrence import Occurrence as Period
from domain.recurrence import Recurrence, occurrences
from domain.status import Status
from domain.targets import agency_key

DEFAULT_BEFORE = (14, 7, 3, 1)
DEFAULT_OVERDUE_EVERY = 3
MAX_WORKING_DAYS = 120
NO_OFFICER = "no-officer"

# (target key, person id, ledger kind): one row of the reminder ledger.
LedgerKey = tuple[str, int, str]
# In Recorded's texts: between a person and a kind, and between one pair and the next.
PAIR, PAIRS = "\x1f", "\x1e"


class Recorded(Collection[LedgerKey]):
    """Ledger rows as the store can pack them: for each target, one text of its (person,
    kind) pairs, "12\x1fd-3\x1e12\x1fd-1", split only when the target is asked about.

    A day's first sweep at a million assignments reads some 460,000 ledger rows back; made
    into Python tuples they cost 1 s of the client's CPU, packed per target 0.2 s. A
    target whose kinds hold the separator of pairs (the planner names none so) comes as
    `rows` instead.
    """

    __slots__ = ("_packed", "_pairs", "targets")

    def __init__(self, packed: Mapping[str, str], rows: Iterable[LedgerKey] = ()) -> None:
        self._packed = packed
        # Each target's pairs, split once asked about (or given whole, from `rows`).
        self._pairs: dict[str, set[str]] = {}
        for target, person, kind in rows:
            self._pairs.setdefault(target, set()).add(f"{person}{PAIR}{kind}")
        # The targets with any row (plan's `seen`).
        self.targets: Collection[str] = (
            packed.keys() | self._pairs.keys() if self._pairs else packed.keys()
        )

    def _split(self, target: str) -> set[str]:
        text = self._packed.get(target)
        pairs = self._pairs[target] = set(text.split(PAIRS)) if text else set()
        return pairs

    def __contains__(self, key: Any) -> bool:
        # Asked some million times a day's first sweep: kept to the fewest calls (PAIR
        # written out).
        target, person, kind = key
        pairs = self._pairs.get(target)
        if pairs is None:
            pairs = self._split(target)
        return f"{person}\x1f{kind}" in pairs

    def __iter__(self) -> Iterator[LedgerKey]:
        for target in self.targets:
            pairs = self._pairs.get(target)
            for pair in self._packed[target].split(PAIRS) if pairs is None else pairs:
                person, _, kind = pair.partition(PAIR)
                yield target, int(person), kind

    def __len__(self) -> int:
        return sum(1 for _key in self)


class PolicyError(ValueError):
    """A plan's reminder policy is not one the planner can follow; the message says why."""


def _working_days(value: Any, name: str, *, allow_zero: bool) -> int:
    lowest = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"{name} must be a whole number of working days, got {value!r}")
    if not lowest <= value <= MAX_WORKING_DAYS:
        raise PolicyError(f"{name} must be {lowest}-{MAX_WORKING_DAYS}, got {value}")
    return value


@dataclass(frozen=True)
class ReminderPolicy:
    """When a plan's targets are reminded, in working days around the due date.

    Stored in Plan.reminder_policy as ``{"before": [14, 7, 3, 1], "on_due": true,
    "overdue_every": 3}``; a missing key takes its default, ``overdue_every: 0`` turns the
    overdue nags off and ``before: []`` the early ones.
    """

    before: tuple[int, ...] = DEFAULT_BEFORE
    on_due: bool = True
    overdue_every: int = DEFAULT_OVERDUE_EVERY

    def __post_init__(self) -> None:
        for days in self.before:
            _working_days(days, "before", allow_zero=False)
        if len(set(self.before)) != len(self.before):
            raise PolicyError(f"before lists a day twice: {list(self.before)}")
        _working_days(self.overdue_every, "overdue_every", allow_zero=True)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> "ReminderPolicy":
        """The policy a plan stores; None means the defaults. Raises PolicyError if wrong."""
        if data is None:
            return DEFAULT_POLICY
        if not isinstance(data, Mapping):
            raise PolicyError(f"a reminder policy is an object, got {data!r}")
        unknown = set(data) - {"before", "on_due", "overdue_every"}
        if unknown:
            raise PolicyError(f"unknown keys: {', '.join(sorted(unknown))}")
        before = data.get("before", list(DEFAULT_BEFORE))
        if not isinstance(before, list | tuple):
            raise PolicyError(f"before must be a list of working days, got {before!r}")
        on_due = data.get("on_due", True)
        if not isinstance(on_due, bool):
            raise PolicyError(f"on_due must be true or false, got {on_due!r}")
        return cls(
            before=tuple(sorted(before, reverse=True)),
            on_due=on_due,
            overdue_every=data.get("overdue_every", DEFAULT_OVERDUE_EVERY),
        )

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "before": list(self.before),
            "on_due": self.on_due,
            "overdue_every": self.overdue_every,
        }


DEFAULT_POLICY = ReminderPolicy()


@dataclass(frozen=True)
class OfficeHours:
    """The send window: working days of the calendar, from `start` until just before `end`."""

    calendar: WorkCalendar
    start: time = time(8, 0)
    end: time = time(17, 0)
    tz: tzinfo = UTC

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValueError("the send window must end after it starts")

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("naive datetimes are not planned; pass an aware one")
        return moment.astimezone(self.tz)

    def today(self, moment: datetime) -> date:
        """The local date of `moment`."""
        return self._local(moment).date()

    def is_open(self, moment: datetime) -> bool:
        """Whether reminders may go out at `moment`."""
        local = self._local(moment)
        return (
            self.calendar.is_working_day(local.date())
            and self.start <= local.time().replace(tzinfo=None) < self.end
        )

    def opening(self, day: date) -> datetime:
        """The moment the window opens on `day` (whether or not agencies work that day)."""
        return datetime.combine(day, self.start, tzinfo=self.tz)

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself if the window is open then, else the next time it opens."""
        local = self._local(moment)
        day = local.date()
        if self.calendar.is_working_day(day):
            clock = local.time().replace(tzinfo=None)
            if clock < self.start:
                return self.opening(day)
            if clock < self.end:
                return moment
        return self.opening(self.calendar.next_working_day(day))


def utc_stamp(moment: datetime) -> str:
    """A compact UTC form of a moment for ledger kinds (20231124T010000Z)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class OpenTarget(NamedTuple):
    """One open target as the planner sees it.

    Targets, dues and reminders are named tuples: a sweep makes tens of thousands, and a
    frozen dataclass costs five times as much to build.
    """

    key: str
    assignment_id: int
    occurrence_id: int | None
    agency_id: int
    plan_id: int
    # None for an undated duty ("Thường xuyên"): never reminded, but escalated when blocked.
    due: date | None
    policy: ReminderPolicy = DEFAULT_POLICY
    # A cooperating agency's share: told before and on the due day, never nagged or escalated.
    informational: bool = False
    status: Status = Status.NOT_STARTED
    updated_at: datetime | None = None


@dataclass(frozen=True, order=True)
class Step:
    """One step of a target's series: its day and its name (before:7, due, overdue:3)."""

    day: date
    name: str

    def kind(self, due: date) -> str:
        """The ledger kind of this step for a series due on `due`."""
        return f"{self.name}@{due.isoformat()}"


def last_working_day(due: date, calendar: WorkCalendar) -> date:
    """The last working day on or before `due`: the day a 'due' reminder goes out."""
    return due if calendar.is_working_day(due) else calendar.previous_working_day(due)


def series(
    due: date,
    policy: ReminderPolicy,
    calendar: WorkCalendar,
    *,
    through: date,
    informational: bool = False,
) -> tuple[Step, ...]:
    """Every step of a target's series whose day is on or before `through`, in order."""
    last = last_working_day(due, calendar)
    steps = [Step(calendar.add_working_days(last, -n), f"before:{n}") for n in policy.before]
    if policy.on_due:
        steps.append(Step(last, "due"))
    every = 0 if informational else policy.overdue_every
    if every:
        day, late = last, 0
        while True:
            day, late = calendar.add_working_days(day, every), late + every
            if day > through:
                break
            steps.append(Step(day, f"overdue:{late}"))
    return tuple(sorted(step for step in steps if step.day <= through))


def latest_step(
    due: date,
    policy: ReminderPolicy,
    calendar: WorkCalendar,
    *,
    today: date,
    informational: bool = False,
) -> Step | None:
    """The latest step of the series whose day is on or before `today` (None if none yet).

    An informational target has nothing left to say once its last working day has passed.
    """
    last = last_working_day(due, calendar)
    if informational and today > last:
        return None
    every = 0 if informational else policy.overdue_every
    if every and today > last:
        # Counted back from today rather than forward from the due date, so a target two
        # years overdue costs as little as one due tomorrow.
        anchor = today if calendar.is_working_day(today) else calendar.previous_working_day(today)
        late = calendar.working_days_between(last, anchor)
        if late >= every:
            nag = late - late % every
            return Step(calendar.add_working_days(anchor, nag - late), f"overdue:{nag}")
    candidates = [Step(calendar.add_working_days(last, -n), f"before:{n}") for n in policy.before]
    if policy.on_due:
        candidates.append(Step(last, "due"))
    reached = [step for step in candidates if step.day <= today]
    return max(reached) if reached else None


def next_step_day(
    due: date,
    policy: ReminderPolicy,
    calendar: WorkCalendar,
    *,
    today: date,
    informational: bool = False,
) -> date | None:
    """The day of the first step of the series after `today` (None: the series has ended).

    An incremental sweep need not look at the target again before that day unless
    something about it changes (its status, due date, recipients, snoozes)."""
    last = last_working_day(due, calendar)
    candidates = [calendar.add_working_days(last, -n) for n in policy.before]
    if policy.on_due:
        candidates.append(last)
    later = [day for day in candidates if day > today]
    every = 0 if informational else policy.overdue_every
    if every:
        if today < last:
            later.append(calendar.add_working_days(last, every))
        else:
            # The next nag after today, counted from the due day as `series` counts.
            anchor = (
                today if calendar.is_working_day(today) else calendar.previous_working_day(today)
            )
            late = calendar.working_days_between(last, anchor)
            later.append(calendar.add_working_days(last, late - late % every + every))
    return min(later, default=None)


def reach(policies: Iterable[ReminderPolicy], *, calendar: WorkCalendar, day: date) -> date:
    """The latest due date whose series can have a step by `day`: later ones need not be read."""
    furthest = max((n for policy in policies for n in policy.before), default=0)
    # A due date on a day off shares the working day before it, so the bound runs to the
    # day before the next working day.
    last = calendar.add_working_days(day, furthest)
    return calendar.next_working_day(last) - timedelta(days=1)


class Due(NamedTuple):
    """A dated target whose latest step has fallen due, and that step's ledger kind."""

    target: OpenTarget
    step: Step
    due_date: date
    kind: str


class SeriesBook:
    """Series per (due date, policy, informational), each computed once per day's planning:
    a sweep that plans its targets a chunk at a time passes one book to every `due_now` and
    `plan` of the sweep (the policies must live as long as the book: they are keyed by
    identity)."""

    def __init__(self, hours: OfficeHours, today: date) -> None:
        self._hours = hours
        self._today = today
        self._latest: dict[tuple[date, int, bool], Step | None] = {}
        self._full: dict[tuple[date, int, bool], tuple[tuple[str, ...], dict[str, int]]] = {}
        self._before: dict[tuple[date, int, bool, str], tuple[str, ...]] = {}

    def fits(self, hours: OfficeHours, now: datetime) -> bool:
        """Whether this book holds the series of these office hours on `now`'s day."""
        return self._hours is hours and self._today == hours.today(now)

    def latest(self, due: date, target: OpenTarget) -> Step | None:
        # Keyed by the policy's identity: hashing the policy for each of 50,000 targets
        # costs more than the occasional duplicate entry for an equal policy.
        key = (due, id(target.policy), target.informational)
        if key not in self._latest:
            self._latest[key] = latest_step(
                due,
                target.policy,
                self._hours.calendar,
                today=self._today,
                informational=target.informational,
            )
        return self._latest[key]

    def full(self, due: date, target: OpenTarget) -> tuple[tuple[str, ...], dict[str, int]]:
        """The ledger kinds of the whole series through today, and each kind's position."""
        key = (due, id(target.policy), target.informational)
        if key not in self._full:
            steps = series(
                due,
                target.policy,
                self._hours.calendar,
                through=self._today,
                informational=target.informational,
            )
            kinds = tuple(step.kind(due) for step in steps)
            self._full[key] = (kinds, {kind: index for index, kind in enumerate(kinds)})
        return self._full[key]

    def before(self, due: date, target: OpenTarget, kind: str) -> tuple[str, ...]:
        """The ledger kinds of the series before `kind` (none if it is not in the series),
        the latest first."""
        key = (due, id(target.policy), target.informational, kind)
        found = self._before.get(key)
        if found is None:
            kinds, positions = self.full(due, target)
            end = positions.get(kind)
            found = self._before[key] = tuple(reversed(kinds[:end])) if end else ()
        return found


def _book(book: SeriesBook | None, hours: OfficeHours, now: datetime) -> SeriesBook:
    """`book` if it was made for these hours and day, else a new one."""
    return (
        book if book is not None and book.fits(hours, now) else SeriesBook(hours, hours.today(now))
    )


def due_now(
    targets: Iterable[OpenTarget],
    *,
    hours: OfficeHours,
    now: datetime,
    book: SeriesBook | None = None,
) -> list[Due]:
    """Each dated target's latest fallen-due step; nothing while the send window is shut."""
    if not hours.is_open(now):
        return []
    book = _book(book, hours, now)
    kinds: dict[tuple[Step, date], str] = {}
    found = []
    for target in targets:
        if target.due is None:
            continue
        step = book.latest(target.due, target)
        if step is None:
            continue
        kind = kinds.get((step, target.due))
        if kind is None:
            kind = kinds[(step, target.due)] = step.kind(target.due)
        found.append(Due(target, step, target.due, kind))
    return found


def snoozed_kind(until: datetime) -> str:
    """The ledger kind of the reminder sent when a snooze until `until` expires."""
    return f"snoozed@{utc_stamp(until)}"


class Reason(StrEnum):
    """Why a reminder goes out."""

    STEP = "step"
    CHECK = "check"
    SNOOZED = "snoozed"


class Reminder(NamedTuple):
    """One item of one person's reminder, and the ledger rows it writes."""

    person_id: int
    target: OpenTarget
    step: Step
    reason: Reason
    kind: str
    covers: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The kind as shown to operators: the step name, 'check' or 'snoozed'."""
        return self.step.name if self.reason is Reason.STEP else self.reason.value


@dataclass(frozen=True)
class Notice:
    """A hub coordinator is told that an agency has nobody to receive its reminders."""

    person_id: int
    agency_id: int
    targets: tuple[OpenTarget, ...]

    @property
    def key(self) -> str:
        """The ledger target of the notice."""
        return agency_key(self.agency_id)


def _by_due(target: OpenTarget) -> tuple[date, str]:
    return (target.due or date.max, target.key)


def _by_person(reminder: "Reminder") -> int:
    return reminder.person_id


def _first(item: tuple[tuple[date, str], Any]) -> tuple[date, str]:
    return item[0]


@dataclass(frozen=True)
class Plan:
    """What one sweep sends."""

    reminders: tuple[Reminder, ...] = ()
    notices: tuple[Notice, ...] = ()
    # Agencies with nobody registered and no coordinator to tell about it.
    unreported: tuple[int, ...] = ()

    def by_person(self) -> dict[int, list[Reminder]]:
        """The reminders bundled per person, most urgent (earliest due) first."""
        # Ordered target by target: a day's first sweep at a million assignments bundles
        # some 460,000 reminders of 115,000 targets, and sorting them one by one cost more
        # than the rest of the bundling.
        of_target: dict[tuple[date, str], list[Reminder]] = {}
        for reminder in self.reminders:
            of_target.setdefault(_by_due(reminder.target), []).append(reminder)
        bundles: dict[int, list[Reminder]] = {}
        for _due, group in sorted(of_target.items(), key=_first):
            if len(group) > 1:
                group.sort(key=_by_person)
            for reminder in group:
                bundles.setdefault(reminder.person_id, []).append(reminder)
        return bundles


@dataclass
class _Planning:
    hours: OfficeHours
    now: datetime
    recorded: Collection[LedgerKey]
    seen: Collection[str]
    book: SeriesBook
    today: date = field(init=False)

    def __post_init__(self) -> None:
        self.today = self.hours.today(self.now)

    def gap(self, due: Due, person: int) -> tuple[str, ...]:
        """Steps before `due.step` missed since the last one this person was sent."""
        key = due.target.key
        missed: list[str] = []
        for kind in self.book.before(due.due_date, due.target, due.kind):
            if (key, person, kind) in self.recorded:
                missed.reverse()
                return tuple(missed)
            missed.append(kind)
        # Nothing of this series was ever recorded for this person (new person, new due
        # date): nothing was missed, the series simply starts here.
        return ()

    def reminder(self, due: Due, person: int, until: datetime | None) -> Reminder | None:
        target = due.target
        if until is not None and until > self.now:
            return None
        step_recorded = (target.key, person, due.kind) in self.recorded
        if until is not None:
            kind = snoozed_kind(until)
            if (target.key, person, kind) not in self.recorded:
                return Reminder(
                    person_id=person,
                    target=target,
                    step=due.step,
                    reason=Reason.SNOOZED,
                    kind=kind,
                    covers=() if step_recorded else (due.kind,),
                    skipped=() if step_recorded else self.gap(due, person),
                )
        if step_recorded:
            return None
        return self.unsent(due, person, self.check(due))

    def check(self, due: Due) -> str | None:
        """The kind of an "is this done?" check, if that is what `due` sends to whoever was
        not sent its step: a target first seen overdue."""
        target = due.target
        if self.today > due.due_date and not target.informational and target.key not in self.seen:
            return f"check@{due.due_date.isoformat()}"
        return None

    def unsent(self, due: Due, person: int, check: str | None) -> Reminder:
        """The reminder of a step `person` was not sent and did not snooze: the check
        (`check`, of self.check) for a target first seen overdue, else the step itself."""
        # Positional, in Reminder's field order: a day's first sweep makes hundreds of
        # thousands.
        if check is not None:
            return Reminder(person, due.target, due.step, Reason.CHECK, check, (due.kind,))
        return Reminder(
            person, due.target, due.step, Reason.STEP, due.kind, (), self.gap(due, person)
        )


def plan(
    dues: Iterable[Due],
    *,
    recipients: Mapping[int, Sequence[int]],
    coordinators: Mapping[int, Sequence[int]],
    recorded: Collection[LedgerKey],
    snoozes: Mapping[tuple[int, str], datetime],
    hours: OfficeHours,
    now: datetime,
    seen: Collection[str] | None = None,
    book: SeriesBook | None = None,
) -> Plan:
    """Decide what a sweep at `now` sends.

    `recipients` maps an agency to the people who receive its reminders, `coordinators` a
    plan to its hub coordinators. `recorded` must hold every ledger row of the due targets
    and the notice rows of their agencies; `seen` (the targets with any ledger row) is
    derived from it unless given.
    """
    if not hours.is_open(now):
        return Plan()
    planning = _Planning(
        hours=hours,
        now=now,
        recorded=recorded,
        seen=seen if seen is not None else {key for key, _, _ in recorded},
        book=_book(book, hours, now),
    )
    reminders: list[Reminder] = []
    unstaffed: dict[int, list[OpenTarget]] = {}
    for due in dues:
        target = due.target
        key, kind = target.key, due.kind
        people = recipients.get(target.agency_id, ())
        if not people and not target.informational:
            unstaffed.setdefault(target.agency_id, []).append(target)
        check = planning.check(due) if people else None
        for person in people:
            until = snoozes.get((person, key)) if snoozes else None
            # The usual cases first: nobody snoozed, and the step went out or it did not.
            if until is None:
                if (key, person, kind) not in recorded:
                    reminders.append(planning.unsent(due, person, check))
                continue
            reminder = planning.reminder(due, person, until)
            if reminder is not None:
                reminders.append(reminder)
    notices: list[Notice] = []
    unreported: list[int] = []
    for agency_id, targets in sorted(unstaffed.items()):
        told = sorted({p for t in targets for p in coordinators.get(t.plan_id, ())})
        if not told:
            unreported.append(agency_id)
        notices.extend(
            Notice(person, agency_id, tuple(sorted(targets, key=_by_due)))
            for person in told
            if (agency_key(agency_id), person, NO_OFFICER) not in recorded
        )
    return Plan(tuple(reminders), tuple(notices), tuple(unreported))


@dataclass(frozen=True)
class Planned:
    """A reminder a sweep at `at` would send."""

    at: datetime
    reminder: Reminder


def simulate(
    targets: Sequence[OpenTarget],
    *,
    recipients: Mapping[int, Sequence[int]],
    recorded: Collection[LedgerKey],
    snoozes: Mapping[tuple[int, str], datetime],
    hours: OfficeHours,
    start: date,
    end: date,
) -> list[Planned]:
    """The reminders sweeps would send from `start` to `end` (local dates, inclusive).

    Sweeps are simulated whenever something can fall due, the window opening of each
    working day and the first open moment after each snooze, starting from the ledger as it
    is: the same `plan` the real sweep runs, so a preview never disagrees with it.
    """
    first, last = hours.opening(start), hours.opening(end + timedelta(days=1))
    instants = {
        hours.opening(start + timedelta(days=i))
        for i in range((end - start).days + 1)
        if hours.calendar.is_working_day(start + timedelta(days=i))
    }
    instants.update(
        moment
        for moment in (hours.next_open(until) for until in snoozes.values())
        if first <= moment < last
    )
    ledger = set(recorded)
    seen = {key for key, _, _ in ledger}
    found: list[Planned] = []
    for instant in sorted(instants):
        result = plan(
            due_now(targets, hours=hours, now=instant),
            recipients=recipients,
            coordinators={},
            recorded=ledger,
            snoozes=snoozes,
            hours=hours,
            now=instant,
            seen=seen,
        )
        for reminder in result.reminders:
            found.append(Planned(instant, reminder))
            key, person = reminder.target.key, reminder.person_id
            ledger.update((key, person, kind) for kind in (reminder.kind, *reminder.covers))
            ledger.update((key, person, kind) for kind in reminder.skipped)
            seen.add(key)
    return found


class EscalationReason(StrEnum):
    """Why a coordinator or leader hears about a target."""

    OVERDUE = "overdue"
    BLOCKED = "blocked"
    LONG_OVERDUE = "long-overdue"


@dataclass(frozen=True)
class Escalation:
    """One line of a coordinator's or leader's digest."""

    person_id: int
    target: OpenTarget
    reason: EscalationReason
    kind: str
    overdue_days: int


def escalation_kind(target: OpenTarget, reason: EscalationReason) -> str:
    """The ledger kind of an escalation: per due date, or per blocking episode."""
    if reason is EscalationReason.BLOCKED or target.due is None:
        return f"blocked@{utc_stamp(target.updated_at)}" if target.updated_at else "blocked"
    return f"{reason.value}@{target.due.isoformat()}"


def _escalation_reasons(
    target: OpenTarget, late: int, *, escalate_after: int, long_overdue: int
) -> list[EscalationReason]:
    reasons = []
    if target.status is Status.BLOCKED:
        reasons.append(EscalationReason.BLOCKED)
    if late >= escalate_after:
        reasons.append(EscalationReason.OVERDUE)
    if late >= long_overdue:
        reasons.append(EscalationReason.LONG_OVERDUE)
    return reasons


def escalation_candidates(
    targets: Iterable[OpenTarget],
    *,
    hours: OfficeHours,
    now: datetime,
    escalate_after: int,
    long_overdue: int,
) -> list[tuple[OpenTarget, EscalationReason, int]]:
    """Lead targets that are blocked, overdue by `escalate_after` or by `long_overdue`
    working days, with how many working days late each is; nothing while the window is shut."""
    if not hours.is_open(now):
        return []
    today = hours.today(now)
    calendar = hours.calendar
    lateness: dict[date, int] = {}
    found = []
    for target in targets:
        if target.informational:
            continue
        late = 0
        if target.due is not None:
            if target.due not in lateness:
                lateness[target.due] = max(0, calendar.working_days_between(target.due, today))
            late = lateness[target.due]
        for reason in _escalation_reasons(
            target, late, escalate_after=escalate_after, long_overdue=long_overdue
        ):
            found.append((target, reason, late))
    return found


def plan_escalations(
    candidates: Iterable[tuple[OpenTarget, EscalationReason, int]],
    *,
    coordinators: Mapping[int, Sequence[int]],
    leaders: Sequence[int],
    recorded: Collection[LedgerKey],
) -> tuple[list[Escalation], set[int]]:
    """Each candidate for the people who have not heard of it yet, and the plans whose
    candidates have nobody to go to.

    Overdue and blocked targets go to the plan's hub coordinators, long-overdue ones to
    leadership. `recorded` must hold the ledger rows of the candidates' escalation kinds.
    """
    found: list[Escalation] = []
    nobody: set[int] = set()
    for target, reason, late in candidates:
        kind = escalation_kind(target, reason)
        people = (
            leaders
            if reason is EscalationReason.LONG_OVERDUE
            else coordinators.get(target.plan_id, ())
        )
        if not people:
            nobody.add(target.plan_id)
        found.extend(
            Escalation(person, target, reason, kind, late)
            for person in people
            if (target.key, person, kind) not in recorded
        )
    return found, nobody


def periods_ahead(
    rule: Recurrence, *, today: date, count: int = 2, not_before: date | None = None
) -> list[Period]:
    """The period of a recurring duty that contains `today` and the ones after it, `count`
    in all; periods that end before `not_before` (the duty's start) are left out."""
    floor = max(today, not_before) if not_before else today
    found = occurrences(
        rule, start=floor - timedelta(days=400), end=floor + timedelta(days=400 * count)
    )
    return [period for period in found if period.period_end >= floor][:count]
