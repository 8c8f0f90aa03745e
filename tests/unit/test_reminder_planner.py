"""The pure reminder planner, driven by an injected `now` (time travel without a clock)."""

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import WorkCalendar
from domain.recurrence import Cadence, Recurrence, occurrences
from domain.reminders import (
    DEFAULT_POLICY,
    EscalationReason,
    LedgerKey,
    OfficeHours,
    OpenTarget,
    Plan,
    PolicyError,
    Reason,
    Reminder,
    ReminderPolicy,
    Step,
    due_now,
    escalation_candidates,
    latest_step,
    next_step_day,
    periods_ahead,
    plan,
    plan_escalations,
    reach,
    series,
    simulate,
    snoozed_kind,
)
from domain.status import Status
from domain.targets import agency_key

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkCalendar()
HOURS = OfficeHours(CALENDAR, time(8, 0), time(17, 0), HANOI)
OFFICER, OTHER_OFFICER, COORDINATOR, LEADER = 11, 12, 21, 31
AGENCY, EMPTY_AGENCY = 1, 2
RECIPIENTS = {AGENCY: [OFFICER]}


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=HANOI)


def target(
    due: date | None,
    *,
    key: str = "a:1",
    agency: int = AGENCY,
    policy: ReminderPolicy = DEFAULT_POLICY,
    informational: bool = False,
    status: Status = Status.NOT_STARTED,
    updated_at: datetime | None = None,
) -> OpenTarget:
    kind, number = key.split(":")
    return OpenTarget(
        key=key,
        assignment_id=int(number) if kind == "a" else 1,
        occurrence_id=int(number) if kind == "o" else None,
        agency_id=agency,
        plan_id=1,
        due=due,
        policy=policy,
        informational=informational,
        status=status,
        updated_at=updated_at,
    )


def sweep(
    targets: Sequence[OpenTarget],
    now: datetime,
    *,
    ledger: set[LedgerKey] | None = None,
    recipients: Mapping[int, Sequence[int]] = RECIPIENTS,
    snoozes: Mapping[tuple[int, str], datetime] | None = None,
    hours: OfficeHours = HOURS,
) -> Plan:
    """One sweep the way services.reminders runs it, recording what it sends."""
    ledger = set() if ledger is None else ledger
    snoozes = snoozes or {}
    dues = due_now(targets, hours=hours, now=now)
    # Every row of the due targets, and the notices of their agencies.
    keys = {d.target.key for d in dues} | {agency_key(d.target.agency_id) for d in dues}
    loaded = {row for row in ledger if row[0] in keys}
    result = plan(
        dues,
        recipients=recipients,
        coordinators={1: [COORDINATOR]},
        recorded=loaded,
        snoozes=snoozes,
        hours=hours,
        now=now,
    )
    for reminder in result.reminders:
        for kind in (reminder.kind, *reminder.covers, *reminder.skipped):
            ledger.add((reminder.target.key, reminder.person_id, kind))
    for notice in result.notices:
        ledger.add((notice.key, notice.person_id, "no-officer"))
    return result


def sent(result: Plan) -> list[tuple[int, str, str]]:
    return [(r.person_id, r.target.key, r.kind) for r in result.reminders]


