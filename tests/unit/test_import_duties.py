"""The reporting-duties table (chế độ báo cáo) as report tasks."""

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from domain.agencies import AgencyRegistry
from domain.deadlines import DeadlineKind
from domain.importers import import_file
from domain.plans import PlanDraft, SourceKind, restated_duties
from domain.recurrence import Cadence

DATA = Path(__file__).resolve().parents[2] / "bot" / "data"
DUTIES = DATA / "seed_reporting_duties.csv"


@pytest.fixture(scope="module")
def duties() -> PlanDraft:
    return import_file(DUTIES, registry=AgencyRegistry.from_csv(DATA / "agencies.csv"))


def _rows() -> list[dict[str, str]]:
    with DUTIES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_row_becomes_one_report_task(duties: PlanDraft) -> None:
    rows = _rows()
    assert len(duties.tasks) == len(rows) == 32
    assert {task.source_kind for task in duties.tasks} == {SourceKind.REPORT_DUTY}
    assert [task.section for task in duties.tasks] == [row["doc"] for row in rows]
    assert [task.title for task in duties.tasks] == [row["quote"] for row in rows]
    codes = [task.code for task in duties.tasks]
    assert len(set(codes)) == len(codes)
    assert codes[:2] == ["000.BC1", "000.BC2"]


def test_rows_with_a_cadence_recur_with_that_cadence(duties: PlanDraft) -> None:
    for row, task in zip(_rows(), duties.tasks, strict=True):
        if row["cadence"] in {cadence.value for cadence in Cadence}:
            assert task.due.kind == DeadlineKind.RECURRING, task.code
            assert task.due.recurrence is not None, task.code
            assert task.due.recurrence.cadence == Cadence(row["cadence"]), task.code


def test_rows_for_ad_hoc_reports_have_a_conditional_deadline(duties: PlanDraft) -> None:
    ad_hoc = [
        task for row, task in zip(_rows(), duties.tasks, strict=True) if row["cadence"] == "ad-hoc"
    ]
    assert len(ad_hoc) == 8
    assert all(task.due.kind == DeadlineKind.CONDITIONAL for task in ad_hoc)


def test_the_districts_report_six_monthly_before_the_19th_to_three_departments(
    duties: PlanDraft,
) -> None:
    task = duties.task("000.BC8")
    assert task.lead_named == ("UBND-QUAN-HUYEN",)
    assert len(task.lead_codes) == 15
    assert task.recipients == ("SXD", "STTTT", "SNNPTNT")
    assert task.due.recurrence is not None
    assert (task.due.recurrence.cadence, task.due.recurrence.before_day) == (
        Cadence.SIX_MONTHLY,
        19,
    )


def test_quarterly_reports_go_through_the_information_department(duties: PlanDraft) -> None:
    task = duties.task("001.BC4")
    assert task.recipients == ("UBNDTP", "STTTT")
    assert task.due.recurrence is not None
    assert task.due.recurrence.before_day == 20


def test_a_rule_naming_three_cadences_gives_each_row_its_own(duties: PlanDraft) -> None:
    cadences = [duties.task(f"003.BC{number}").due.recurrence for number in (1, 2, 3)]
    assert [rule.cadence if rule else None for rule in cadences] == [
        Cadence.MONTHLY,
        Cadence.QUARTERLY,
        Cadence.YEARLY,
    ]


def test_one_off_reports_keep_their_dates(duties: PlanDraft) -> None:
    assert duties.task("004.BC1").due.due_date == date(2023, 2, 14)
    assert duties.task("004.BC3").due.due_date == date(2023, 11, 19)
    assert duties.task("000.BC7").due.due_date == date(2023, 6, 30)


