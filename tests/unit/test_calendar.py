from datetime import date, timedelta

import pytest

from domain.calendar import EXTRA_DAY_OFF_NAME, WorkCalendar, parse_weekdays

CALENDAR = WorkCalendar()

# Every date below comes from the `holidays` package's Vietnamese calendar (country "VN"),
# except the extras each test configures itself.
TET_2023 = [date(2023, 1, day) for day in range(20, 27)]


def test_lunar_new_year_2023_is_off_from_the_20th_to_the_26th_of_january() -> None:
    assert [day for day in TET_2023 if CALENDAR.is_working_day(day)] == []
    assert CALENDAR.is_working_day(date(2023, 1, 19))
    assert CALENDAR.is_working_day(date(2023, 1, 27))
    assert CALENDAR.holiday_name(date(2023, 1, 22)) == "Tết Nguyên Đán"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2023, 1, 1), "Tết Dương lịch"),
        (date(2023, 4, 29), "Ngày Giỗ Tổ Hùng Vương"),
        (date(2023, 4, 30), "Ngày Chiến thắng"),
        (date(2023, 5, 1), "Ngày Quốc tế Lao động"),
        (date(2023, 9, 2), "Quốc khánh"),
        (date(2024, 4, 18), "Ngày Giỗ Tổ Hùng Vương"),
    ],
)
def test_public_holidays_have_their_vietnamese_names(day: date, name: str) -> None:
    assert CALENDAR.holiday_name(day) == name


@pytest.mark.parametrize(
    "day",
    [
        date(2023, 1, 2),  # Tết Dương lịch fell on a Sunday
        date(2023, 5, 2),  # Giỗ Tổ Hùng Vương fell on a Saturday
        date(2023, 5, 3),  # 30/4 fell on a Sunday
        date(2023, 9, 4),  # 2/9 fell on a Saturday
    ],
)
def test_a_weekday_given_in_lieu_of_a_weekend_holiday_is_not_worked(day: date) -> None:
    assert day.weekday() < 5
    assert not CALENDAR.is_working_day(day)
    assert CALENDAR.holiday_name(day) is not None


def test_a_saturday_swapped_into_a_working_day_by_the_government_is_worked() -> None:
    # 2024: Monday 29/4 was given off in exchange for working Saturday 4/5.
    assert not CALENDAR.is_working_day(date(2024, 4, 29))
    assert CALENDAR.is_working_day(date(2024, 5, 4))


def test_an_ordinary_week_is_monday_to_friday() -> None:
    week = [date(2023, 3, 6) + timedelta(days=i) for i in range(7)]

    assert [CALENDAR.is_working_day(day) for day in week] == [True] * 5 + [False] * 2
    assert CALENDAR.holiday_name(date(2023, 3, 6)) is None


def test_configured_make_up_saturday_is_a_working_day() -> None:
    saturday = date(2023, 3, 11)
    calendar = WorkCalendar(extra_working_days=[saturday])

    assert calendar.is_working_day(saturday)
    assert not CALENDAR.is_working_day(saturday)


def test_configured_bridge_day_is_off_and_named() -> None:
    friday = date(2023, 3, 10)
    calendar = WorkCalendar(extra_days_off=[friday])

    assert not calendar.is_working_day(friday)
    assert calendar.holiday_name(friday) == EXTRA_DAY_OFF_NAME
    assert CALENDAR.holiday_name(friday) is None


def test_configured_working_day_overrides_a_public_holiday() -> None:
    calendar = WorkCalendar(extra_working_days=[date(2023, 5, 3)])

    assert calendar.is_working_day(date(2023, 5, 3))


def test_a_six_day_week_works_on_saturdays_but_not_on_holidays() -> None:
    calendar = WorkCalendar(working_weekdays=parse_weekdays("T2-T7"))

    assert calendar.is_working_day(date(2023, 3, 11))
    assert not calendar.is_working_day(date(2023, 3, 12))
    assert not calendar.is_working_day(date(2023, 9, 2))


def test_a_day_cannot_be_both_off_and_working() -> None:
    with pytest.raises(ValueError, match="2023-03-10"):
        WorkCalendar(extra_days_off=[date(2023, 3, 10)], extra_working_days=[date(2023, 3, 10)])


