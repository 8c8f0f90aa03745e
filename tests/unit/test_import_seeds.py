"""The five seed documents, imported from their text versions."""

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from domain.agencies import AgencyRegistry
from domain.deadlines import DeadlineKind
from domain.importers import import_file
from domain.plans import PlanDraft, SkipReason, SourceKind
from domain.recurrence import Cadence

DATA = Path(__file__).resolve().parents[2] / "bot" / "data"
SEEDS = {path.name[:3]: path for path in sorted((DATA / "seeds").glob("*.txt"))}


@pytest.fixture(scope="module")
def registry() -> AgencyRegistry:
    return AgencyRegistry.from_csv(DATA / "agencies.csv")


@pytest.fixture(scope="module")
def plans(registry: AgencyRegistry) -> dict[str, PlanDraft]:
    return {key: import_file(path, registry=registry) for key, path in SEEDS.items()}


def _kind(plan: PlanDraft, kind: SourceKind) -> list[str]:
    return [task.code for task in plan.tasks if task.source_kind == kind]


# --- 000: Kế hoạch 40/KH-UBND ----------------------------------------------------------------


def test_000_is_plan_40_of_13_february_2023(plans: dict[str, PlanDraft]) -> None:
    plan = plans["000"]
    assert plan.ref == "40/KH-UBND"
    assert plan.issue_date == date(2023, 2, 13)
    assert plan.plan_year == 2023
    assert plan.title.startswith("KẾ HOẠCH HÀNH ĐỘNG Thực hiện chủ đề năm 2023")
    assert plan.issuer == "Ủy ban nhân dân thành phố Hải Phòng"
    assert plan.hub_code == "VPUBND"


def test_000_appendix_gives_57_tasks_in_three_groups(plans: dict[str, PlanDraft]) -> None:
    codes = _kind(plans["000"], SourceKind.APPENDIX_TABLE)
    assert len(codes) == 57
    assert Counter(code.split(".")[0] for code in codes) == {"I": 17, "II": 5, "III": 35}
    assert codes[:2] == ["I.1", "I.2"]
    assert codes[-1] == "III.35"


def test_000_digital_transformation_keeps_its_eight_bold_sub_groups(
    plans: dict[str, PlanDraft],
) -> None:
    sections = Counter(task.section for task in plans["000"].tasks if task.code.startswith("III."))
    assert sections == {
        "III. Chuyển đổi số / Phát triển hạ tầng số": 3,
        "III. Chuyển đổi số / Phát triển dữ liệu số": 5,
        "III. Chuyển đổi số / Phát triển nền tảng số": 3,
        "III. Chuyển đổi số / Phát triển chính phủ số": 6,
        "III. Chuyển đổi số / Phát triển kinh tế số": 5,
        "III. Chuyển đổi số / Phát triển xã hội số": 5,
        "III. Chuyển đổi số / An toàn thông tin mạng": 5,
        "III. Chuyển đổi số / Nhân lực số": 3,
    }


