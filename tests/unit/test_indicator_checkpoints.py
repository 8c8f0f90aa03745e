"""Checkpoints of a plan year, and figures judged against the seed's targets at each of them."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from domain.agencies import AgencyRegistry
from domain.calendar import WorkCalendar
from domain.importers import import_indicators
from domain.indicators.checkpoints import (
    Checkpoint,
    Verdict,
    checkpoint,
    checkpoints,
    expected_at,
    judge,
    next_checkpoint,
    parse_checkpoint_key,
)
from domain.indicators.model import Accumulation, IndicatorRule, IndicatorSet
from domain.indicators.quantities import parse_unit
from domain.indicators.targets import Direction, parse_target
from domain.recurrence import Cadence

DATA = Path(__file__).resolve().parents[2] / "bot" / "data"
SEED_004 = next((DATA / "seeds").glob("004_*.txt"))
YEAR = {months: checkpoint(2023, months) for months in (3, 6, 9, 12)}


@pytest.fixture(scope="module")
def seed() -> IndicatorSet:
    return import_indicators(SEED_004, registry=AgencyRegistry.from_csv(DATA / "agencies.csv"))


def test_a_quarterly_plan_checks_at_quy_i_6_9_months_and_the_year() -> None:
    found = checkpoints(2023)
    assert [item.key for item in found] == ["2023-03M", "2023-06M", "2023-09M", "2023-12M"]
    assert [str(item.label) for item in found] == ["Quý I", "6 tháng", "9 tháng", "Cả năm"]
    assert [item.report_by for item in found] == [
        date(2023, 3, 20),
        date(2023, 6, 20),
        date(2023, 9, 20),
        date(2023, 12, 20),
    ]
    assert [item.period_end for item in found] == [
        date(2023, 3, 31),
        date(2023, 6, 30),
        date(2023, 9, 30),
        date(2023, 12, 31),
    ]


@pytest.mark.parametrize(
    ("cadence", "months"),
    [
        (Cadence.MONTHLY, list(range(1, 13))),
        (Cadence.QUARTERLY, [3, 6, 9, 12]),
        (Cadence.SIX_MONTHLY, [6, 12]),
        (Cadence.YEARLY, [12]),
    ],
)
def test_each_cadence_has_its_checkpoints(cadence: Cadence, months: list[int]) -> None:
    assert [item.months for item in checkpoints(2024, cadence=cadence)] == months


def test_a_checkpoint_shared_by_two_cadences_has_one_key() -> None:
    quarterly = {item.key for item in checkpoints(2023)}
    six_monthly = {item.key for item in checkpoints(2023, cadence=Cadence.SIX_MONTHLY)}
    assert six_monthly <= quarterly


def test_a_monthly_checkpoint_is_named_by_the_months_it_covers() -> None:
    assert str(checkpoint(2023, 4).label) == "4 tháng"
    assert checkpoint(2023, 4).key == "2023-04M"


def test_the_report_day_is_configurable_and_stays_inside_short_months() -> None:
    assert checkpoint(2023, 6, report_day=15).report_by == date(2023, 6, 15)
    assert checkpoint(2023, 2, report_day=31).report_by == date(2023, 2, 28)
    assert checkpoint(2024, 2, report_day=31).report_by == date(2024, 2, 29)


def test_a_calendar_moves_a_weekend_report_day_back_to_the_last_working_day() -> None:
    calendar = WorkCalendar()
    may = checkpoint(2023, 5, calendar=calendar)  # 20/5/2023 is a Saturday
    assert (may.nominal_report_by, may.report_by) == (date(2023, 5, 20), date(2023, 5, 19))
    august = checkpoint(2023, 8, calendar=calendar)  # 20/8/2023 is a Sunday
    assert august.report_by == date(2023, 8, 18)
    march = checkpoint(2023, 3, calendar=calendar)  # a Monday
    assert march.report_by == march.nominal_report_by == date(2023, 3, 20)


@pytest.mark.parametrize(("months", "report_day"), [(0, 20), (13, 20), (6, 0), (6, 32)])
def test_an_impossible_checkpoint_is_refused(months: int, report_day: int) -> None:
    with pytest.raises(ValueError):
        checkpoint(2023, months, report_day=report_day)


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("2023-06M", (2023, 6)),
        ("2024-12M", (2024, 12)),
        ("2023-13M", None),
        ("2023-Q1", None),
        ("bad", None),
    ],
)
def test_a_stored_checkpoint_key_reads_back(key: str, parsed: tuple[int, int] | None) -> None:
    assert parse_checkpoint_key(key) == parsed


def test_the_next_checkpoint_is_the_first_still_due() -> None:
    found = checkpoints(2023)
    assert next_checkpoint(found, on=date(2023, 1, 5)) == found[0]
    assert next_checkpoint(found, on=date(2023, 6, 20)) == found[1]
    assert next_checkpoint(found, on=date(2023, 6, 21)) == found[2]
    assert next_checkpoint(found, on=date(2023, 12, 21)) is None


# (indicator, checkpoint months, value, verdict, exceeded)
@pytest.mark.parametrize(
    ("key", "months", "value", "verdict", "exceeded"),
    [
        # PL3.7 khách du lịch, 7.300 (1.000 lượt), cumulative: a quarter of it by Quý I.
        ("PL3.7", 3, "1900", Verdict.MET, True),
        ("PL3.7", 3, "1825", Verdict.MET, False),
        ("PL3.7", 3, "1750", Verdict.NEAR, False),
        ("PL3.7", 3, "1500", Verdict.MISSED, False),
        ("PL3.7", 6, "3700", Verdict.MET, True),
        ("PL3.7", 9, "5400", Verdict.NEAR, False),
        ("PL3.7", 12, "7000", Verdict.NEAR, False),
        ("PL3.7", 12, "6000", Verdict.MISSED, False),
        # PL1.8 "> 7,3" triệu lượt: strictly more than the pro-rata share.
        ("PL1.8", 3, "1.9", Verdict.MET, True),
        ("PL1.8", 12, "7.3", Verdict.NEAR, False),
        ("PL1.8", 12, "7.5", Verdict.MET, True),
        # PL1.12 thất nghiệp 3,59 %: a level, lower is better, the whole target every time.
        ("PL1.12", 3, "3.5", Verdict.MET, True),
        ("PL1.12", 6, "3.59", Verdict.MET, False),
        ("PL1.12", 9, "3.7", Verdict.NEAR, False),
        ("PL1.12", 12, "4.0", Verdict.MISSED, False),
        # PL3.1 nợ đọng thuế "< 8": 8 itself is not under 8.
        ("PL3.1", 12, "7.9", Verdict.MET, True),
        ("PL3.1", 12, "8", Verdict.NEAR, False),
        ("PL3.1", 6, "9", Verdict.MISSED, False),
        # PL3.56 suy dinh dưỡng "≤ 7,0": 7 itself meets it.
        ("PL3.56", 12, "7.0", Verdict.MET, False),
        # PL1.1 GRDP growth 12,7 - 13,0: reaching the range meets it, beyond it exceeds it.
        ("PL1.1", 6, "12.8", Verdict.MET, False),
        ("PL1.1", 12, "13.5", Verdict.MET, True),
        ("PL1.1", 12, "12.2", Verdict.NEAR, False),
        ("PL1.1", 3, "11", Verdict.MISSED, False),
        # PL2 GRDP scenario: the plan's own target for each checkpoint wins.
        ("PL2.0", 3, "112", Verdict.MET, True),
        ("PL2.0", 6, "112", Verdict.NEAR, False),
        ("PL2.0", 12, "112.75", Verdict.MET, False),
        ("PL2.2.a.1", 6, "90", Verdict.NEAR, False),
        # Nothing reported is grey whatever the target.
        ("PL3.7", 3, None, Verdict.NOT_REPORTED, False),
        ("PL1.12", 12, None, Verdict.NOT_REPORTED, False),
        # A heading has no target to meet.
        ("PL1.9", 12, "35", Verdict.UNJUDGED, False),
    ],
)
def test_a_figure_is_judged_against_the_target_for_its_checkpoint(
    seed: IndicatorSet,
    key: str,
    months: int,
    value: str | None,
    verdict: Verdict,
    exceeded: bool,
) -> None:
    judgement = judge(
        seed.get(key).rule,
        None if value is None else Decimal(value),
        at=YEAR[months],
    )
    assert (judgement.verdict, judgement.exceeded) == (verdict, exceeded)


def test_a_cumulative_target_is_taken_pro_rata_and_a_level_one_whole(seed: IndicatorSet) -> None:
    visitors = expected_at(seed.get("PL3.7").rule, YEAR[3])
    assert (visitors.low, visitors.high) == (Decimal(1825), Decimal(1825))
    jobless = expected_at(seed.get("PL1.12").rule, YEAR[3])
    assert jobless.high == Decimal("3.59")
    assert expected_at(seed.get("PL3.7").rule, None).low == Decimal(7300)


def test_the_margin_for_nearly_met_is_configurable(seed: IndicatorSet) -> None:
    rule = seed.get("PL3.7").rule
    assert judge(rule, Decimal(1500), at=YEAR[3]).verdict == Verdict.MISSED
    assert judge(rule, Decimal(1500), at=YEAR[3], margin=Decimal("0.2")).verdict == Verdict.NEAR
    assert judge(rule, Decimal(1824), at=YEAR[3], margin=Decimal(0)).verdict == Verdict.MISSED
    with pytest.raises(ValueError):
        judge(rule, Decimal(1), margin=Decimal(1))


def _rule(target: str, unit: str, direction: Direction = Direction.HIGHER) -> IndicatorRule:
    return IndicatorRule(
        target=parse_target(target),
        direction=direction,
        accumulation=Accumulation.LEVEL,
        unit=parse_unit(unit),
    )


def test_a_change_target_needs_last_years_figure() -> None:
    more = _rule("tăng 10%", "Doanh nghiệp")
    assert judge(more, Decimal(1150)).verdict == Verdict.UNJUDGED
    assert judge(more, Decimal(1150), baseline=Decimal(1000)).verdict == Verdict.MET
    assert judge(more, Decimal(1080), baseline=Decimal(1000)).verdict == Verdict.NEAR
    points = _rule("tăng 2%", "%")  # a rate rises by points
    assert judge(points, Decimal(52), baseline=Decimal(50)).verdict == Verdict.MET
    less = _rule("giảm 5%", "Vụ", Direction.LOWER)
    assert judge(less, Decimal(94), baseline=Decimal(100)).verdict == Verdict.MET
    assert judge(less, Decimal(99), baseline=Decimal(100)).verdict == Verdict.NEAR


def test_an_unreadable_target_is_not_judged_and_says_why() -> None:
    judgement = judge(_rule("Hoàn thành", "%"), Decimal(100))
    assert judgement.verdict == Verdict.UNJUDGED
    assert "không có con số" in str(judgement.reason)


def test_verdicts_have_the_traffic_light_colours() -> None:
    colours = {verdict: verdict.colour for verdict in Verdict}
    assert colours == {
        Verdict.MET: "green",
        Verdict.NEAR: "amber",
        Verdict.MISSED: "red",
        Verdict.NOT_REPORTED: "grey",
        Verdict.UNJUDGED: "grey",
    }
    assert [verdict.label for verdict in Verdict][:4] == [
        "đạt",
        "gần đạt",
        "chưa đạt",
        "chưa báo cáo",
    ]


def test_a_checkpoint_is_a_plain_value() -> None:
    assert checkpoint(2023, 6) == Checkpoint(2023, 6, date(2023, 6, 20), date(2023, 6, 20))
