from datetime import date

import pytest

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