@pytest.mark.parametrize(
    ("code", "leads", "kind", "due", "start"),
    [
        ("I.1", ("SXD",), DeadlineKind.YEAR, date(2023, 12, 31), None),
        ("I.4", ("SXD",), DeadlineKind.QUARTER, date(2023, 3, 31), None),
        ("I.5", ("SXD",), DeadlineKind.QUARTER, date(2023, 3, 31), None),
        ("I.6", ("SXD",), DeadlineKind.CONDITIONAL, None, None),
        ("I.7", ("UBND-QUAN-HUYEN",), DeadlineKind.QUARTER, date(2023, 12, 31), date(2023, 3, 31)),
        (
            "I.8",
            ("SXD", "UBND-QUAN-HUYEN"),
            DeadlineKind.QUARTER,
            date(2023, 12, 31),
            date(2023, 3, 31),
        ),
        (
            "I.12",
            ("SXD", "GRP-BQLDA-TP", "UBND-QUAN-HUYEN", "GRP-NHADAUTU"),
            DeadlineKind.QUARTER,
            date(2023, 12, 31),
            date(2021, 3, 31),
        ),
        (
            "I.14",
            ("SNV", "SXD", "UBND-HUYEN-THUYNGUYEN", "UBND-HUYEN-ANDUONG"),
            DeadlineKind.QUARTER,
            date(2023, 12, 31),
            date(2022, 3, 31),
        ),
        ("I.15", ("SNV",), DeadlineKind.YEAR, date(2025, 12, 31), date(2022, 12, 31)),
        (
            "II.1",
            ("SNNPTNT", "UBND-CAC-HUYEN"),
            DeadlineKind.QUARTER,
            date(2023, 12, 31),
            date(2023, 3, 31),
        ),
        (
            "II.2",
            ("SNNPTNT", "UBND-CAC-HUYEN"),
            DeadlineKind.QUARTER,
            date(2023, 3, 31),
            date(2023, 3, 31),
        ),
        ("III.4", ("CATP",), DeadlineKind.QUARTER, date(2023, 6, 30), date(2023, 3, 31)),
        ("III.8", ("GRP-SBN",), DeadlineKind.QUARTER, date(2023, 12, 31), date(2023, 3, 31)),
        ("III.16", ("VPUBND",), DeadlineKind.QUARTER, date(2023, 6, 30), date(2023, 3, 31)),
        ("III.20", ("NHNN-HP",), DeadlineKind.QUARTER, date(2023, 12, 31), date(2023, 3, 31)),
        ("III.31", ("STTTT", "CATP"), DeadlineKind.QUARTER, date(2023, 12, 31), date(2023, 3, 31)),
    ],
)
def test_000_rows_read_exactly(
    plans: dict[str, PlanDraft],
    code: str,
    leads: tuple[str, ...],
    kind: DeadlineKind,
    due: date | None,
    start: date | None,
) -> None:
    task = plans["000"].task(code)
    assert task.lead_named == leads
    assert task.due.kind == kind
    assert task.due.due_date == due
    assert (task.start.due_date if task.start else None) == start
    assert task.unresolved_leads == ()
    assert task.unresolved_cooperating == ()


def test_000_rows_with_their_only_time_under_bat_dau_use_it_as_the_due(
    plans: dict[str, PlanDraft],
) -> None:
    for code in ("I.4", "I.5", "I.6"):
        task = plans["000"].task(code)
        assert task.start is None
        assert any("Bắt đầu" in str(problem) for problem in task.problems)
    assert plans["000"].task("I.6").due.condition == "Sau khi Quy hoạch chung được duyệt"


def test_000_open_ended_rows_keep_and_the_following_years(plans: dict[str, PlanDraft]) -> None:
    open_ended = [task.code for task in plans["000"].tasks if task.due.open_ended]
    assert open_ended == ["I.12", "I.13"]
    assert plans["000"].task("I.12").due.original == "Quý IV /2023 và các năm tiếp theo"


def test_a_catch_all_group_with_nobody_in_it_is_never_assigned(
    plans: dict[str, PlanDraft], registry: AgencyRegistry
) -> None:
    # I.12's lead cell names "Nhà đầu tư": investors are nobody the bot can register.
    task = plans["000"].task("I.12")
    assert "GRP-NHADAUTU" in task.lead_named
    assert "GRP-NHADAUTU" not in task.lead_codes and "SXD" in task.lead_codes
    assert registry.names_nobody("GRP-NHADAUTU") and registry.names_nobody("GRP-LIENQUAN")
    assert not registry.names_nobody("GRP-CHUDAUTU") and not registry.names_nobody("SXD")


def test_000_generic_leads_expand_and_are_flagged(
    plans: dict[str, PlanDraft], registry: AgencyRegistry
) -> None:
    task = plans["000"].task("III.8")
    # The departments of the plan's day (13/02/2023), not those the 2025 reorganisation made.
    members = registry.members("GRP-SBN", as_of=plans["000"].issue_date)
    assert task.lead_codes == tuple(agency.code for agency in members)
    assert "GRP-SBN" in task.groups
    assert any("chỉ là một nhóm chung" in str(problem) for problem in task.problems)
    swapped = plans["000"].task("III.32")
    assert swapped.lead_named == ("GRP-SNDVDP",)
    assert swapped.cooperating_named == ("STTTT", "CATP")
    assert any("bị đảo" in str(problem) for problem in swapped.problems)


