from datetime import date, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.recurrence import Cadence, Occurrence, Recurrence, month_end, occurrences

YEAR_2023 = {"start": date(2023, 1, 1), "end": date(2023, 12, 31)}


@pytest.mark.parametrize(
    ("rule", "due_dates"),
    [
        pytest.param(
            Recurrence(Cadence.QUARTERLY, before_day=20),
            [date(2023, 3, 19), date(2023, 6, 19), date(2023, 9, 19), date(2023, 12, 19)],
            id="hằng quý (trước ngày 20 của tháng cuối quý)",
        ),
        pytest.param(
            Recurrence(Cadence.QUARTERLY),
            [date(2023, 3, 31), date(2023, 6, 30), date(2023, 9, 30), date(2023, 12, 31)],
            id="hằng quý",
        ),
        pytest.param(
            Recurrence(Cadence.SIX_MONTHLY, before_day=19),
            [date(2023, 6, 18), date(2023, 12, 18)],
            id="6 tháng và cuối năm (trước ngày 19 của tháng)",
        ),
        pytest.param(
            Recurrence(Cadence.SIX_MONTHLY),
            [date(2023, 6, 30), date(2023, 12, 31)],
            id="6 tháng và cuối năm",
        ),
        pytest.param(Recurrence(Cadence.YEARLY), [date(2023, 12, 31)], id="hằng năm"),
        pytest.param(
            Recurrence(Cadence.YEARLY, month=2), [date(2023, 2, 28)], id="tháng 02 hàng năm"
        ),
        pytest.param(
            Recurrence(Cadence.YEARLY, quarter=4), [date(2023, 12, 31)], id="Quý IV hàng năm"
        ),
        pytest.param(
            Recurrence(Cadence.YEARLY, quarter=2, before_day=15),
            [date(2023, 6, 14)],
            id="yearly before the 15th of the last month of Q2",
        ),
        pytest.param(
            Recurrence(Cadence.MONTHLY, before_day=31),
            [date(2023, 2, 28) if month == 2 else date(2023, month, 30) for month in range(1, 13)],
            id="before the 31st is the day before it, or the whole of a shorter month",
        ),
    ],
)
def test_rule_is_due_on_the_documented_days_of_2023(
    rule: Recurrence, due_dates: list[date]
) -> None:
    assert [occurrence.due_date for occurrence in occurrences(rule, **YEAR_2023)] == due_dates


def test_monthly_rule_gives_one_occurrence_per_month_due_at_month_end() -> None:
    found = occurrences(Recurrence(Cadence.MONTHLY), **YEAR_2023)

    assert [occurrence.period_label for occurrence in found] == [
        f"2023-{month:02d}" for month in range(1, 13)
    ]
    assert [occurrence.due_date for occurrence in found] == [
        date(2023, 1, 31),
        date(2023, 2, 28),
        date(2023, 3, 31),
        date(2023, 4, 30),
        date(2023, 5, 31),
        date(2023, 6, 30),
        date(2023, 7, 31),
        date(2023, 8, 31),
        date(2023, 9, 30),
        date(2023, 10, 31),
        date(2023, 11, 30),
        date(2023, 12, 31),
    ]
    assert all(
        occurrence.period_start == occurrence.due_date.replace(day=1)
        and occurrence.period_end == occurrence.due_date
        for occurrence in found
    )


def test_monthly_rule_before_a_day_is_due_the_day_before_in_each_month() -> None:
    found = occurrences(Recurrence(Cadence.MONTHLY, before_day=15), **YEAR_2023)

    assert [occurrence.due_date for occurrence in found] == [
        date(2023, month, 14) for month in range(1, 13)
    ]