def daily_sweeps(
    targets: Sequence[OpenTarget], days: Iterable[date], **kwargs: object
) -> dict[date, list[str]]:
    """Run a sweep at 09:00 every day; the kinds sent each day (days with nothing left out)."""
    ledger: set[LedgerKey] = set()
    found = {}
    for day in days:
        result = sweep(targets, local(day), ledger=ledger, **kwargs)  # type: ignore[arg-type]
        if result.reminders:
            found[day] = [r.kind for r in result.reminders]
    return found


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# ---------------------------------------------------------------- the series


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        pytest.param(
            date(2023, 11, 20),
            {
                "before:14": date(2023, 10, 31),
                "before:7": date(2023, 11, 9),
                "before:3": date(2023, 11, 15),
                "before:1": date(2023, 11, 17),
                "due": date(2023, 11, 20),
                "overdue:3": date(2023, 11, 23),
                "overdue:6": date(2023, 11, 28),
            },
            id="an ordinary november, weekends skipped",
        ),
        pytest.param(
            date(2023, 2, 3),
            {
                "before:14": date(2023, 1, 9),
                "before:7": date(2023, 1, 18),
                "before:3": date(2023, 1, 31),
                "before:1": date(2023, 2, 2),
                "due": date(2023, 2, 3),
                "overdue:3": date(2023, 2, 8),
                "overdue:6": date(2023, 2, 13),
            },
            id="tet 2023 (20-26 january) is not counted",
        ),
        pytest.param(
            date(2023, 1, 24),
            {
                "before:14": date(2022, 12, 29),
                "before:7": date(2023, 1, 10),
                "before:3": date(2023, 1, 16),
                "before:1": date(2023, 1, 18),
                "due": date(2023, 1, 19),
                "overdue:3": date(2023, 1, 31),
                "overdue:6": date(2023, 2, 3),
            },
            id="due inside tet: the due reminder goes on the last working day before it",
        ),
        pytest.param(
            date(2024, 5, 6),
            {
                "before:14": date(2024, 4, 11),
                "before:7": date(2024, 4, 23),
                "before:3": date(2024, 5, 2),
                "before:1": date(2024, 5, 4),
                "due": date(2024, 5, 6),
                "overdue:3": date(2024, 5, 9),
                "overdue:6": date(2024, 5, 14),
            },
            id="the government's make-up saturday 4/5/2024 is a working day",
        ),
        pytest.param(
            date(2023, 12, 31),
            {
                "before:14": date(2023, 12, 11),
                "before:7": date(2023, 12, 20),
                "before:3": date(2023, 12, 26),
                "before:1": date(2023, 12, 28),
                "due": date(2023, 12, 29),
                "overdue:3": date(2024, 1, 4),
                "overdue:6": date(2024, 1, 9),
            },
            id="due on a sunday before new year's day",
        ),
    ],
)
def test_steps_fall_the_right_number_of_working_days_from_the_due_date(
    due: date, expected: dict[str, date]
) -> None:
    steps = series(due, DEFAULT_POLICY, CALENDAR, through=max(expected.values()))
    assert {step.name: step.day for step in steps} == expected


@pytest.mark.parametrize(
    "today",
    [date(2023, 1, 13) + timedelta(days=n) for n in range(0, 30, 2)] + [date(2024, 4, 26)],
)
def test_no_target_due_after_the_reach_has_a_step_yet(today: date) -> None:
    policies = [DEFAULT_POLICY, ReminderPolicy(before=(20, 2))]
    bound = reach(policies, calendar=CALENDAR, day=today)
    for policy in policies:
        for offset in range(90):
            due = today + timedelta(days=offset)
            if latest_step(due, policy, CALENDAR, today=today) is not None:
                assert due <= bound
    assert latest_step(bound, policies[1], CALENDAR, today=today) is not None


def test_an_announced_extra_day_off_moves_the_reminders_before_it() -> None:
    calendar = WorkCalendar(extra_days_off=[date(2023, 11, 17)])
    steps = series(date(2023, 11, 20), DEFAULT_POLICY, calendar, through=date(2023, 11, 20))
    assert {s.name: s.day for s in steps}["before:1"] == date(2023, 11, 16)
    hours = OfficeHours(calendar, time(8), time(17), HANOI)
    due = [target(date(2023, 11, 20))]
    assert sent(sweep(due, local(date(2023, 11, 16)), hours=hours))[0][2] == "before:1@2023-11-20"
    assert sweep(due, local(date(2023, 11, 17)), hours=hours) == Plan()
    assert sent(sweep(due, local(date(2023, 11, 16))))[0][2] == "before:3@2023-11-20"


def test_daily_sweeps_send_each_step_once_on_its_day() -> None:
    got = daily_sweeps([target(date(2023, 11, 20))], span(date(2023, 10, 25), date(2023, 11, 30)))
    assert got == {
        date(2023, 10, 31): ["before:14@2023-11-20"],
        date(2023, 11, 9): ["before:7@2023-11-20"],
        date(2023, 11, 15): ["before:3@2023-11-20"],
        date(2023, 11, 17): ["before:1@2023-11-20"],
        date(2023, 11, 20): ["due@2023-11-20"],
        date(2023, 11, 23): ["overdue:3@2023-11-20"],
        date(2023, 11, 28): ["overdue:6@2023-11-20"],
    }