def test_000_multi_lead_bullet_cell_is_read_and_flagged(plans: dict[str, PlanDraft]) -> None:
    task = plans["000"].task("III.15")
    assert task.lead_named == (
        "VPTU",
        "UBNDTP",
        "VPDBQH-HDND",
        "UBND-QUAN-HUYEN",
        "HDND-QUAN-HUYEN",
    )
    assert any("gạch đầu dòng" in str(problem) for problem in task.problems)


def test_000_titles_are_verbatim_with_typos_and_without_tags(plans: dict[str, PlanDraft]) -> None:
    plan = plans["000"]
    assert plan.task("III.9").title.endswith("phục vụ chính quyền số số")
    assert "hợp không giấy tờ" in plan.task("III.15").title
    assert "Thủ Nguyên" in plan.task("I.7").title
    assert plan.task("III.34").lead_named == ("SGDDT",)  # written "Sở giáo dục và Đào tạo"
    assert not any("<" in task.title or "<" in task.section for task in plan.tasks)
    assert plan.task("III.1").funding == "Doanh nghiệp viễn thông"
    assert plan.task("I.1").section == "I. Đẩy mạnh chỉnh trang, hiện đại hóa đô thị"


# --- 004: Chỉ thị 02/CT-UBND --------------------------------------------------------------


def test_004_is_directive_02_of_19_january_2023(plans: dict[str, PlanDraft]) -> None:
    plan = plans["004"]
    assert plan.ref == "02/CT-UBND"
    assert plan.issue_date == date(2023, 1, 19)
    assert plan.title.startswith("CHỈ THỊ Về nhiệm vụ, giải pháp chủ yếu")
    assert plan.hub_code == "VPUBND"


def test_004_appendix_4_gives_53_tasks_in_nine_groups(plans: dict[str, PlanDraft]) -> None:
    tasks = [task for task in plans["004"].tasks if task.code.startswith("PL4.")]
    assert [task.code for task in tasks] == [f"PL4.{number}" for number in range(1, 54)]
    groups = Counter(task.section.split(".")[0] for task in tasks)
    assert [groups[g] for g in ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")] == [
        6,
        5,
        7,
        7,
        8,
        5,
        5,
        7,
        3,
    ]
    assert all(len(task.lead_named) == 1 and task.lead_codes for task in tasks)
    assert not any(task.code.startswith(("PL1", "PL2", "PL3")) for task in plans["004"].tasks)


def test_004_month_only_deadlines_take_the_plan_year(plans: dict[str, PlanDraft]) -> None:
    tasks = [task for task in plans["004"].tasks if task.code.startswith("PL4.")]
    originals = Counter(task.due.original for task in tasks)
    assert originals["Tháng 6"] == 19
    assert originals["Tháng 11"] == 7
    june = plans["004"].task("PL4.1").due
    assert (june.kind, june.due_date, june.period_start) == (
        DeadlineKind.MONTH,
        date(2023, 6, 30),
        date(2023, 6, 1),
    )
    assert plans["004"].task("PL4.6").due.due_date == date(2023, 10, 31)
    assert plans["004"].task("PL4.46").due.due_date == date(2023, 2, 28)


def test_004_rows_broken_by_page_breaks_are_joined(plans: dict[str, PlanDraft]) -> None:
    plan = plans["004"]
    assert plan.task("PL4.19").lead_named == ("SGDDT",)
    assert plan.task("PL4.38").lead_named == ("STNMT",)
    assert plan.task("PL4.38").title.endswith(
        "thực hiện các dự án trên địa bàn thành phố năm 2024"
    )
    assert plan.task("PL4.22").title.endswith("định hướng 203")
    project = plan.task("PL5.13")
    assert project.title.endswith(
        "và Dự án đầu tư xây dựng Nhà ga hàng hóa Cảng Hàng không Quốc tế Cát Bi"
    )
    assert dict(project.extra)["Văn bản phê duyệt chủ trương đầu tư/ Dự án đầu tư"] == (
        "803/QĐ-TTg, ngày 08/7/2022; 3067/QĐ-UBND, ngày 25/10/2021"
    )


