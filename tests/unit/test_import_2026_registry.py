"""Documents read with the shipped registry of the 2025 reorganisation, as of their own day.

A 2026 conclusion (tests/data/documents/thong-bao-nong-nghiep-moi-truong.txt, written for
these tests) names the merged Sở Nông nghiệp và Môi trường, "Ủy ban nhân dân các xã, phường,
đặc khu", a department dissolved in 2025, cited laws and decrees whose dates are no
deadlines, a list of months, a weekly report with an hour, and an appendix whose column
header gives the year. Undated documents are read as of the year their deadlines name.
"""

from datetime import date, time
from pathlib import Path
from typing import NamedTuple

import pytest

from domain.agencies import AgencyRegistry
from domain.deadlines import DeadlineKind
from domain.importers import import_bytes, import_file
from domain.plans import PlanDraft, SkipReason, SourceKind
from domain.recurrence import Cadence, Recurrence
from services.occurrences import recurrence_from_json
from services.plans import recurrence_json

ROOT = Path(__file__).resolve().parents[2]
CONCLUSION = ROOT / "tests" / "data" / "documents" / "thong-bao-nong-nghiep-moi-truong.txt"
COMMUNES = "UBND-XA-PHUONG-DACKHU"
HEADER_YEAR = "Thời hạn «{phrase}» không ghi năm; lấy năm 2026 ở tiêu đề cột"


@pytest.fixture(scope="module")
def registry() -> AgencyRegistry:
    return AgencyRegistry.from_csv(ROOT / "bot" / "data" / "agencies.csv")


@pytest.fixture(scope="module")
def plan(registry: AgencyRegistry) -> PlanDraft:
    return import_file(CONCLUSION, registry=registry, today=date(2026, 1, 20))


class Expected(NamedTuple):
    code: str
    title: str
    leads: tuple[str, ...]
    cooperating: tuple[str, ...]
    kind: DeadlineKind
    due: date | None
    problems: tuple[str, ...] = ()


EXPECTED = [
    Expected(
        "PL.1",
        "Báo cáo tình hình cấp giấy chứng nhận quyền sử dụng đất",
        ("SNNMT",),
        (),
        DeadlineKind.RECURRING,
        None,
    ),
    Expected(
        "PL.2",
        "Tổng hợp số liệu thu tiền sử dụng đất",
        ("STC",),
        (),
        DeadlineKind.MONTH,
        date(2026, 6, 30),
        (HEADER_YEAR.format(phrase="Tháng 6"),),
    ),
    Expected(
        "PL.3(1)",
        "Đánh giá chất lượng không khí tại các đô thị (tháng 3/2026)",
        ("SNNMT", COMMUNES),
        (),
        DeadlineKind.MONTH,
        date(2026, 3, 31),
        (HEADER_YEAR.format(phrase="tháng 3, tháng 9"),),
    ),
    Expected(
        "PL.3(2)",
        "Đánh giá chất lượng không khí tại các đô thị (tháng 9/2026)",
        ("SNNMT", COMMUNES),
        (),
        DeadlineKind.MONTH,
        date(2026, 9, 30),
        (HEADER_YEAR.format(phrase="tháng 3, tháng 9"),),
    ),
    Expected(
        "1.a",
        "Hoàn thiện bảng giá đất điều chỉnh áp dụng từ năm 2026, trình Ủy ban nhân dân thành phố",
        ("SNNMT",),
        ("STC", COMMUNES),
        DeadlineKind.DATE,
        date(2026, 3, 30),
    ),
    Expected(
        "1.b(1)",
        "Kiểm tra việc chấp hành pháp luật về bảo vệ môi trường tại các khu công nghiệp, báo "
        "cáo kết quả (tháng 6/2026)",
        ("SNNMT",),
        ("STC", COMMUNES),
        DeadlineKind.MONTH,
        date(2026, 6, 30),
    ),
    Expected(
        "1.b(2)",
        "Kiểm tra việc chấp hành pháp luật về bảo vệ môi trường tại các khu công nghiệp, báo "
        "cáo kết quả (tháng 12/2026)",
        ("SNNMT",),
        ("STC", COMMUNES),
        DeadlineKind.MONTH,
        date(2026, 12, 31),
    ),
    Expected(
        "2",
        "Cập nhật cơ sở dữ liệu đất đai lên Cổng dữ liệu mở của thành phố",
        ("STTTT",),
        (),
        DeadlineKind.DATE,
        date(2026, 2, 27),
        (
            "Sở Thông tin và Truyền thông không còn từ 01/03/2025; việc nay thuộc Sở Khoa học "
            "và Công nghệ",
        ),
    ),
    Expected(
        "3",
        "Rà soát hiện trạng sử dụng đất công sau sắp xếp, gửi Sở Nông nghiệp và Môi trường",
        (COMMUNES,),
        (),
        DeadlineKind.DATE,
        date(2026, 3, 9),
    ),
    Expected(
        "4",
        "Chủ trì thẩm định các dự án nhà ở xã hội có sử dụng đất",
        ("SXD",),
        (),
        DeadlineKind.QUARTER,
        date(2026, 6, 30),
    ),
]


def test_the_2026_conclusion_reads_to_exactly_these_tasks(plan: PlanDraft) -> None:
    found = [
        Expected(
            task.code,
            task.title,
            task.lead_named,
            task.cooperating_named,
            task.due.kind,
            task.due.due_date,
            tuple(str(problem) for problem in task.problems),
        )
        for task in plan.tasks
    ]
    assert found == EXPECTED
    assert (plan.ref, plan.issue_date, plan.hub_code) == (
        "37/TB-UBND",
        date(2026, 1, 16),
        "VPUBND",
    )
    assert plan.problems == []