def test_overdue_nags_come_every_three_working_days_across_tet() -> None:
    got = daily_sweeps([target(date(2023, 1, 13))], span(date(2023, 1, 13), date(2023, 2, 10)))
    assert got == {
        date(2023, 1, 13): ["due@2023-01-13"],
        date(2023, 1, 18): ["overdue:3@2023-01-13"],
        date(2023, 1, 30): ["overdue:6@2023-01-13"],
        date(2023, 2, 2): ["overdue:9@2023-01-13"],
        date(2023, 2, 7): ["overdue:12@2023-01-13"],
        date(2023, 2, 10): ["overdue:15@2023-01-13"],
    }


def test_a_plan_policy_changes_the_offsets_and_can_stop_the_nags() -> None:
    policy = ReminderPolicy.from_json({"before": [2], "on_due": False, "overdue_every": 0})
    got = daily_sweeps(
        [target(date(2023, 11, 20), policy=policy)], span(date(2023, 11, 1), date(2023, 12, 30))
    )
    assert got == {date(2023, 11, 16): ["before:2@2023-11-20"]}


# ---------------------------------------------------------------- the send window


@pytest.mark.parametrize(
    ("moment", "sends"),
    [
        (local(date(2023, 11, 20), 7, 59), False),
        (local(date(2023, 11, 20), 8, 0), True),
        (local(date(2023, 11, 20), 16, 59), True),
        (local(date(2023, 11, 20), 17, 0), False),
        (datetime(2023, 11, 20, 1, 0, tzinfo=UTC), True),  # 08:00 in Hà Nội
        (datetime(2023, 11, 20, 0, 59, tzinfo=UTC), False),
    ],
    ids=["07:59", "08:00", "16:59", "17:00", "01:00Z", "00:59Z"],
)
def test_reminders_go_out_only_inside_the_send_window(moment: datetime, sends: bool) -> None:
    assert bool(sweep([target(date(2023, 11, 20))], moment).reminders) is sends


@pytest.mark.parametrize(
    "day",
    [date(2023, 11, 18), date(2023, 11, 19), date(2023, 1, 23), date(2023, 9, 4)],
    ids=["saturday", "sunday", "tet", "national day in lieu"],
)
def test_nothing_is_sent_on_a_day_off(day: date) -> None:
    assert sweep([target(day + timedelta(days=1))], local(day, 10)) == Plan()


def test_a_step_that_falls_on_a_day_off_waits_for_the_next_opening() -> None:
    # Nothing goes out over the weekend; what falls due waits for Monday's opening.
    due = target(date(2023, 11, 20))
    assert sweep([due], local(date(2023, 11, 18), 9)) == Plan()
    assert sent(sweep([due], local(date(2023, 11, 20), 8))) == [(OFFICER, "a:1", "due@2023-11-20")]


def test_office_hours_name_the_next_opening() -> None:
    assert HOURS.next_open(local(date(2023, 11, 17), 17, 0)) == local(date(2023, 11, 20), 8)
    assert HOURS.next_open(local(date(2023, 11, 20), 6, 0)) == local(date(2023, 11, 20), 8)
    noon = local(date(2023, 11, 20), 12, 0)
    assert HOURS.next_open(noon) == noon
    assert HOURS.next_open(local(date(2023, 1, 19), 18)) == local(date(2023, 1, 27), 8)


# ---------------------------------------------------------------- exactly once


def test_running_the_same_sweep_again_sends_nothing_new() -> None:
    ledger: set[LedgerKey] = set()
    targets = [target(date(2023, 11, 20)), target(date(2023, 11, 15), key="a:2")]
    first = sweep(targets, local(date(2023, 11, 15)), ledger=ledger)
    assert len(first.reminders) == 2
    again = sweep(targets, local(date(2023, 11, 15), 16, 30), ledger=ledger)
    assert again == Plan()


def test_after_downtime_only_the_latest_missed_step_is_sent() -> None:
    ledger: set[LedgerKey] = set()
    due = target(date(2023, 11, 20))
    sweep([due], local(date(2023, 10, 31)), ledger=ledger)  # before:14
    result = sweep([due], local(date(2023, 11, 17)), ledger=ledger)
    [reminder] = result.reminders
    assert reminder.kind == "before:1@2023-11-20"
    assert reminder.skipped == ("before:7@2023-11-20", "before:3@2023-11-20")
    assert sweep([due], local(date(2023, 11, 20)), ledger=ledger).reminders[0].skipped == ()