def test_004_appendix_5_gives_20_projects_dated_by_their_group(
    plans: dict[str, PlanDraft],
) -> None:
    projects = [
        task for task in plans["004"].tasks if task.source_kind == SourceKind.PROJECT_TABLE
    ]
    assert [task.code for task in projects] == [f"PL5.{number}" for number in range(1, 21)]
    milestones = Counter(
        task.due.condition for task in projects if task.due.kind == DeadlineKind.MILESTONE
    )
    assert milestones == {"khánh thành": 8, "khởi công": 10}
    assert all(task.due.due_date == date(2023, 12, 31) for task in projects[:18])
    assert all(task.due.due_date is None for task in projects[18:])
    # Group III, "đang triển khai và chuyển tiếp", is ongoing work: no date, nothing to review.
    assert {task.due.kind for task in projects[18:]} == {DeadlineKind.ONGOING}
    assert all(task.problems == [] for task in projects[18:])
    leads = Counter(code for task in projects for code in task.lead_named)
    assert leads == {
        "BQLDA-GT": 9,
        "BQLKKT": 3,
        "SGTVT": 2,
        "BQLDA-DD": 2,
        "STTTT": 1,
        "SKHDT": 1,
        "SXD": 1,
        "UBND-QUAN-HONGBANG": 1,
    }


# --- 001: structured prose items ----------------------------------------------------------


def test_001_structured_items_give_44_rows(plans: dict[str, PlanDraft]) -> None:
    codes = _kind(plans["001"], SourceKind.PROSE_ITEM)
    assert len(codes) == 44
    assert "12.c(1)" in codes and "12.c(2)" in codes and "12.c" not in codes
    letters = {code.split(".")[1][0] for code in codes}
    assert "đ" in letters and "f" not in letters
    assert all(plans["001"].task(code).lead_codes for code in codes)


def test_001_has_no_number_and_its_year_comes_from_its_deadlines(
    plans: dict[str, PlanDraft],
) -> None:
    plan = plans["001"]
    assert plan.ref is None and plan.issue_date is None
    assert plan.plan_year == 2022
    assert plan.hub_code == "STTTT"
    assert any("không có số hiệu" in str(problem) for problem in plan.problems)


@pytest.mark.parametrize(
    ("code", "month", "quarter"),
    [
        ("1.a", 2, None),
        ("4.a", 2, None),
        ("6.b", None, None),
        ("8.b", None, None),
        ("10.b", None, 4),
        ("11.a", None, 4),
        ("11.b", None, 4),
    ],
)
def test_001_recurring_items_are_recognised(
    plans: dict[str, PlanDraft], code: str, month: int | None, quarter: int | None
) -> None:
    due = plans["001"].task(code).due
    assert due.kind == DeadlineKind.RECURRING
    assert due.recurrence is not None
    assert (due.recurrence.cadence, due.recurrence.month, due.recurrence.quarter) == (
        Cadence.YEARLY,
        month,
        quarter,
    )


def test_001_item_12c_is_split_into_a_dated_and_a_conditional_row(
    plans: dict[str, PlanDraft],
) -> None:
    first, second = plans["001"].task("12.c(1)"), plans["001"].task("12.c(2)")
    assert first.due.due_date == date(2022, 7, 31)
    assert second.due.kind == DeadlineKind.CONDITIONAL
    assert second.due.condition is not None and "Tổng Cục thống kê" in second.due.condition
    assert first.lead_named == second.lead_named == ("CTK",)
    assert first.title.startswith("Tham mưu Ủy ban nhân dân thành phố")


def test_001_item_12b_reads_a_time_line_written_with_a_comma(plans: dict[str, PlanDraft]) -> None:
    due = plans["001"].task("12.b").due
    assert (due.kind, due.due_date, due.strictly_before) == (
        DeadlineKind.DATE,
        date(2022, 6, 30),
        True,
    )


def test_001_item_2b_has_seven_scoped_leads(plans: dict[str, PlanDraft]) -> None:
    task = plans["001"].task("2.b")
    assert task.lead_named == ("STTTT", "GRP-DN-CANG", "SDL", "STNMT", "SGTVT", "SYT", "SGDDT")
    scopes = dict(task.lead_scopes)
    assert scopes["GRP-DN-CANG"] == "Cảng biển"
    assert scopes["SDL"] == "chủ trì thí điểm trong lĩnh vực du lịch"


def test_001_items_11ab_split_the_lead_by_territory(plans: dict[str, PlanDraft]) -> None:
    for code in ("11.a", "11.b"):
        task = plans["001"].task(code)
        assert task.lead_named == ("BQLKKT", "STTTT")
        assert dict(task.lead_scopes)["STTTT"] == "các khu vực còn lại trên địa bàn thành phố"