def test_the_merged_department_and_the_communes_are_the_bodies_of_2026(
    plan: PlanDraft, registry: AgencyRegistry
) -> None:
    communes = [a.code for a in registry.members(COMMUNES, as_of=date(2026, 1, 16))]
    assert len(communes) == 114
    task = plan.task("PL.3(1)")
    assert task.lead_codes == ("SNNMT", *communes)
    # Never the People's Committee of the city, whose name the group's name starts with.
    assert "UBNDTP" not in task.lead_codes and "UBNDTP" not in plan.task("1.a").cooperating_codes
    assert plan.task("3").lead_codes == tuple(communes)
    # The recipients named in the sentences: the city's committee, the merged department.
    assert plan.task("1.a").recipients == ("UBNDTP",)
    assert plan.task("3").recipients == ("SNNMT",)


def test_cited_laws_and_decrees_are_never_deadlines_and_undated_duties_are_listed(
    plan: PlanDraft,
) -> None:
    dues = {task.due.due_date for task in plan.tasks}
    assert not dues & {date(2024, 1, 18), date(2022, 1, 10), date(2024, 1, 17)}
    assert [(s.location, s.reason) for s in plan.skipped] == [
        ("1.c", SkipReason.UNDATED),
        ("3", SkipReason.ONGOING),
        ("5", SkipReason.UNDATED),
    ]
    assert (plan.duties_found, len(plan.tasks), plan.deadlines_unread) == (13, 10, 0)


def test_the_weekly_report_keeps_its_day_and_hour_through_the_store(plan: PlanDraft) -> None:
    weekly = plan.task("PL.1")
    assert weekly.source_kind == SourceKind.APPENDIX_TABLE
    assert weekly.due.recurrence == Recurrence(Cadence.WEEKLY, weekday=4, due_time=time(16))
    stored = recurrence_json(weekly.due.recurrence)
    assert stored is not None
    assert (stored["weekday"], stored["due_time"], stored["after_period"]) == (4, "16:00", False)
    assert recurrence_from_json(stored) == weekly.due.recurrence


@pytest.mark.parametrize(
    "rule",
    [
        Recurrence(Cadence.WEEKLY, weekday=0),
        Recurrence(Cadence.WEEKLY, weekday=4, due_time=time(16, 30)),
        Recurrence(Cadence.MONTHLY, before_day=5, after_period=True),
        Recurrence(Cadence.QUARTERLY, before_day=20),
        Recurrence(Cadence.YEARLY, month=1, before_day=31, after_period=True),
        Recurrence(Cadence.YEARLY, quarter=4),
        Recurrence(Cadence.SIX_MONTHLY, before_day=19),
    ],
)
def test_every_recurrence_reads_back_as_it_was_stored(rule: Recurrence) -> None:
    stored = recurrence_json(rule)
    assert stored is not None
    assert recurrence_from_json(stored) == rule


def test_a_rule_stored_before_the_new_fields_reads_with_their_defaults() -> None:
    old = {"cadence": "quarterly", "month": None, "quarter": None, "before_day": 20}
    assert recurrence_from_json(old) == Recurrence(Cadence.QUARTERLY, before_day=20)


UNDATED = """KẾ HOẠCH
Triển khai nhiệm vụ chuyển đổi số

1. Giao các Sở, ban, ngành xây dựng kế hoạch chuyển đổi số của đơn vị, hoàn thành trước ngày {day}.
2. Giao Sở Tài chính bố trí kinh phí, hoàn thành trước ngày {other}.
"""


@pytest.mark.parametrize(
    ("day", "other", "present", "absent"),
    [
        ("15/3/2026", "30/4/2026", {"SNNMT", "SKHCN", "SVHTTDL"}, {"STTTT", "SKHDT"}),
        ("15/3/2023", "30/4/2023", {"STTTT", "SKHDT", "SNNPTNT"}, {"SNNMT", "SVHTTDL"}),
    ],
)
def test_a_document_without_a_date_is_read_as_of_the_year_its_deadlines_name(
    registry: AgencyRegistry, day: str, other: str, present: set[str], absent: set[str]
) -> None:
    text = UNDATED.format(day=day, other=other).encode()
    # "Today" is neither year: the deadlines decide.
    draft = import_bytes(text, name="ke-hoach.txt", registry=registry, today=date(2024, 7, 1))

    leads = set(draft.task("1").lead_codes)
    assert present <= leads
    assert not absent & leads
    assert draft.task("1").problems[0].text.startswith("Chủ trì chỉ là một nhóm chung")


def test_the_user_given_year_decides_when_the_document_gives_none(
    registry: AgencyRegistry,
) -> None:
    text = (
        "KẾ HOẠCH\nRà soát kinh phí\n\n"
        "1. Giao Sở Tài chính rà soát nhu cầu kinh phí của các đơn vị, hoàn thành trong tháng 6.\n"
    ).encode()
    draft = import_bytes(
        text, name="ke-hoach.txt", registry=registry, plan_year=2026, today=date(2023, 1, 1)
    )
    task = draft.task("1")
    assert task.due.due_date == date(2026, 6, 30)
    # A year the coordinator gave is not reported back as a guess.
    assert task.problems == []