def test_a_long_outage_after_the_due_date_sends_one_overdue_nag() -> None:
    ledger: set[LedgerKey] = set()
    due = target(date(2023, 11, 20))
    sweep([due], local(date(2023, 11, 17)), ledger=ledger)
    [reminder] = sweep([due], local(date(2023, 12, 6)), ledger=ledger).reminders
    assert (reminder.reason, reminder.kind) == (Reason.STEP, "overdue:12@2023-11-20")
    assert reminder.skipped == (
        "due@2023-11-20",
        "overdue:3@2023-11-20",
        "overdue:6@2023-11-20",
        "overdue:9@2023-11-20",
    )


def test_a_target_first_seen_past_due_gets_one_check_then_the_normal_nags() -> None:
    ledger: set[LedgerKey] = set()
    due = target(date(2022, 7, 1))
    [check] = sweep([due], local(date(2023, 3, 1)), ledger=ledger).reminders
    assert check.reason is Reason.CHECK
    assert check.kind == "check@2022-07-01"
    assert check.covers[0].startswith("overdue:")
    assert sweep([due], local(date(2023, 3, 1), 15), ledger=ledger) == Plan()
    nags = {
        day: [r.reason for r in result.reminders]
        for day in span(date(2023, 3, 2), date(2023, 3, 17))
        if (result := sweep([due], local(day), ledger=ledger)).reminders
    }
    assert set(reason for reasons in nags.values() for reason in reasons) == {Reason.STEP}
    days = list(nags)
    assert CALENDAR.working_days_between(date(2023, 3, 1), days[0]) <= 3
    assert [CALENDAR.working_days_between(a, b) for a, b in itertools.pairwise(days)] == [3, 3, 3]


def test_a_target_imported_a_few_days_before_its_due_date_starts_at_the_latest_step() -> None:
    [reminder] = sweep([target(date(2023, 11, 20))], local(date(2023, 11, 13))).reminders
    assert (reminder.reason, reminder.kind, reminder.skipped) == (
        Reason.STEP,
        "before:7@2023-11-20",
        (),
    )


def test_an_extended_deadline_starts_a_fresh_series() -> None:
    ledger: set[LedgerKey] = set()
    sweep([target(date(2023, 11, 20))], local(date(2023, 11, 17)), ledger=ledger)
    result = sweep([target(date(2023, 12, 20))], local(date(2023, 12, 11)), ledger=ledger)
    assert sent(result) == [(OFFICER, "a:1", "before:7@2023-12-20")]


# ---------------------------------------------------------------- people


def test_everything_due_for_one_person_in_one_sweep_is_one_bundle() -> None:
    targets = [
        target(date(2023, 11, 20), key="a:1"),
        target(date(2023, 11, 17), key="a:2"),
        target(date(2023, 11, 30), key="a:3"),
        target(date(2023, 11, 17), key="a:4", agency=3),
    ]
    result = sweep(
        targets, local(date(2023, 11, 17)), recipients={AGENCY: [OFFICER], 3: [OTHER_OFFICER]}
    )
    bundles = result.by_person()
    # a:3's before:14 fell on 10/11, before anyone was reminded: it is sent now too.
    assert [r.target.key for r in bundles[OFFICER]] == ["a:2", "a:1", "a:3"]
    assert [r.target.key for r in bundles[OTHER_OFFICER]] == ["a:4"]


@settings(deadline=None, max_examples=200)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 6),  # the target's number
            st.one_of(st.none(), st.dates(date(2023, 11, 1), date(2023, 11, 5))),  # its due day
            st.integers(1, 4),  # the person
        ),
        max_size=40,
    )
)
def test_bundles_keep_each_persons_reminders_by_due_day_then_target(
    drawn: list[tuple[int, date | None, int]],
) -> None:
    # Targets may repeat as equal objects or as other objects of the same key and day;
    # the bundles must be those of sorting every reminder by (due, key, person).
    reminders = [
        Reminder(
            person_id=person,
            target=target(due, key=f"a:{number}"),
            step=Step(date(2023, 10, 30), "before:3"),
            reason=Reason.STEP,
            kind="before:3",
        )
        for number, due, person in drawn
    ]
    expected: dict[int, list[Reminder]] = {}
    for reminder in sorted(
        reminders,
        key=lambda r: (r.target.due or date.max, r.target.key, r.person_id),
    ):
        expected.setdefault(reminder.person_id, []).append(reminder)

    assert Plan(reminders=tuple(reminders)).by_person() == expected