def test_february_end_follows_leap_years() -> None:
    found = occurrences(
        Recurrence(Cadence.YEARLY, month=2), start=date(2024, 1, 1), end=date(2024, 12, 31)
    )

    assert [occurrence.due_date for occurrence in found] == [date(2024, 2, 29)]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            Recurrence(Cadence.QUARTERLY, before_day=20),
            Occurrence("2023-Q1", date(2023, 1, 1), date(2023, 3, 31), date(2023, 3, 19)),
        ),
        (
            Recurrence(Cadence.SIX_MONTHLY, before_day=19),
            Occurrence("2023-H1", date(2023, 1, 1), date(2023, 6, 30), date(2023, 6, 18)),
        ),
        (
            Recurrence(Cadence.YEARLY, month=2),
            Occurrence("2023", date(2023, 1, 1), date(2023, 12, 31), date(2023, 2, 28)),
        ),
        (
            Recurrence(Cadence.MONTHLY),
            Occurrence("2023-01", date(2023, 1, 1), date(2023, 1, 31), date(2023, 1, 31)),
        ),
    ],
)
def test_occurrence_carries_a_stable_period_label_and_bounds(
    rule: Recurrence, expected: Occurrence
) -> None:
    assert occurrences(rule, **YEAR_2023)[0] == expected


def test_occurrences_keep_only_due_dates_inside_the_window_across_years() -> None:
    found = occurrences(
        Recurrence(Cadence.QUARTERLY, before_day=20),
        start=date(2022, 9, 19),
        end=date(2023, 3, 19),
    )

    assert [occurrence.period_label for occurrence in found] == ["2022-Q3", "2022-Q4", "2023-Q1"]


def test_a_due_date_on_new_years_eve_from_the_next_years_period_is_found() -> None:
    found = occurrences(
        Recurrence(Cadence.MONTHLY, before_day=1), start=date(2023, 12, 31), end=date(2023, 12, 31)
    )

    assert [(o.period_label, o.due_date) for o in found] == [("2024-01", date(2023, 12, 31))]


def test_an_empty_or_reversed_window_has_no_occurrences() -> None:
    rule = Recurrence(Cadence.MONTHLY)

    assert occurrences(rule, start=date(2023, 6, 1), end=date(2023, 6, 29)) == []
    assert occurrences(rule, start=date(2023, 12, 31), end=date(2023, 1, 1)) == []


@pytest.mark.parametrize(
    ("rule", "description"),
    [
        (
            Recurrence(Cadence.QUARTERLY, before_day=20),
            "quarterly, before day 20 of the last month of the quarter",
        ),
        (Recurrence(Cadence.QUARTERLY), "quarterly, at the end of the last month of the quarter"),
        (Recurrence(Cadence.MONTHLY), "monthly, at the end of the month"),
        (Recurrence(Cadence.MONTHLY, before_day=5), "monthly, before day 5 of the month"),
        (
            Recurrence(Cadence.SIX_MONTHLY, before_day=19),
            "six-monthly (June and December), before day 19 of the month",
        ),
        (Recurrence(Cadence.YEARLY), "yearly, at the end of the year"),
        (Recurrence(Cadence.YEARLY, month=2), "yearly, at the end of February"),
        (Recurrence(Cadence.YEARLY, quarter=4), "yearly, at the end of quarter 4"),
        (Recurrence(Cadence.YEARLY, before_day=10), "yearly, before day 10 of December"),
    ],
)
def test_describe_says_the_rule_in_short_stable_english(
    rule: Recurrence, description: str
) -> None:
    assert rule.describe() == description


