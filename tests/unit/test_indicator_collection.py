"""Which checkpoint is collected when, how a figure stands, and what an overview counts."""

from datetime import date
from decimal import Decimal

import pytest

from domain.calendar import WorkCalendar
from domain.indicators.checkpoints import Verdict, checkpoints
from domain.indicators.collection import (
    Collection,
    Figure,
    IndicatorLine,
    IndicatorOverview,
    MissingAgency,
    by_severity,
    indicator_of,
    indicator_target,
    open_checkpoint,
    parse_cadence,
    parse_checkpoint_name,
    parse_margin,
    reminder_checkpoint,
    shown_checkpoint,
    standing,
)
from domain.indicators.model import Accumulation, IndicatorRule
from domain.indicators.quantities import parse_unit
from domain.indicators.targets import Direction, parse_target
from domain.recurrence import Cadence

QUARTERS = checkpoints(2023, calendar=WorkCalendar())


@pytest.mark.parametrize(
    ("on", "months"),
    [
        (date(2023, 2, 28), None),
        (date(2023, 3, 1), 3),
        (date(2023, 5, 31), 3),  # a late Quý I figure is still for Quý I
        (date(2023, 6, 1), 6),
        (date(2023, 6, 30), 6),
        (date(2023, 11, 30), 9),
        (date(2023, 12, 1), 12),
        (date(2024, 3, 1), 12),
    ],
)
def test_a_checkpoint_is_open_from_the_first_day_of_its_last_month(
    on: date, months: int | None
) -> None:
    found = open_checkpoint(QUARTERS, on=on)
    assert (found.months if found else None) == months


def test_before_the_first_checkpoint_opens_the_first_one_is_shown() -> None:
    shown = shown_checkpoint(QUARTERS, on=date(2023, 1, 10))
    assert shown is not None and shown.key == "2023-03M"


@pytest.mark.parametrize(
    ("through", "months"),
    [(date(2023, 3, 19), None), (date(2023, 3, 20), 3), (date(2023, 7, 5), 6)],
)
def test_reminders_are_about_the_latest_checkpoint_due_by_the_day_they_reach(
    through: date, months: int | None
) -> None:
    found = reminder_checkpoint(QUARTERS, through=through)
    assert (found.months if found else None) == months


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-Q2", (2023, 6)),
        ("2023-q1", (2023, 3)),
        ("Q3/2023", (2023, 9)),
        ("2023-Q4", (2023, 12)),
        ("2023-H1", (2023, 6)),
        ("2023-H2", (2023, 12)),
        ("2023-06M", (2023, 6)),
        ("2023-6", (2023, 6)),
        ("2023", (2023, 12)),
        ("2023-13", None),
        ("2023-H3", None),
        ("Q5/2023", None),
        ("quý hai", None),
        ("", None),
    ],
)
def test_checkpoint_names_on_the_command_line(text: str, expected: tuple[int, int] | None) -> None:
    assert parse_checkpoint_name(text) == expected


@pytest.mark.parametrize(
    ("text", "cadence"),
    [
        ("quarterly", Cadence.QUARTERLY),
        ("hằng quý", Cadence.QUARTERLY),
        ("Hàng tháng", Cadence.MONTHLY),
        ("6 tháng", Cadence.SIX_MONTHLY),
        ("hàng năm", Cadence.YEARLY),
        ("tuần", None),
    ],
)
def test_cadence_words(text: str, cadence: Cadence | None) -> None:
    assert parse_cadence(text) == cadence


@pytest.mark.parametrize(
    ("text", "margin"),
    [
        ("0.05", "0.05"),
        ("5%", "0.05"),
        ("10", "0.1"),
        ("7,5%", "0.075"),
        ("150%", None),
        ("x", None),
    ],
)
def test_margins_as_shares_or_percentages(text: str, margin: str | None) -> None:
    assert parse_margin(text) == (None if margin is None else Decimal(margin))