def test_an_agency_with_nobody_registered_is_reported_once_to_the_hub_coordinator() -> None:
    ledger: set[LedgerKey] = set()
    targets = [
        target(date(2023, 11, 20), key="a:5", agency=EMPTY_AGENCY),
        target(date(2023, 11, 17), key="a:6", agency=EMPTY_AGENCY),
    ]
    first = sweep(targets, local(date(2023, 11, 17)), ledger=ledger)
    assert first.reminders == ()
    [notice] = first.notices
    assert (notice.person_id, notice.agency_id) == (COORDINATOR, EMPTY_AGENCY)
    assert [t.key for t in notice.targets] == ["a:6", "a:5"]
    assert sweep(targets, local(date(2023, 11, 20)), ledger=ledger).notices == ()


def test_an_agency_nobody_can_be_told_about_is_listed_not_dropped() -> None:
    dues = due_now(
        [target(date(2023, 11, 20), agency=EMPTY_AGENCY)],
        hours=HOURS,
        now=local(date(2023, 11, 20)),
    )
    result = plan(
        dues,
        recipients={},
        coordinators={},
        recorded=set(),
        snoozes={},
        hours=HOURS,
        now=local(date(2023, 11, 20)),
    )
    assert result.unreported == (EMPTY_AGENCY,)


def test_every_officer_of_the_agency_is_reminded() -> None:
    result = sweep(
        [target(date(2023, 11, 20))],
        local(date(2023, 11, 20)),
        recipients={AGENCY: [OFFICER, OTHER_OFFICER]},
    )
    assert sorted(r.person_id for r in result.reminders) == [OFFICER, OTHER_OFFICER]


def test_a_cooperating_agency_is_told_before_and_on_the_due_day_but_never_nagged() -> None:
    helper = target(date(2023, 11, 20), informational=True)
    got = daily_sweeps([helper], span(date(2023, 10, 30), date(2023, 12, 29)))
    assert list(got) == [
        date(2023, 10, 31),
        date(2023, 11, 9),
        date(2023, 11, 15),
        date(2023, 11, 17),
        date(2023, 11, 20),
    ]
    assert sweep([helper], local(date(2023, 12, 1))) == Plan()


# ---------------------------------------------------------------- snooze


def test_a_snooze_holds_that_persons_reminders_until_it_ends_then_sends_one() -> None:
    ledger: set[LedgerKey] = set()
    due = target(date(2023, 11, 20))
    recipients = {AGENCY: [OFFICER, OTHER_OFFICER]}
    sweep([due], local(date(2023, 11, 15)), ledger=ledger, recipients=recipients)
    until = local(date(2023, 11, 20), 10, 30)
    snoozes = {(OFFICER, "a:1"): until}
    friday = sweep(
        [due], local(date(2023, 11, 17)), ledger=ledger, recipients=recipients, snoozes=snoozes
    )
    assert sent(friday) == [(OTHER_OFFICER, "a:1", "before:1@2023-11-20")]
    early = sweep(
        [due], local(date(2023, 11, 20), 10), ledger=ledger, recipients=recipients, snoozes=snoozes
    )
    assert sent(early) == [(OTHER_OFFICER, "a:1", "due@2023-11-20")]
    [back] = sweep([due], until, ledger=ledger, recipients=recipients, snoozes=snoozes).reminders
    assert (back.person_id, back.reason, back.kind) == (
        OFFICER,
        Reason.SNOOZED,
        snoozed_kind(until),
    )
    assert back.covers == ("due@2023-11-20",)
    assert (
        sweep(
            [due],
            local(date(2023, 11, 20), 15),
            ledger=ledger,
            recipients=recipients,
            snoozes=snoozes,
        )
        == Plan()
    )


def test_a_snooze_ending_outside_office_hours_comes_back_at_the_next_opening() -> None:
    ledger: set[LedgerKey] = set()
    due = target(date(2023, 11, 30))
    sweep([due], local(date(2023, 11, 21)), ledger=ledger)
    snoozes = {(OFFICER, "a:1"): local(date(2023, 11, 25), 9)}  # a Saturday
    assert sweep([due], local(date(2023, 11, 24), 16), ledger=ledger, snoozes=snoozes) == Plan()
    [back] = sweep([due], local(date(2023, 11, 27), 8), ledger=ledger, snoozes=snoozes).reminders
    assert back.reason is Reason.SNOOZED