def test_001_a_name_broken_across_a_page_break_is_rejoined(plans: dict[str, PlanDraft]) -> None:
    # "… Bộ Thông tin và Truyền thông; Sở" / "Công Thương; …"
    assert "SCT" in plans["001"].task("4.a").cooperating_codes
    assert "CATP" in plans["001"].task("8.b").cooperating_codes


# --- dated prose duties in all documents ---------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "code", "leads", "due", "strictly_before"),
    [
        ("000", "2.4.a", ("STTTT",), date(2023, 5, 31), True),
        ("000", "3.19", ("GRP-CQ-CHUTRI",), date(2023, 6, 30), False),
        (
            "001",
            "VI.4.b",
            ("GRP-DN-VT", "VIETTEL-HP", "VNPT-HP", "MOBIFONE-HP"),
            date(2022, 11, 30),
            True,
        ),
        ("001", "VI.4.c", ("BDTP",), date(2022, 9, 30), True),
        ("002", "V.1", ("GRP-SNDVDP",), date(2023, 6, 30), False),
        ("002", "V.3.c", ("CATP",), date(2023, 12, 31), False),
        ("002", "V.24.a", ("NHNN-HP",), date(2023, 12, 31), False),
        ("003", "V.5.a", ("GRP-SBN", "UBND-QUAN-HUYEN"), date(2022, 4, 30), False),
        ("003", "V.5.b", ("GRP-CQ-CHUTRI",), date(2022, 6, 30), False),
        ("004", "III.1.2", ("GRP-SBN", "UBND-QUAN-HUYEN"), date(2023, 2, 14), True),
        ("004", "III.1.4", ("GRP-SBN", "UBND-QUAN-HUYEN"), date(2023, 11, 19), True),
    ],
)
def test_dated_prose_duties_with_a_named_lead_become_tasks(
    plans: dict[str, PlanDraft],
    doc: str,
    code: str,
    leads: tuple[str, ...],
    due: date,
    strictly_before: bool,
) -> None:
    task = plans[doc].task(code)
    assert task.source_kind == SourceKind.PROSE_DUTY
    assert task.lead_named == leads
    assert task.due.due_date == due
    assert task.due.strictly_before == strictly_before


def test_only_the_listed_prose_duties_are_taken(plans: dict[str, PlanDraft]) -> None:
    duties = {key: _kind(plan, SourceKind.PROSE_DUTY) for key, plan in plans.items()}
    assert duties == {
        "000": ["2.4.a", "3.19"],
        "001": ["VI.4.b", "VI.4.c"],
        "002": ["V.1", "V.3.c", "V.24.a"],
        "003": ["V.5.a", "V.5.b"],
        "004": ["III.1.2", "III.1.4"],
    }


def test_prose_duties_keep_who_the_result_goes_to(plans: dict[str, PlanDraft]) -> None:
    assert plans["004"].task("III.1.2").recipients[0] == "VPUBND"
    assert set(plans["004"].task("III.1.4").recipients) == {"UBNDTP", "VPUBND"}
    assert plans["000"].task("3.19").recipients == ("UBNDTP",)
    assert plans["001"].task("VI.4.c").cooperating_codes == ("STTTT",)
    assert "cùng Sở, ngành, quận, huyện" in plans["000"].task("2.4.a").title


def test_002_and_003_have_no_number_and_take_their_year_from_their_deadlines(
    plans: dict[str, PlanDraft],
) -> None:
    assert (plans["002"].ref, plans["002"].plan_year, plans["002"].hub_code) == (
        None,
        2023,
        "STTTT",
    )
    assert (plans["003"].ref, plans["003"].plan_year, plans["003"].hub_code) == (
        None,
        2022,
        "STTTT",
    )


# --- every seed -----------------------------------------------------------------------------


def test_every_agency_cell_in_the_seeds_resolves(plans: dict[str, PlanDraft]) -> None:
    unresolved = [
        f"{key} {task.code}: {fragment!r}"
        for key, plan in plans.items()
        for task in plan.tasks
        for fragment in (
            *task.unresolved_leads,
            *task.unresolved_cooperating,
            *task.unresolved_recipients,
        )
    ]
    assert unresolved == [], "\n".join(unresolved)