@pytest.mark.parametrize(
    "arguments",
    [
        {"cadence": Cadence.MONTHLY, "month": 2},
        {"cadence": Cadence.QUARTERLY, "quarter": 1},
        {"cadence": Cadence.YEARLY, "month": 2, "quarter": 1},
        {"cadence": Cadence.YEARLY, "month": 13},
        {"cadence": Cadence.YEARLY, "quarter": 5},
        {"cadence": Cadence.MONTHLY, "before_day": 0},
        {"cadence": Cadence.MONTHLY, "before_day": 32},
    ],
)
def test_an_impossible_rule_is_refused(arguments: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Recurrence(**arguments)  # type: ignore[arg-type]


def test_cadence_is_stored_as_its_value() -> None:
    assert [cadence.value for cadence in Cadence] == [
        "monthly",
        "quarterly",
        "six-monthly",
        "yearly",
        "weekly",
    ]


def test_month_end_is_the_last_calendar_day_of_the_month() -> None:
    assert [month_end(2023, 2), month_end(2024, 2), month_end(2023, 4), month_end(2023, 12)] == [
        date(2023, 2, 28),
        date(2024, 2, 29),
        date(2023, 4, 30),
        date(2023, 12, 31),
    ]


# --- weekly rules and rules due after their period --------------------------------------------

FRIDAY_BY_4PM = Recurrence(Cadence.WEEKLY, weekday=4, due_time=time(16))


def test_weekly_rule_is_due_on_its_weekday_of_each_iso_week_across_the_year_end() -> None:
    found = occurrences(FRIDAY_BY_4PM, start=date(2025, 12, 22), end=date(2026, 1, 11))

    assert found == [
        Occurrence("2025-W52", date(2025, 12, 22), date(2025, 12, 28), date(2025, 12, 26)),
        Occurrence("2026-W01", date(2025, 12, 29), date(2026, 1, 4), date(2026, 1, 2)),
        Occurrence("2026-W02", date(2026, 1, 5), date(2026, 1, 11), date(2026, 1, 9)),
    ]


def test_weekly_window_keeps_only_the_due_days_inside_it() -> None:
    sunday = Recurrence(Cadence.WEEKLY, weekday=6)

    assert occurrences(FRIDAY_BY_4PM, start=date(2026, 1, 3), end=date(2026, 1, 8)) == []
    assert [
        o.due_date for o in occurrences(sunday, start=date(2026, 1, 4), end=date(2026, 1, 4))
    ] == [date(2026, 1, 4)]


@pytest.mark.parametrize(
    ("rule", "start", "end", "expected"),
    [
        pytest.param(
            Recurrence(Cadence.MONTHLY, before_day=5, after_period=True),
            date(2025, 12, 1),
            date(2026, 2, 28),
            [
                ("2025-11", date(2025, 12, 4)),
                ("2025-12", date(2026, 1, 4)),
                ("2026-01", date(2026, 2, 4)),
            ],
            id="trước ngày 05 của tháng liền kề",
        ),
        pytest.param(
            Recurrence(Cadence.QUARTERLY, before_day=10, after_period=True),
            date(2025, 10, 1),
            date(2026, 4, 30),
            [
                ("2025-Q3", date(2025, 10, 9)),
                ("2025-Q4", date(2026, 1, 9)),
                ("2026-Q1", date(2026, 4, 9)),
            ],
            id="trước ngày 10 của tháng đầu quý sau",
        ),
        pytest.param(
            Recurrence(Cadence.SIX_MONTHLY, after_period=True),
            date(2025, 7, 1),
            date(2026, 1, 31),
            [("2025-H1", date(2025, 7, 31)), ("2025-H2", date(2026, 1, 31))],
            id="six-monthly, by the end of the month after",
        ),
        pytest.param(
            Recurrence(Cadence.YEARLY, month=1, before_day=31, after_period=True),
            date(2026, 1, 1),
            date(2027, 12, 31),
            [("2025", date(2026, 1, 30)), ("2026", date(2027, 1, 30))],
            id="trước ngày 31/01 năm liền kề",
        ),
        pytest.param(
            Recurrence(Cadence.YEARLY, quarter=1, after_period=True),
            date(2026, 1, 1),
            date(2026, 12, 31),
            [("2025", date(2026, 3, 31))],
            id="by the end of the first quarter of the next year",
        ),
        pytest.param(
            Recurrence(Cadence.YEARLY, month=12, before_day=15),
            date(2025, 6, 1),
            date(2026, 12, 31),
            [("2025", date(2025, 12, 14)), ("2026", date(2026, 12, 14))],
            id="trước ngày 15/12 hằng năm",
        ),
        pytest.param(
            Recurrence(Cadence.YEARLY, month=2, before_day=1),
            date(2025, 1, 1),
            date(2026, 12, 31),
            [("2025", date(2025, 1, 31)), ("2026", date(2026, 1, 31))],
            id="trước tháng 02 hằng năm",
        ),
    ],
)
def test_rules_due_after_their_period_fall_in_the_next_month_or_year(
    rule: Recurrence, start: date, end: date, expected: list[tuple[str, date]]
) -> None:
    found = occurrences(rule, start=start, end=end)

    assert [(o.period_label, o.due_date) for o in found] == expected
    assert all(o.period_end < o.due_date for o in found if rule.after_period)


def test_a_yearly_rule_due_the_next_year_reports_on_the_whole_previous_year() -> None:
    rule = Recurrence(Cadence.YEARLY, month=1, before_day=31, after_period=True)

    assert occurrences(rule, start=date(2026, 1, 1), end=date(2026, 12, 31)) == [
        Occurrence("2025", date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 30))
    ]