# ---------------------------------------------------------------- recurring duties


QUARTERLY_BEFORE_20 = Recurrence(Cadence.QUARTERLY, before_day=20)


def test_quarterly_report_occurrences_for_a_year_are_due_the_day_before_the_20th() -> None:
    found = occurrences(QUARTERLY_BEFORE_20, start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert [(o.period_label, o.due_date) for o in found] == [
        ("2023-Q1", date(2023, 3, 19)),
        ("2023-Q2", date(2023, 6, 19)),
        ("2023-Q3", date(2023, 9, 19)),
        ("2023-Q4", date(2023, 12, 19)),
    ]


@pytest.mark.parametrize(
    ("today", "labels"),
    [
        (date(2023, 1, 2), ["2023-Q1", "2023-Q2"]),
        (date(2023, 3, 25), ["2023-Q1", "2023-Q2"]),
        (date(2023, 4, 1), ["2023-Q2", "2023-Q3"]),
        (date(2023, 8, 15), ["2023-Q3", "2023-Q4"]),
        (date(2023, 12, 31), ["2023-Q4", "2024-Q1"]),
    ],
)
def test_the_current_and_next_period_are_created_ahead(today: date, labels: list[str]) -> None:
    assert [p.period_label for p in periods_ahead(QUARTERLY_BEFORE_20, today=today)] == labels


def test_periods_before_a_duty_starts_are_not_created() -> None:
    found = periods_ahead(QUARTERLY_BEFORE_20, today=date(2023, 1, 2), not_before=date(2023, 5, 1))
    assert [p.period_label for p in found] == ["2023-Q2", "2023-Q3"]


def test_each_quarterly_occurrence_is_reminded_on_its_own_through_the_year() -> None:
    targets = [
        target(o.due_date, key=f"o:{n}")
        for n, o in enumerate(
            occurrences(QUARTERLY_BEFORE_20, start=date(2023, 1, 1), end=date(2023, 12, 31)),
            start=1,
        )
    ]
    got = daily_sweeps(targets, span(date(2023, 1, 1), date(2023, 12, 31)))
    due_days = [day for day, kinds in got.items() if any(k.startswith("due@") for k in kinds)]
    # 19/3/2023 is a Sunday: that due reminder goes the Friday before.
    assert due_days == [
        date(2023, 3, 17),
        date(2023, 6, 19),
        date(2023, 9, 19),
        date(2023, 12, 19),
    ]
    for occurrence in targets:
        assert occurrence.due is not None
        suffix = "@" + occurrence.due.isoformat()
        kinds = [k for day_kinds in got.values() for k in day_kinds if k.endswith(suffix)]
        assert kinds[:5] == [
            name + suffix for name in ("before:14", "before:7", "before:3", "before:1", "due")
        ]
        assert all(k.startswith("overdue:") for k in kinds[5:])


# ---------------------------------------------------------------- the preview


def test_the_preview_is_the_sweeps_of_the_range_and_agrees_with_them() -> None:
    targets = [target(date(2023, 11, 20)), target(date(2023, 11, 28), key="a:2")]
    until = local(date(2023, 11, 21), 14)
    snoozes = {(OFFICER, "a:1"): until}
    planned = simulate(
        targets,
        recipients=RECIPIENTS,
        recorded=set(),
        snoozes=snoozes,
        hours=HOURS,
        start=date(2023, 11, 15),
        end=date(2023, 11, 24),
    )
    got = sorted((p.at, p.reminder.target.key, p.reminder.label) for p in planned)
    # a:1 stays quiet while snoozed, then comes back once; a:2 starts at its latest step.
    assert got == [
        (local(date(2023, 11, 15), 8), "a:2", "before:14"),
        (local(date(2023, 11, 17), 8), "a:2", "before:7"),
        (until, "a:1", "snoozed"),
        (local(date(2023, 11, 23), 8), "a:1", "overdue:3"),
        (local(date(2023, 11, 23), 8), "a:2", "before:3"),
    ]


# ---------------------------------------------------------------- escalation


def escalate(
    targets: Sequence[OpenTarget], now: datetime, ledger: set[LedgerKey]
) -> list[tuple[int, str, EscalationReason]]:
    candidates = escalation_candidates(
        targets, hours=HOURS, now=now, escalate_after=5, long_overdue=20
    )
    found, _ = plan_escalations(
        candidates, coordinators={1: [COORDINATOR]}, leaders=[LEADER], recorded=ledger
    )
    ledger.update((e.target.key, e.person_id, e.kind) for e in found)
    return [(e.person_id, e.target.key, e.reason) for e in found]


def test_a_target_five_working_days_overdue_reaches_the_hub_coordinator_once() -> None:
    ledger: set[LedgerKey] = set()
    late = [target(date(2023, 11, 20))]
    assert escalate(late, local(date(2023, 11, 24)), ledger) == []  # 4 working days
    assert escalate(late, local(date(2023, 11, 27)), ledger) == [
        (COORDINATOR, "a:1", EscalationReason.OVERDUE)
    ]
    assert escalate(late, local(date(2023, 11, 28)), ledger) == []


def test_a_blocked_target_reaches_the_coordinator_at_once_even_without_a_date() -> None:
    ledger: set[LedgerKey] = set()
    since = datetime(2023, 11, 20, 3, 0, tzinfo=UTC)
    blocked = [target(None, status=Status.BLOCKED, updated_at=since)]
    assert escalate(blocked, local(date(2023, 11, 20), 10), ledger) == [
        (COORDINATOR, "a:1", EscalationReason.BLOCKED)
    ]
    assert escalate(blocked, local(date(2023, 11, 20), 11), ledger) == []
    again = [target(None, status=Status.BLOCKED, updated_at=since + timedelta(days=3))]
    assert escalate(again, local(date(2023, 11, 23)), ledger) == [
        (COORDINATOR, "a:1", EscalationReason.BLOCKED)
    ]


def test_a_long_overdue_target_is_listed_for_leadership() -> None:
    ledger: set[LedgerKey] = set()
    found = escalate([target(date(2023, 10, 2))], local(date(2023, 11, 1)), ledger)
    assert (LEADER, "a:1", EscalationReason.LONG_OVERDUE) in found
    assert (COORDINATOR, "a:1", EscalationReason.OVERDUE) in found


def test_escalation_waits_for_office_hours() -> None:
    assert escalate([target(date(2023, 10, 2))], local(date(2023, 11, 4)), set()) == []


# ---------------------------------------------------------------- the policy


def test_a_plan_without_a_policy_uses_the_defaults() -> None:
    assert ReminderPolicy.from_json(None) == ReminderPolicy((14, 7, 3, 1), True, 3)
    assert ReminderPolicy.from_json({"overdue_every": 5}).before == (14, 7, 3, 1)
    assert ReminderPolicy.from_json(DEFAULT_POLICY.to_json()) == DEFAULT_POLICY


@pytest.mark.parametrize(
    "stored",
    [
        {"before": [7, 7]},
        {"before": "14,7"},
        {"before": [0]},
        {"before": [True]},
        {"overdue_every": -1},
        {"overdue_every": 500},
        {"on_due": "yes"},
        {"every": 3},
        ["before"],
    ],
)
def test_a_malformed_policy_is_refused_with_a_reason(stored: object) -> None:
    with pytest.raises(PolicyError):
        ReminderPolicy.from_json(stored)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    due=st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31)),
    offset=st.integers(min_value=-40, max_value=200),
    before=st.lists(st.integers(min_value=1, max_value=20), unique=True, max_size=4),
    on_due=st.booleans(),
    every=st.integers(min_value=0, max_value=7),
    informational=st.booleans(),
)
def test_the_next_step_day_is_the_first_day_of_the_series_after_today(
    due: date, offset: int, before: list[int], on_due: bool, every: int, informational: bool
) -> None:
    policy = ReminderPolicy(
        before=tuple(sorted(before, reverse=True)), on_due=on_due, overdue_every=every
    )
    today = due + timedelta(days=offset)
    through = today + timedelta(days=60)
    later = [
        step.day
        for step in series(due, policy, CALENDAR, through=through, informational=informational)
        if step.day > today
    ]
    expected = min(later, default=None)
    found = next_step_day(due, policy, CALENDAR, today=today, informational=informational)
    if expected is None:
        # The series ends, or its next step lies past the 60 days `series` was asked for.
        assert found is None or found > through
    else:
        assert found == expected