@pytest.mark.parametrize("weekdays", [frozenset(), frozenset({7}), frozenset({-1, 0})])
def test_a_calendar_needs_real_working_weekdays(weekdays: frozenset[int]) -> None:
    with pytest.raises(ValueError):
        WorkCalendar(working_weekdays=weekdays)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2023, 3, 6), 0, date(2023, 3, 6)),  # a working Monday stays put
        (date(2023, 3, 11), 0, date(2023, 3, 13)),  # Saturday rolls to Monday
        (date(2023, 3, 10), 1, date(2023, 3, 13)),  # Friday + 1 skips the weekend
        (date(2023, 3, 6), 5, date(2023, 3, 13)),
        (date(2023, 3, 13), -1, date(2023, 3, 10)),
        (date(2023, 3, 11), -1, date(2023, 3, 10)),
        (date(2023, 1, 19), 1, date(2023, 1, 27)),  # across Tết 2023
        (date(2023, 1, 27), -1, date(2023, 1, 19)),
        (date(2023, 4, 28), 1, date(2023, 5, 4)),  # across 29/4-3/5/2023
        (date(2023, 12, 29), 1, date(2024, 1, 2)),  # across New Year
    ],
)
def test_adding_working_days_skips_weekends_and_holidays(
    start: date, n: int, expected: date
) -> None:
    assert CALENDAR.add_working_days(start, n) == expected


def test_next_and_previous_working_day_are_strictly_after_and_before() -> None:
    monday = date(2023, 3, 6)

    assert CALENDAR.next_working_day(monday) == date(2023, 3, 7)
    assert CALENDAR.previous_working_day(monday) == date(2023, 3, 3)
    assert CALENDAR.next_working_day(date(2023, 1, 19)) == date(2023, 1, 27)
    assert CALENDAR.previous_working_day(date(2023, 1, 2)) == date(2022, 12, 30)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2023, 3, 6), date(2023, 3, 6), 0),
        (date(2023, 3, 6), date(2023, 3, 7), 1),
        (date(2023, 3, 3), date(2023, 3, 6), 1),  # Friday to Monday
        (date(2023, 3, 6), date(2023, 3, 13), 5),
        (date(2023, 3, 13), date(2023, 3, 6), -5),
        (date(2023, 1, 19), date(2023, 1, 27), 1),  # Tết in between
        (date(2022, 12, 30), date(2023, 1, 3), 1),  # 2/1/2023 was given in lieu
    ],
)
def test_working_days_between_counts_the_half_open_interval(
    start: date, end: date, count: int
) -> None:
    assert CALENDAR.working_days_between(start, end) == count


def test_working_days_between_agrees_with_stepping_over_several_years() -> None:
    start, end = date(2021, 11, 3), date(2025, 2, 14)
    stepped, day = 0, start
    while day < end:
        day += timedelta(days=1)
        stepped += CALENDAR.is_working_day(day)

    assert CALENDAR.working_days_between(start, end) == stepped
    assert CALENDAR.add_working_days(start, stepped) == CALENDAR.previous_working_day(
        end + timedelta(days=1)
    )


@pytest.mark.parametrize(
    ("text", "weekdays"),
    [
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        ("Mon-Sat", {0, 1, 2, 3, 4, 5}),
        ("Mon,Tue,Thu", {0, 1, 3}),
        ("mon, tue ,thu", {0, 1, 3}),
        ("Monday - Friday", {0, 1, 2, 3, 4}),
        ("T2-T6", {0, 1, 2, 3, 4}),
        ("T2-T7", {0, 1, 2, 3, 4, 5}),
        ("Thứ 2 - Thứ 7", {0, 1, 2, 3, 4, 5}),
        ("thu 2 den thu 6", {0, 1, 2, 3, 4}),
        ("Thứ Hai đến Thứ Sáu", {0, 1, 2, 3, 4}),
        ("T2, T4, T6", {0, 2, 4}),
        ("T7, CN", {5, 6}),
        ("Chủ nhật", {6}),
        ("Fri-Mon", {4, 5, 6, 0}),
        ("Thu", {3}),
    ],
)
def test_parse_weekdays_reads_english_and_vietnamese_day_names(
    text: str, weekdays: set[int]
) -> None:
    assert parse_weekdays(text) == frozenset(weekdays)


@pytest.mark.parametrize(
    "text", ["", "   ", "Mon-", "Funday", "T8", "T1", "Mon-Tue-Wed", "Mon,,Tue"]
)
def test_parse_weekdays_refuses_bad_input_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match=r"weekday|Mon-Fri"):
        parse_weekdays(text)