def test_stored_settings_out_of_range_fall_back_to_the_defaults() -> None:
    assert Collection.of(cadence="weekly", report_day=40, margin=Decimal(2)) == Collection()
    assert Collection.of(cadence="monthly", report_day=15, margin=Decimal("0.1")) == Collection(
        Cadence.MONTHLY, 15, Decimal("0.1")
    )


def test_indicator_targets_round_trip_and_refuse_other_targets() -> None:
    assert indicator_of(indicator_target(57)) == 57
    assert indicator_of("a:57") is None
    assert indicator_of("i:x") is None


VISITORS = IndicatorRule(
    target=parse_target("7.300"),
    direction=Direction.HIGHER,
    accumulation=Accumulation.CUMULATIVE,
    unit=parse_unit("1.000 lượt"),
)
Q2 = QUARTERS[1]


@pytest.mark.parametrize(
    ("value", "today", "verdict", "late"),
    [
        ("3700", date(2023, 6, 25), Verdict.MET, False),  # half the year: 3.650 pro rata
        ("3500", date(2023, 6, 25), Verdict.NEAR, False),
        ("3000", date(2023, 6, 25), Verdict.MISSED, False),
        (None, date(2023, 6, 15), Verdict.NOT_REPORTED, False),
        (None, date(2023, 6, 21), Verdict.NOT_REPORTED, True),
    ],
)
def test_a_cumulative_figure_is_judged_pro_rata_and_a_missing_one_is_late_after_its_day(
    value: str | None, today: date, verdict: Verdict, late: bool
) -> None:
    figure = Figure(Decimal(value)) if value else None
    found = standing(VISITORS, figure, at=Q2, margin=Decimal("0.05"), today=today)
    assert (found.verdict, found.late) == (verdict, late)
    assert found.wants_explanation is (verdict is Verdict.MISSED or late)


def test_no_data_yet_stays_grey() -> None:
    found = standing(VISITORS, Figure(None), at=Q2, margin=Decimal("0.05"), today=Q2.report_by)
    assert found.verdict is Verdict.NOT_REPORTED


def _line(
    number: int, value: str | None, *, agency: str = "STTTT", group: str = "I"
) -> IndicatorLine:
    figure = Figure(Decimal(value)) if value else None
    return IndicatorLine(
        indicator_id=number,
        plan_id=1,
        key=f"PL3.{number}",
        number=str(number),
        name=f"Chỉ tiêu {number}",
        group=group,
        table="PL3",
        unit="1.000 lượt",
        target="7.300",
        agency_code=agency,
        agency_name=f"Sở {agency}",
        standing=standing(
            VISITORS, figure, at=Q2, margin=Decimal("0.05"), today=date(2023, 6, 12)
        ),
    )


def test_an_overview_counts_colours_lists_reds_and_who_is_missing_near_the_day() -> None:
    lines = (
        _line(1, "3700"),
        _line(2, "3000"),
        _line(3, None),
        _line(4, None, agency="SYT", group="II"),
        _line(5, "3500", group="II"),
    )
    overview = IndicatorOverview(lines, today=date(2023, 6, 12))
    assert overview.counts() == {
        Verdict.MISSED: 1,
        Verdict.NEAR: 1,
        Verdict.NOT_REPORTED: 2,
        Verdict.UNJUDGED: 0,
        Verdict.MET: 1,
    }
    assert [line.key for line in overview.reds()] == ["PL3.2"]
    assert overview.missing() == [
        MissingAgency("STTTT", "Sở STTTT", 1, Q2.report_by),
        MissingAgency("SYT", "Sở SYT", 1, Q2.report_by),
    ]
    assert [(label, counts[Verdict.MET]) for label, counts in overview.by_group()] == [
        ("PL3 · I", 1),
        ("PL3 · II", 0),
    ]
    assert [line.key for line in by_severity(lines)] == [
        "PL3.2",
        "PL3.5",
        "PL3.3",
        "PL3.4",
        "PL3.1",
    ]


def test_figures_missing_far_from_their_day_are_not_listed_yet() -> None:
    overview = IndicatorOverview((_line(3, None),), today=date(2023, 5, 1))
    assert overview.missing() == []