@pytest.mark.parametrize(
    ("rule", "description"),
    [
        (FRIDAY_BY_4PM, "weekly, on Friday by 16:00"),
        (Recurrence(Cadence.WEEKLY, weekday=0), "weekly, on Monday"),
        (
            Recurrence(Cadence.MONTHLY, before_day=5, after_period=True),
            "monthly, before day 5 of the following month",
        ),
        (
            Recurrence(Cadence.QUARTERLY, before_day=10, after_period=True),
            "quarterly, before day 10 of the month after the quarter",
        ),
        (
            Recurrence(Cadence.YEARLY, month=1, before_day=31, after_period=True),
            "yearly, before day 31 of January of the following year",
        ),
        (
            Recurrence(Cadence.YEARLY, quarter=1, after_period=True),
            "yearly, at the end of quarter 1 of the following year",
        ),
    ],
)
def test_describe_says_the_new_rules_in_short_stable_english(
    rule: Recurrence, description: str
) -> None:
    assert rule.describe() == description


@pytest.mark.parametrize(
    "arguments",
    [
        {"cadence": Cadence.WEEKLY},
        {"cadence": Cadence.WEEKLY, "weekday": 7},
        {"cadence": Cadence.WEEKLY, "weekday": -1},
        {"cadence": Cadence.WEEKLY, "weekday": 4, "before_day": 5},
        {"cadence": Cadence.WEEKLY, "weekday": 4, "after_period": True},
        {"cadence": Cadence.WEEKLY, "weekday": 4, "month": 2},
        {"cadence": Cadence.MONTHLY, "weekday": 4},
        {"cadence": Cadence.MONTHLY, "due_time": time(16)},
        {"cadence": Cadence.YEARLY, "after_period": True},
    ],
)
def test_an_impossible_new_rule_is_refused(arguments: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Recurrence(**arguments)  # type: ignore[arg-type]


@settings(deadline=None)
@given(
    weekday=st.integers(min_value=0, max_value=6),
    at=st.none() | st.times(),
    start=st.dates(date(1990, 1, 1), date(2090, 12, 31)),
    days=st.integers(min_value=0, max_value=800),
)
def test_a_weekly_occurrence_always_falls_on_its_weekday_inside_its_week(
    weekday: int, at: time | None, start: date, days: int
) -> None:
    end = start + timedelta(days=days)

    found = occurrences(
        Recurrence(Cadence.WEEKLY, weekday=weekday, due_time=at), start=start, end=end
    )

    assert all(o.due_date.weekday() == weekday for o in found)
    assert all(start <= o.due_date <= end for o in found)
    assert all(o.period_start <= o.due_date <= o.period_end for o in found)
    assert all(o.period_start.weekday() == 0 for o in found)
    assert all((b.due_date - a.due_date).days == 7 for a, b in pairwise(found))
    assert len(found) in (days // 7, days // 7 + 1)


CADENCES_WITH_DAY_RULES = st.builds(
    Recurrence,
    cadence=st.sampled_from([Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.SIX_MONTHLY]),
    before_day=st.none() | st.integers(min_value=1, max_value=31),
    after_period=st.booleans(),
) | st.builds(
    Recurrence,
    cadence=st.just(Cadence.YEARLY),
    month=st.integers(min_value=1, max_value=12),
    before_day=st.none() | st.integers(min_value=1, max_value=31),
    after_period=st.booleans(),
)


@settings(deadline=None)
@given(
    rule=CADENCES_WITH_DAY_RULES,
    start=st.dates(date(1990, 1, 1), date(2090, 12, 31)),
    days=st.integers(min_value=0, max_value=1500),
)
def test_occurrences_are_unique_in_order_and_inside_the_window(
    rule: Recurrence, start: date, days: int
) -> None:
    end = start + timedelta(days=days)

    found = occurrences(rule, start=start, end=end)

    labels = [o.period_label for o in found]
    assert len(labels) == len(set(labels))
    assert all(start <= o.due_date <= end for o in found)
    assert [o.due_date for o in found] == sorted(o.due_date for o in found)
    if rule.after_period:
        # "trước ngày 1" of the month after is the period's own last day.
        assert all(o.period_end <= o.due_date for o in found)
    else:
        assert all(o.due_date <= o.period_end for o in found)
