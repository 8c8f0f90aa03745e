from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import DayOrigin, WorkCalendar
from domain.official_calendar import (
    OfficialDay,
    OfficialSource,
    has_official_schedule,
    official_days,
    parse_official_calendar,
    unannounced_coming_year,
)

CALENDAR = WorkCalendar()
LABOUR_MINISTRY = "Bộ Lao động – Thương binh và Xã hội"
NEW_YEAR_2026 = "official: Công văn 12729/VPCP-KGVX ngày 25/12/2025 (Văn phòng Chính phủ)"


def _exceptions(year: int) -> tuple[list[date], list[date]]:
    """The weekdays off and the weekend days worked in `year` by a Monday-Friday agency."""
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
    weekdays_off = [d for d in days if d.weekday() < 5 and not CALENDAR.is_working_day(d)]
    weekends_worked = [d for d in days if d.weekday() >= 5 and CALENDAR.is_working_day(d)]
    return weekdays_off, weekends_worked


def _days(year: int, *month_days: tuple[int, int]) -> list[date]:
    return [date(year, month, day) for month, day in month_days]


def test_2024_follows_thong_bao_5015_and_the_april_swap_of_thong_bao_1570() -> None:
    weekdays_off, weekends_worked = _exceptions(2024)

    assert weekdays_off == _days(
        2024,
        (1, 1),  # Tết Dương lịch (package: no announcement needed)
        *[(2, d) for d in (8, 9, 12, 13, 14)],  # Tết: 29 tháng Chạp to mùng 5
        (4, 18),  # Giỗ Tổ Hùng Vương (package)
        (4, 29),  # swapped for Saturday 4/5
        (4, 30),
        (5, 1),
        (9, 2),  # Quốc khánh and the day after it
        (9, 3),
    )
    assert weekends_worked == [date(2024, 5, 4)]
    assert CALENDAR.is_working_day(date(2024, 2, 15))


def test_2025_follows_thong_bao_6150() -> None:
    weekdays_off, weekends_worked = _exceptions(2025)

    assert weekdays_off == _days(
        2025,
        (1, 1),
        *[(1, d) for d in range(27, 32)],  # Tết: 28 tháng Chạp to mùng 3
        (4, 7),  # Giỗ Tổ Hùng Vương (package)
        (4, 30),
        (5, 1),
        (5, 2),  # swapped for Saturday 26/4
        (9, 1),  # the day before Quốc khánh
        (9, 2),
    )
    assert weekends_worked == [date(2025, 4, 26)]


def test_2026_follows_cong_van_12729_and_thong_bao_9441() -> None:
    weekdays_off, weekends_worked = _exceptions(2026)

    assert weekdays_off == _days(
        2026,
        (1, 1),
        (1, 2),  # swapped for Saturday 10/1, which the package misses
        *[(2, d) for d in range(16, 21)],  # Tết: 29 tháng Chạp to mùng 4
        (4, 27),  # Giỗ Tổ fell on Sunday 26/4 (package: nghỉ bù)
        (4, 30),
        (5, 1),
        (8, 31),  # swapped for Saturday 22/8
        (9, 1),  # the day before Quốc khánh
        (9, 2),
    )
    assert weekends_worked == [date(2026, 1, 10), date(2026, 8, 22)]
    assert CALENDAR.is_working_day(date(2026, 2, 23))  # back to work after mùng 6


def test_2026_counts_culture_day_as_a_working_day_until_the_labour_code_lists_it() -> None:
    culture_day = date(2026, 11, 24)

    assert CALENDAR.is_working_day(culture_day)
    assert CALENDAR.holiday_name(culture_day) is None
    assert not WorkCalendar(extra_days_off=[culture_day]).is_working_day(culture_day)


def test_2027_has_no_official_schedule_yet_and_falls_back_to_the_package() -> None:
    schedule = CALENDAR.year_schedule(2027)

    assert not has_official_schedule(2027)
    assert {entry.origin for entry in schedule} == {DayOrigin.PACKAGE}
    assert {date(2027, 1, 1), date(2027, 4, 30), date(2027, 9, 2)} <= {
        entry.day for entry in schedule if not entry.works
    }
    assert not CALENDAR.is_working_day(date(2027, 2, 8))  # mùng 3 Tết Đinh Mùi, a Monday


@pytest.mark.parametrize(
    "official", sorted(official_days().values(), key=lambda o: o.day), ids=lambda o: str(o.day)
)
def test_every_shipped_official_day_decides_the_default_calendar(official: OfficialDay) -> None:
    assert CALENDAR.is_working_day(official.day) is official.works
    assert CALENDAR.holiday_name(official.day) == (None if official.works else official.name)


def test_each_announced_swap_pairs_a_day_off_with_a_make_up_day() -> None:
    by_document: dict[str, list[OfficialDay]] = {}
    for official in official_days().values():
        by_document.setdefault(official.source.document, []).append(official)

    for document, rows in by_document.items():
        swapped_off = [r for r in rows if r.name.startswith("Ngày nghỉ hoán đổi")]
        made_up = [r for r in rows if r.name.startswith("Ngày làm bù")]
        assert len(swapped_off) == len(made_up), document
        assert all(r.day.weekday() >= 5 for r in made_up), document