def test_reporters_resolve_as_leads_and_annotations_are_ignored(duties: PlanDraft) -> None:
    assert duties.task("000.BC6").lead_codes == ("VPDPNTM",)
    assert duties.task("000.BC6").recipients == ("UBNDTP", "BCD-CTMTQG")
    investors = duties.task("000.BC9")
    assert investors.lead_named == ("GRP-CHUDAUTU",)
    assert {"BQLDA-GT", "BQLDA-DD", "UBND-QUAN-HONGBANG"} <= set(investors.lead_codes)
    unresolved = [
        (task.code, fragment)
        for task in duties.tasks
        for fragment in task.unresolved_leads + task.unresolved_recipients
    ]
    assert unresolved == []


def test_a_missing_reporter_or_recipient_is_reported(duties: PlanDraft) -> None:
    assert "Không nêu nơi nhận báo cáo" in map(str, duties.task("002.BC2").problems)
    assert "Không có cơ quan chủ trì" in map(str, duties.task("003.BC4").problems)


def test_reports_due_at_a_city_meeting_are_due_by_that_meeting(duties: PlanDraft) -> None:
    february = duties.task("004.BC2").due
    year_end = duties.task("004.BC4").due
    assert (february.kind, february.due_date) == (DeadlineKind.MONTH, date(2023, 2, 28))
    assert (year_end.kind, year_end.due_date) == (DeadlineKind.YEAR, date(2023, 12, 31))


# --- one obligation, one task per agency ---------------------------------------------------

SEEDS = {path.name[:3]: path for path in sorted((DATA / "seeds").glob("*.txt"))}


@pytest.fixture(scope="module")
def seed_plans() -> dict[str, PlanDraft]:
    registry = AgencyRegistry.from_csv(DATA / "agencies.csv")
    return {key: import_file(path, registry=registry) for key, path in SEEDS.items()}


def test_rows_that_quote_a_dated_prose_duty_of_their_plan_are_paired_with_it(
    duties: PlanDraft, seed_plans: dict[str, PlanDraft]
) -> None:
    pairs = {key: restated_duties(plan, duties.tasks) for key, plan in seed_plans.items()}
    assert pairs == {
        "000": {"000.BC7": "3.19"},
        "001": {},
        "002": {},
        "003": {"003.BC5": "V.5.b"},
        "004": {"004.BC1": "III.1.2", "004.BC3": "III.1.4"},
    }


def test_plan_and_duty_table_together_give_each_agency_one_task_per_obligation(
    duties: PlanDraft, seed_plans: dict[str, PlanDraft]
) -> None:
    plan = seed_plans["004"]
    pairs = restated_duties(plan, duties.tasks)
    rows = [task for task in duties.tasks if task.section == plan.source_file]
    # What the store keeps: every plan task, and the rows that restate none of them.
    kept = plan.tasks + [row for row in rows if row.code not in pairs]
    for code in ("III.1.2", "III.1.4"):
        obligation = plan.task(code).obligation
        holders = Counter(
            agency for task in kept if task.obligation == obligation for agency in task.lead_codes
        )
        assert len(holders) == len(plan.task(code).lead_codes) > 1
        assert set(holders.values()) == {1}
    # Without the pairing, each Sở and district would get III.1.2 twice.
    both = Counter(
        agency
        for task in (plan.task("III.1.2"), duties.task("004.BC1"))
        for agency in task.lead_codes
    )
    assert set(both.values()) == {2}
    # VP UBND's own report on the same sentence (004.BC2) is another obligation and stays.
    assert duties.task("004.BC2").obligation != plan.task("III.1.2").obligation
    assert "004.BC2" not in pairs


def test_obligation_keys_are_the_same_on_every_import(duties: PlanDraft) -> None:
    again = import_file(DUTIES, registry=AgencyRegistry.from_csv(DATA / "agencies.csv"))
    keys = [task.obligation for task in duties.tasks]
    assert keys == [task.obligation for task in again.tasks]
    assert all(key is not None and len(key) == 16 for key in keys)
    # The store keeps these keys: a change of how they are made unpairs stored duties.
    assert (duties.task("004.BC1").obligation, duties.task("000.BC7").obligation) == (
        "33287c19d450a569",
        "35d1652e88b5999c",
    )