def test_task_codes_are_unique_within_each_plan(plans: dict[str, PlanDraft]) -> None:
    for plan in plans.values():
        codes = [task.code for task in plan.tasks]
        assert len(codes) == len(set(codes)), plan.source_file


def test_an_explicit_plan_year_and_reference_win(registry: AgencyRegistry) -> None:
    plan = import_file(SEEDS["004"], registry=registry, plan_year=2024, plan_ref="99/CT-UBND")
    assert plan.plan_year == 2024
    assert plan.ref == "99/CT-UBND"
    assert plan.task("PL4.1").due.due_date == date(2024, 6, 30)
    assert plan.task("PL4.45").due.due_date == date(2023, 12, 31)


# --- duties that give no task --------------------------------------------------------------


def test_undated_prose_duties_are_counted_and_listed_not_made_tasks(
    plans: dict[str, PlanDraft],
) -> None:
    accounts = {
        key: (
            len(plan.tasks),
            plan.duties_found,
            plan.deadlines_unread,
            dict(Counter(s.reason for s in plan.skipped)),
        )
        for key, plan in plans.items()
    }
    assert accounts == {
        "000": (
            59,
            134,
            0,
            {
                SkipReason.ONGOING: 1,
                SkipReason.RECURRING: 6,
                SkipReason.UNDATED: 68,
                SkipReason.INVITATION: 1,
            },
        ),
        "001": (46, 59, 0, {SkipReason.UNDATED: 10, SkipReason.RECURRING: 3}),
        "002": (3, 60, 0, {SkipReason.UNDATED: 55, SkipReason.RECURRING: 2}),
        "003": (2, 26, 0, {SkipReason.UNDATED: 22, SkipReason.RECURRING: 2}),
        "004": (75, 81, 0, {SkipReason.UNDATED: 5, SkipReason.ONGOING: 1}),
    }


def test_000_every_agency_of_its_organisation_part_has_its_duties_listed(
    plans: dict[str, PlanDraft],
) -> None:
    skipped = plans["000"].skipped
    assert {s.location for s in skipped} == {f"3.{number}" for number in range(1, 21)}
    assert [s.agencies for s in skipped if s.location == "3.2"] == [("SXD",)] * 5
    # "Thường xuyên đôn đốc …" is ongoing; "Định kỳ 6 tháng … báo cáo" recurs.
    assert [s.reason for s in skipped if s.location == "3.1"] == [
        SkipReason.ONGOING,
        SkipReason.RECURRING,
    ]
    # "3.16. Kính mời Ủy ban Mặt trận …": an invitation, not an order.
    assert [(s.reason, s.agencies) for s in skipped if s.location == "3.16"] == [
        (SkipReason.INVITATION, ("UBMTTQ", "GRP-DOANTHE"))
    ]


def test_the_task_leads_group_stands_for_the_leads_of_the_plans_task_list(
    plans: dict[str, PlanDraft],
) -> None:
    plan = plans["000"]
    appendix = {
        code
        for task in plan.tasks
        if task.source_kind == SourceKind.APPENDIX_TABLE
        for code in task.lead_codes
    }
    task = plan.task("3.19")
    assert task.lead_named == ("GRP-CQ-CHUTRI",)
    assert set(task.lead_codes) == appendix
    assert task.problems == []


def test_prose_duty_titles_say_what_is_to_be_done(plans: dict[str, PlanDraft]) -> None:
    titles = {
        (key, task.code): task.title
        for key, plan in plans.items()
        for task in plan.tasks
        if task.source_kind == SourceKind.PROSE_DUTY
    }
    assert titles[("004", "III.1.2")].startswith(
        "Xây dựng, ban hành và triển khai ngay kế hoạch, chương trình hành động cụ thể"
    )
    # "… Thời gian hoàn thành trước tháng 12 năm 2022." is the deadline, not the task.
    assert titles[("001", "VI.4.b")] == (
        "Làm việc với Tập đoàn/Tổng Công ty để thực hiện phổ cập điện thoại thông minh giá rẻ "
        "cho 100% người dân trên toàn thành phố"
    )
    assert not [title for title in titles.values() if "trước" in title.split()[:2]]