def test_the_shipped_table_names_a_source_for_every_day() -> None:
    for official in official_days().values():
        assert official.source.url.startswith(("http://", "https://"))
        assert official.source.issued < official.day


@pytest.mark.parametrize(
    ("day", "works", "source"),
    [
        (
            date(2025, 5, 2),
            False,
            f"official: Thông báo 6150/TB-BLĐTBXH ngày 03/12/2024 ({LABOUR_MINISTRY})",
        ),
        (
            date(2026, 1, 2),
            False,
            "official: Công văn 12729/VPCP-KGVX ngày 25/12/2025 (Văn phòng Chính phủ)",
        ),
        (
            date(2026, 1, 10),
            True,
            "official: Công văn 12729/VPCP-KGVX ngày 25/12/2025 (Văn phòng Chính phủ)",
        ),
        (date(2026, 9, 1), False, "official: Thông báo 9441/TB-BNV ngày 16/10/2025 (Bộ Nội vụ)"),
        (date(2025, 4, 7), False, "holidays package"),
        (date(2026, 4, 27), False, "holidays package"),
    ],
)
def test_the_year_schedule_says_where_each_day_comes_from(
    day: date, works: bool, source: str
) -> None:
    entry = {e.day: e for e in CALENDAR.year_schedule(day.year)}[day]

    assert (entry.works, entry.source) == (works, source)


def test_settings_override_the_official_table() -> None:
    calendar = WorkCalendar(
        extra_days_off=[date(2026, 1, 10)], extra_working_days=[date(2026, 1, 2)]
    )
    entries = {e.day: e for e in calendar.year_schedule(2026)}

    assert not calendar.is_working_day(date(2026, 1, 10))
    assert calendar.is_working_day(date(2026, 1, 2))
    assert entries[date(2026, 1, 10)].source == "setting"
    assert (entries[date(2026, 1, 2)].works, entries[date(2026, 1, 2)].source) == (True, "setting")


def test_an_injected_official_table_overrides_the_package() -> None:
    source = OfficialSource("Thông báo 1/TB-X", date(2023, 1, 2), "Bộ X", "https://example.org/1")
    table = {
        date(2023, 3, 10): OfficialDay(date(2023, 3, 10), False, "Ngày nghỉ hoán đổi", source),
        date(2023, 5, 3): OfficialDay(date(2023, 5, 3), True, "Ngày làm việc", source),
    }
    calendar = WorkCalendar(official=table)

    assert not calendar.is_working_day(date(2023, 3, 10))
    assert calendar.holiday_name(date(2023, 3, 10)) == "Ngày nghỉ hoán đổi"
    assert calendar.is_working_day(date(2023, 5, 3))  # the package's nghỉ bù of 30/4/2023
    assert not CALENDAR.is_working_day(date(2023, 5, 3))


@settings(deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)))
def test_the_year_schedule_lists_exactly_the_days_that_break_the_working_week(day: date) -> None:
    listed = {e.day: e for e in CALENDAR.year_schedule(day.year)}

    if day in listed:
        assert CALENDAR.is_working_day(day) is listed[day].works
    else:
        assert CALENDAR.is_working_day(day) is (day.weekday() < 5)


@pytest.mark.parametrize(
    ("year", "announced"), [(2023, False), (2024, True), (2025, True), (2026, True), (2027, False)]
)
def test_has_official_schedule_tells_which_years_the_table_covers(
    year: int, announced: bool
) -> None:
    assert has_official_schedule(year) is announced


@pytest.mark.parametrize(
    ("today", "missing"),
    [
        (date(2026, 10, 31), None),  # too early to worry
        (date(2026, 11, 1), 2027),
        (date(2026, 12, 31), 2027),
        (date(2025, 11, 1), None),  # 2026 is in the table
        (date(2027, 3, 1), None),
    ],
)
def test_a_missing_schedule_for_the_coming_year_is_reported_from_november(
    today: date, missing: int | None
) -> None:
    assert unannounced_coming_year(today=today) == missing


HEADER = "date,status,name,document,issued,issuer,url,note\n"
GOOD = "2026-01-02,off,Ngày nghỉ,Công văn 1/VPCP,2025-12-25,Văn phòng Chính phủ,https://x.vn,\n"


def test_parse_official_calendar_reads_a_row() -> None:
    days = parse_official_calendar(HEADER + GOOD)

    assert days[date(2026, 1, 2)].works is False
    assert days[date(2026, 1, 2)].source.label == (
        "official: Công văn 1/VPCP ngày 25/12/2025 (Văn phòng Chính phủ)"
    )
    assert has_official_schedule(2026, days) and not has_official_schedule(2025, days)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,status,name\n", "columns"),
        (HEADER + GOOD.replace(",off,", ",nghỉ,"), "line 2: status"),
        (HEADER + GOOD.replace("2026-01-02", "02/01/2026"), "line 2: dates"),
        (HEADER + GOOD.replace("Ngày nghỉ", ""), "line 2: the name column is empty"),
        (HEADER + GOOD.replace("https://x.vn", ""), "line 2: the url column is empty"),
        (HEADER + GOOD + GOOD, "line 3: 2026-01-02 is listed twice"),
        (HEADER + GOOD.replace("2025-12-25", "2026-01-05"), "line 2: 2026-01-02 predates"),
    ],
)
def test_parse_official_calendar_names_the_bad_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_official_calendar(text)
