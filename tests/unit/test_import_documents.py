"""Documents of 2025-2026 as they arrive: a conclusion, a directive, prose plans, a mixed plan.

The documents are in tests/data/documents. Each test states what a coordinator reading the
document would write down: every task with its code, title, agencies and deadline, every duty
that gives no task (and why), and the counts the import reports.
"""

import csv
import tempfile
from datetime import date, time
from pathlib import Path
from typing import NamedTuple

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.agencies import AgencyRegistry
from domain.deadlines import DeadlineKind, YearSource
from domain.importers import PlanImportError, import_file
from domain.importers.blocks import Table
from domain.importers.tables import role_of
from domain.importers.text import read_text
from domain.plans import PlanDraft, SkipReason, SourceKind, TaskDraft
from domain.text import fold as _fold

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "tests" / "data" / "documents"
CONCLUSION = DOCUMENTS / "thong-bao-ket-luan.txt"
DIRECTIVE = DOCUMENTS / "cong-van-chi-dao.txt"
PROSE_PLAN = DOCUMENTS / "ke-hoach-to-chuc-thuc-hien.txt"
MIXED_PLAN = DOCUMENTS / "ke-hoach-phu-luc.txt"

# The bodies the documents name, by a short key. Codes are looked up by name, so the tests
# hold whichever registry (the 2023 one, or the 2025 one with successors) names them.
AGENCY = {
    "SKHCN": "Sở Khoa học và Công nghệ",
    "STC": "Sở Tài chính",
    "SNV": "Sở Nội vụ",
    "STP": "Sở Tư pháp",
    "SNNMT": "Sở Nông nghiệp và Môi trường",
    "CATP": "Công an thành phố Hải Phòng",
    "UBNDTP": "Ủy ban nhân dân thành phố Hải Phòng",
    "CT": "Chủ tịch Ủy ban nhân dân thành phố",
    "VPUBND": "Văn phòng Ủy ban nhân dân thành phố",
    "UBMTTQ": "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố",
    "XA": "Ủy ban nhân dân các xã, phường, đặc khu",
    "LIENQUAN": "Các cơ quan, tổ chức, đơn vị có liên quan",
    "CQ-CHUTRI": "Các cơ quan chủ trì nhiệm vụ",
}
# Names of the 2025 structure the shipped 2023 registry does not know yet; the registry of
# branch h/registry has them (the last one as an alias of GRP-LIENQUAN to be added there).
SUPPLEMENT = [
    ("Sở Nông nghiệp và Môi trường", "SNNMT", "so", "GRP-SBN;GRP-SNDVDP;GRP-CQNN"),
    ("Ủy ban nhân dân các xã, phường, đặc khu", "UBND-XA-PHUONG-DACKHU", "ubnd-xa", ""),
    ("Các cơ quan, tổ chức, đơn vị có liên quan", "GRP-LIENQUAN", "other", ""),
]


@pytest.fixture(scope="module")
def registry() -> AgencyRegistry:
    with (ROOT / "bot" / "data" / "agencies.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    shipped = AgencyRegistry.from_rows(rows)
    rows += [
        {"canonical_name": name, "short_code": code, "kind": kind, "member_of": groups}
        for name, code, kind, groups in SUPPLEMENT
        if shipped.leading(name)[1] != len(name)
    ]
    return AgencyRegistry.from_rows(rows)


@pytest.fixture(scope="module")
def plans(registry: AgencyRegistry) -> dict[Path, PlanDraft]:
    return {
        path: import_file(path, registry=registry)
        for path in (CONCLUSION, DIRECTIVE, PROSE_PLAN, MIXED_PLAN)
    }


def _code(registry: AgencyRegistry, key: str) -> str:
    agency = registry.resolve(AGENCY[key])
    assert agency is not None, AGENCY[key]
    return agency.code


def _codes(registry: AgencyRegistry, keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_code(registry, key) for key in keys)


class Expected(NamedTuple):
    code: str
    title: str
    leads: tuple[str, ...]
    cooperating: tuple[str, ...]
    recipients: tuple[str, ...]
    kind: DeadlineKind
    due: date | None
    before: bool = False


CONCLUSION_TASKS = [
    Expected(
        "2.a",
        "Xây dựng Kế hoạch chuyển đổi số năm 2026 của thành phố, trình Ủy ban nhân dân thành phố",
        ("SKHCN",),
        ("STC", "SNV", "XA"),
        ("UBNDTP",),
        DeadlineKind.DATE,
        date(2025, 12, 14),
        before=True,
    ),
    Expected(
        "2.b",
        "Hướng dẫn các cơ quan, đơn vị triển khai nền tảng số dùng chung theo Quyết định số "
        "1234/QĐ-UBND ngày 20/8/2025 của Ủy ban nhân dân thành phố",
        ("SKHCN",),
        ("STC", "SNV", "XA"),
        (),
        DeadlineKind.MONTH,
        date(2026, 1, 31),
    ),
    Expected(
        "3",
        "Chủ trì, phối hợp với Sở Khoa học và Công nghệ khẩn trương tham mưu Ủy ban nhân dân "
        "thành phố bố trí kinh phí thực hiện các nhiệm vụ chuyển đổi số năm 2026",
        ("STC",),
        ("SKHCN",),
        (),
        DeadlineKind.DATE,
        date(2025, 12, 19),
        before=True,
    ),
    Expected(
        "4",
        "Chủ trì rà soát, kiện toàn Ban Chỉ đạo chuyển đổi số thành phố sau sắp xếp tổ chức bộ "
        "máy, trình Chủ tịch Ủy ban nhân dân thành phố",
        ("SNV",),
        (),
        ("CT",),
        DeadlineKind.DATE,
        date(2026, 1, 15),
    ),
    Expected(
        "7",
        "Chủ động bố trí nhân lực vận hành Bộ phận Một cửa",
        ("XA",),
        (),
        (),
        DeadlineKind.YEAR,
        date(2026, 12, 31),
    ),
]

DIRECTIVE_TASKS = [
    Expected(
        "1(1)",
        "Chủ trì, phối hợp với Sở Tài chính rà soát, tổng hợp nhu cầu biên chế của các xã, "
        "phường, đặc khu năm 2026, báo cáo Ủy ban nhân dân thành phố",
        ("SNV",),
        ("STC",),
        ("UBNDTP",),
        DeadlineKind.DATE,
        date(2025, 12, 24),
        before=True,
    ),
    Expected(
        "1(2)",
        "Hướng dẫn các xã, phường, đặc khu xây dựng đề án vị trí việc làm theo Nghị định số "
        "62/2020/NĐ-CP ngày 01/6/2020 của Chính phủ",
        ("SNV",),
        (),
        (),
        DeadlineKind.DATE,
        date(2026, 3, 30),
        before=True,
    ),
    Expected(
        "1(3)",
        "Tổng hợp kết quả sắp xếp đơn vị sự nghiệp công lập, gửi Sở Tài chính",
        ("SNV",),
        (),
        ("STC",),
        DeadlineKind.UNREAD,
        None,
    ),
    Expected(
        "2",
        "Chủ trì, phối hợp với Sở Nội vụ tham mưu bố trí kinh phí bảo đảm hoạt động của các "
        "xã, phường, đặc khu",
        ("STC",),
        ("SNV",),
        (),
        DeadlineKind.MONTH,
        date(2026, 1, 31),
    ),
    Expected(
        "3(1)",
        "Bảo đảm hạ tầng số, kết nối các hệ thống thông tin giữa thành phố và các xã, phường, "
        "đặc khu",
        ("SKHCN",),
        (),
        (),
        DeadlineKind.DATE,
        date(2026, 1, 14),
        before=True,
    ),
    Expected(
        "3(2)",
        "Báo cáo kết quả về Sở Nội vụ",
        ("SKHCN",),
        (),
        ("SNV",),
        DeadlineKind.MONTH,
        date(2026, 2, 28),
    ),
    Expected(
        "4",
        "Rà soát, cập nhật thông tin cán bộ, công chức trên Cơ sở dữ liệu quốc gia về cán bộ, "
        "công chức, viên chức",
        ("XA",),
        (),
        (),
        DeadlineKind.DATE,
        date(2025, 12, 30),
    ),
    Expected(
        "5",
        "Phối hợp cung cấp thông tin cho Sở Nội vụ",
        ("LIENQUAN",),
        (),
        (),
        DeadlineKind.DATE,
        date(2025, 12, 19),
        before=True,
    ),
]

PROSE_PLAN_TASKS = [
    Expected(
        "III.1.a",
        "Chủ trì, hướng dẫn, đôn đốc các cơ quan, đơn vị triển khai Kế hoạch; tổng hợp, báo cáo "
        "Ủy ban nhân dân thành phố kết quả thực hiện",
        ("SKHCN",),
        (),
        ("UBNDTP",),
        DeadlineKind.DATE,
        date(2026, 12, 14),
        before=True,
    ),
    Expected(
        "III.1.b",
        "Chủ trì, phối hợp với Công an thành phố xây dựng kho dữ liệu dùng chung của thành phố",
        ("SKHCN",),
        ("CATP",),
        (),
        DeadlineKind.QUARTER,
        date(2026, 9, 30),
    ),
    Expected(
        "III.3.b",
        "Phối hợp với Sở Khoa học và Công nghệ tổ chức bồi dưỡng kỹ năng số cho cán bộ, công "
        "chức cấp xã",
        ("SNV",),
        ("SKHCN",),
        (),
        DeadlineKind.DATE,
        date(2026, 6, 29),
        before=True,
    ),
    Expected(
        "III.4",
        "Hoàn thiện cơ sở dữ liệu đất đai của thành phố, kết nối với Hệ thống định danh và xác "
        "thực điện tử",
        ("SNNMT",),
        (),
        (),
        DeadlineKind.QUARTER,
        date(2026, 12, 31),
    ),
    Expected(
        "III.5",
        "Ban hành kế hoạch chuyển đổi số năm 2026 của địa phương",
        ("XA",),
        (),
        (),
        DeadlineKind.MONTH,
        date(2026, 2, 28),
    ),
    Expected(
        "III.6",
        "Báo cáo kết quả thực hiện các nhiệm vụ được giao về Sở Khoa học và Công nghệ",
        ("CQ-CHUTRI",),
        (),
        ("SKHCN",),
        DeadlineKind.DATE,
        date(2026, 12, 9),
        before=True,
    ),
]

MIXED_PLAN_TASKS = [
    Expected(
        "1",
        "Rà soát, đề xuất bãi bỏ văn bản quy phạm pháp luật không còn phù hợp sau sắp xếp đơn "
        "vị hành chính",
        ("STP",),
        (),
        (),
        DeadlineKind.QUARTER,
        date(2026, 6, 30),
    ),
    Expected(
        "2",
        "Xây dựng quy chế phối hợp giữa các sở và Ủy ban nhân dân các xã, phường, đặc khu",
        ("SNV", "STC"),
        (),
        (),
        DeadlineKind.MONTH,
        date(2026, 3, 31),
    ),
    Expected(
        "3",
        "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
        ("XA",),
        (),
        (),
        DeadlineKind.ONGOING,
        None,
    ),
    Expected(
        "4",
        "Tổ chức đối thoại với doanh nghiệp về thủ tục hành chính",
        ("STC", "LIENQUAN"),
        (),
        (),
        DeadlineKind.DATE,
        date(2026, 9, 15),
    ),
    Expected(
        "5",
        "Rà soát quy trình nội bộ giải quyết thủ tục hành chính",
        ("LIENQUAN",),
        (),
        (),
        DeadlineKind.QUARTER,
        date(2026, 9, 30),
    ),
    Expected(
        "6",
        "Báo cáo tình hình thực hiện nhiệm vụ được giao",
        ("CQ-CHUTRI",),
        (),
        (),
        DeadlineKind.MONTH,
        date(2026, 11, 30),
    ),
    Expected(
        "III.1",
        "Là cơ quan thường trực, chủ trì theo dõi, đôn đốc các cơ quan, đơn vị thực hiện Kế "
        "hoạch; tổng hợp, báo cáo Ủy ban nhân dân thành phố kết quả cải cách hành chính năm 2026",
        ("SNV",),
        (),
        ("UBNDTP",),
        DeadlineKind.DATE,
        date(2026, 12, 9),
        before=True,
    ),
    Expected(
        "III.2",
        "Chủ trì kiểm soát thủ tục hành chính; công bố danh mục thủ tục hành chính được chuẩn hóa",
        ("STP",),
        (),
        (),
        DeadlineKind.QUARTER,
        date(2026, 3, 31),
    ),
    Expected(
        "III.3",
        "Báo cáo kết quả thực hiện các nhiệm vụ tại Phụ lục về Sở Nội vụ",
        ("CQ-CHUTRI",),
        (),
        ("SNV",),
        DeadlineKind.DATE,
        date(2026, 12, 4),
        before=True,
    ),
]

EXPECTED_TASKS = {
    CONCLUSION: CONCLUSION_TASKS,
    DIRECTIVE: DIRECTIVE_TASKS,
    PROSE_PLAN: PROSE_PLAN_TASKS,
    MIXED_PLAN: MIXED_PLAN_TASKS,
}


def _essence(task: TaskDraft) -> tuple[object, ...]:
    return (
        task.code,
        task.title,
        task.lead_named,
        task.cooperating_named,
        task.recipients,
        task.due.kind,
        task.due.due_date,
        task.due.strictly_before,
    )


def _expected(registry: AgencyRegistry, row: Expected) -> tuple[object, ...]:
    return (
        row.code,
        row.title,
        _codes(registry, row.leads),
        _codes(registry, row.cooperating),
        _codes(registry, row.recipients),
        row.kind,
        row.due,
        row.before,
    )


@pytest.mark.parametrize(
    ("path", "row"),
    [(path, row) for path, rows in EXPECTED_TASKS.items() for row in rows],
    ids=lambda value: value.name if isinstance(value, Path) else value.code,
)
def test_each_duty_becomes_the_task_the_document_states(
    plans: dict[Path, PlanDraft], registry: AgencyRegistry, path: Path, row: Expected
) -> None:
    assert _essence(plans[path].task(row.code)) == _expected(registry, row)


@pytest.mark.parametrize("path", list(EXPECTED_TASKS), ids=lambda path: path.name)
def test_a_document_gives_exactly_its_tasks_in_document_order(
    plans: dict[Path, PlanDraft], path: Path
) -> None:
    assert [task.code for task in plans[path].tasks] == [row.code for row in EXPECTED_TASKS[path]]


@pytest.mark.parametrize(
    ("path", "skipped"),
    [
        (
            CONCLUSION,
            [
                (SkipReason.UNDATED, "2.c", ("SKHCN",), None),
                (SkipReason.ONGOING, "4", ("SNV",), None),
                (SkipReason.RECURRING, "5", ("CATP",), None),
                (SkipReason.NO_AGENCY, "6", (), "trong quý I/2026"),
                (SkipReason.INVITATION, "8", ("UBMTTQ",), None),
                (SkipReason.UNDATED, "9", ("VPUBND",), None),
            ],
        ),
        (
            DIRECTIVE,
            [
                (SkipReason.RECURRING, "1", ("SNV",), None),
                (SkipReason.UNDATED, "2", ("STC",), None),
                (SkipReason.RECURRING, "4", ("XA",), "Trước ngày 05 của tháng liền kề"),
                (SkipReason.UNDATED, "6", ("LIENQUAN",), None),
            ],
        ),
        (
            PROSE_PLAN,
            [
                (SkipReason.UNDATED, "I.2", ("LIENQUAN",), None),
                (SkipReason.ONGOING, "III.1.c", ("SKHCN",), None),
                (SkipReason.UNDATED, "III.2", ("STC",), None),
                (SkipReason.UNDATED, "III.3.a", ("SNV",), None),
                (
                    SkipReason.RECURRING,
                    "III.5",
                    ("XA",),
                    "trước ngày 20 của tháng cuối quý",
                ),
                (SkipReason.INVITATION, "III.7", ("UBMTTQ",), None),
                (SkipReason.UNDATED, "III.7", ("LIENQUAN",), None),
            ],
        ),
        (MIXED_PLAN, []),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else "",
)
def test_duties_that_give_no_task_are_listed_with_where_and_why(
    plans: dict[Path, PlanDraft],
    registry: AgencyRegistry,
    path: Path,
    skipped: list[tuple[SkipReason, str, tuple[str, ...], str | None]],
) -> None:
    assert [(s.reason, s.location, s.agencies, s.time) for s in plans[path].skipped] == [
        (reason, location, _codes(registry, agencies), time)
        for reason, location, agencies, time in skipped
    ]


@pytest.mark.parametrize(
    ("path", "found", "tasks", "unread", "accounting"),
    [
        (
            CONCLUSION,
            10,
            5,
            0,
            "Tìm thấy 10 nhiệm vụ: 5 thành việc cần nhắc, 5 chưa (2 không ghi thời hạn, 1 thường "
            "xuyên, 1 định kỳ, 1 không nêu cơ quan); 0 thời hạn không đọc được; 1 lời mời, đề "
            "nghị.",
        ),
        (
            DIRECTIVE,
            12,
            8,
            1,
            "Tìm thấy 12 nhiệm vụ: 8 thành việc cần nhắc, 4 chưa (2 không ghi thời hạn, 0 thường "
            "xuyên, 2 định kỳ, 0 không nêu cơ quan); 1 thời hạn không đọc được; 0 lời mời, đề "
            "nghị.",
        ),
        (
            PROSE_PLAN,
            12,
            6,
            0,
            "Tìm thấy 12 nhiệm vụ: 6 thành việc cần nhắc, 6 chưa (4 không ghi thời hạn, 1 thường "
            "xuyên, 1 định kỳ, 0 không nêu cơ quan); 0 thời hạn không đọc được; 1 lời mời, đề "
            "nghị.",
        ),
        (
            MIXED_PLAN,
            9,
            9,
            0,
            "Tìm thấy 9 nhiệm vụ: 9 thành việc cần nhắc, 0 chưa (0 không ghi thời hạn, 0 thường "
            "xuyên, 0 định kỳ, 0 không nêu cơ quan); 0 thời hạn không đọc được; 0 lời mời, đề "
            "nghị.",
        ),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else "",
)
def test_the_import_counts_duties_tasks_and_unread_deadlines(
    plans: dict[Path, PlanDraft],
    path: Path,
    found: int,
    tasks: int,
    unread: int,
    accounting: str,
) -> None:
    plan = plans[path]
    assert (plan.duties_found, len(plan.tasks), plan.deadlines_unread) == (found, tasks, unread)
    assert str(plan.accounting()) == accounting


@pytest.mark.parametrize(
    ("path", "ref", "issued", "title", "hub"),
    [
        (
            CONCLUSION,
            "512/TB-UBND",
            date(2025, 11, 10),
            "THÔNG BÁO Kết luận của Chủ tịch Ủy ban nhân dân thành phố tại cuộc họp về triển "
            "khai chuyển đổi số và Đề án 06 năm 2026",
            "VPUBND",
        ),
        (
            DIRECTIVE,
            "4521/UBND-NC",
            date(2025, 12, 2),
            "V/v triển khai kiện toàn tổ chức và chế độ báo cáo sau khi vận hành chính quyền địa "
            "phương hai cấp",
            None,
        ),
        (
            PROSE_PLAN,
            "289/KH-UBND",
            date(2025, 12, 25),
            "KẾ HOẠCH Chuyển đổi số, phát triển khoa học, công nghệ và đổi mới sáng tạo năm 2026",
            "SKHCN",
        ),
        (
            MIXED_PLAN,
            "301/KH-UBND",
            date(2025, 12, 26),
            "KẾ HOẠCH Cải cách hành chính thành phố năm 2026",
            "SNV",
        ),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else "",
)
def test_a_document_says_who_issued_what_and_when(
    plans: dict[Path, PlanDraft],
    registry: AgencyRegistry,
    path: Path,
    ref: str,
    issued: date,
    title: str,
    hub: str | None,
) -> None:
    plan = plans[path]
    assert (plan.ref, plan.issue_date, plan.plan_year, plan.title) == (ref, issued, 2025, title)
    assert plan.hub_code == (_code(registry, hub) if hub else None)


def test_dates_of_cited_documents_are_never_deadlines(plans: dict[Path, PlanDraft]) -> None:
    cited = ("30/9/2025", "05/6/2025", "28/5/2015", "20/8/2025", "01/6/2020", "20/11/2025")
    times = [task.due.original for plan in plans.values() for task in plan.tasks]
    times += [s.time or "" for plan in plans.values() for s in plan.skipped]
    assert not [time for time in times if any(date_ in time for date_ in cited)]
    # The narrative "Sở … đã … hoàn thành trước ngày 30/9/2025 …" of part 1 assigns nothing.
    assert not [s for s in plans[CONCLUSION].skipped if s.location == "1"]


def test_an_unreadable_deadline_keeps_the_task_and_says_why(
    plans: dict[Path, PlanDraft],
) -> None:
    task = plans[DIRECTIVE].task("1(3)")
    assert task.due.original == "trước ngày 31/11/2025"
    assert [str(problem) for problem in task.problems] == [
        "Thời hạn không đọc được: «trước ngày 31/11/2025» (ngày không có thật)"
    ]


def test_a_deadline_with_an_hour_keeps_it(plans: dict[Path, PlanDraft]) -> None:
    due = plans[DIRECTIVE].task("4").due
    assert (due.original, due.due_date, due.due_time) == (
        "trước 17 giờ ngày 30/12/2025",
        date(2025, 12, 30),
        time(17, 0),
    )


def test_a_deadline_sentence_of_its_own_dates_the_duty_before_it(
    plans: dict[Path, PlanDraft],
) -> None:
    # "… của Chính phủ. Thời hạn hoàn thành: trước ngày 31/3/2026."
    task = plans[DIRECTIVE].task("1(2)")
    assert task.due.original == "trước ngày 31/3/2026"
    assert not task.title.startswith(("Thời hạn", "Hoàn thành"))


def test_a_short_duty_that_names_its_agency_and_a_time_is_a_task_not_dropped(
    registry: AgencyRegistry, tmp_path: Path
) -> None:
    source = tmp_path / "tb-12.txt"
    source.write_text(
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG\nSố: 12/TB-UBND\n"
        "Hải Phòng, ngày 10 tháng 11 năm 2025\nTHÔNG BÁO\nKết luận của Chủ tịch UBND thành phố\n"
        "1. Giao Sở Tài chính rà soát, hoàn thành trong tháng 6/2026.\n"
        "2. Đơn vị tính: %\n",
        encoding="utf-8",
    )
    plan = import_file(source, registry=registry)
    task = plan.task("1")
    assert (task.title, task.lead_codes, task.due.due_date) == (
        "Rà soát",
        (_code(registry, "STC"),),
        date(2026, 6, 30),
    )
    assert plan.duties_found == 1


def test_an_unnamed_lead_assigns_nobody_and_is_reported_once(
    plans: dict[Path, PlanDraft], registry: AgencyRegistry
) -> None:
    unnamed = (
        "Chủ trì chỉ ghi «các cơ quan, đơn vị có liên quan», không nêu tên cơ quan nào: cần xác "
        "định cơ quan chủ trì"
    )
    # The appendix row also took its year from the column header, and says so.
    header_year = "Thời hạn «Quý III» không ghi năm; lấy năm 2026 ở tiêu đề cột"
    for plan, code, expected in (
        (DIRECTIVE, "5", [unnamed]),
        (MIXED_PLAN, "5", [unnamed, header_year]),
    ):
        task = plans[plan].task(code)
        assert task.lead_codes == ()
        assert [str(problem) for problem in task.problems] == expected
    named_too = plans[MIXED_PLAN].task("4")
    assert named_too.lead_codes == (_code(registry, "STC"),)
    assert [str(problem) for problem in named_too.problems] == [
        "Thời hạn «15/9» không ghi năm; lấy năm 2026 ở tiêu đề cột"
    ]


def test_the_leads_of_each_task_stand_in_for_the_task_leads_group(
    plans: dict[Path, PlanDraft], registry: AgencyRegistry
) -> None:
    # Mixed plan: the appendix rows' leads, not the prose duties' (row 5 names nobody).
    listed = _codes(registry, ("STP", "SNV", "STC"))
    header_year = "Thời hạn «Tháng 11» không ghi năm; lấy năm 2026 ở tiêu đề cột"
    for code, problems in (("6", [header_year]), ("III.3", [])):
        task = plans[MIXED_PLAN].task(code)
        assert task.lead_codes[:3] == listed
        assert set(task.lead_codes[3:]) == set(_members(registry, "XA"))
        assert [str(problem) for problem in task.problems] == problems
    # Prose plan, no table: the other tasks' leads.
    task = plans[PROSE_PLAN].task("III.6")
    assert task.lead_codes[:3] == _codes(registry, ("SKHCN", "SNV", "SNNMT"))
    assert set(task.lead_codes[3:]) == set(_members(registry, "XA"))


def _members(registry: AgencyRegistry, key: str) -> list[str]:
    code = _code(registry, key)
    return [agency.code for agency in registry.members(code)] or [code]


def test_2025_table_headers_are_read_and_other_columns_kept(
    plans: dict[Path, PlanDraft],
) -> None:
    plan = plans[MIXED_PLAN]
    first = plan.task("1")
    assert first.source_kind == SourceKind.APPENDIX_TABLE
    assert first.section == "I. Cải cách thể chế"
    assert first.extra == (("Sản phẩm", "Báo cáo rà soát"), ("Theo dõi", "Sở Nội vụ"))
    # "Thời gian (Năm 2026)" gives "Quý II" its year, not the plan's 2025.
    assert (first.due.original, first.due.year_inferred_from) == ("Quý II", YearSource.HEADER)
    assert [str(problem) for problem in plan.problems] == [
        "Một bảng liệt kê công việc nhưng không có cột cơ quan chủ trì (Cơ quan chủ trì, Đơn vị "
        "chủ trì, Trách nhiệm thực hiện…), nên không đọc được; tiêu đề bảng: «STT» | «Nội "
        "dung» | «Thời hạn» | «Sản phẩm»"
    ]


def _as_word(source: Path, target: Path, registry: AgencyRegistry) -> Path:
    """The document as a Word file: one paragraph per paragraph, tables as tables."""
    document = docx.Document()
    for block in read_text(source.read_text(encoding="utf-8"), registry=registry):
        if isinstance(block, Table):
            width = max(len(row) for row in block.rows)
            table = document.add_table(rows=len(block.rows), cols=width)
            for index, row in enumerate(block.rows):
                for column, cell in enumerate(row):
                    if cell.text:
                        table.cell(index, column).paragraphs[0].add_run(cell.text).bold = cell.bold
        else:
            document.add_paragraph(block.text)
    document.save(str(target))
    return target


@pytest.mark.parametrize("path", [CONCLUSION, MIXED_PLAN], ids=lambda path: path.name)
def test_a_word_version_reads_to_the_same_plan(
    tmp_path: Path, registry: AgencyRegistry, plans: dict[Path, PlanDraft], path: Path
) -> None:
    word = import_file(_as_word(path, tmp_path / f"{path.stem}.docx", registry), registry=registry)
    text = plans[path]
    assert [_essence(task) for task in word.tasks] == [_essence(task) for task in text.tasks]
    assert [task.lead_codes for task in word.tasks] == [task.lead_codes for task in text.tasks]
    assert word.skipped == text.skipped
    assert (word.ref, word.issue_date, word.title, word.hub_code) == (
        text.ref,
        text.issue_date,
        text.title,
        text.hub_code,
    )
    assert [str(problem) for problem in word.problems] == [
        str(problem) for problem in text.problems
    ]


def test_a_document_of_undated_duties_is_imported_not_refused(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    path = tmp_path / "cong-van.txt"
    path.write_text(
        "Số: 77/UBND-VX\n\nHà Nội, ngày 03 tháng 3 năm 2026\n\n"
        "1. Sở Y tế: Chủ trì kiểm tra an toàn thực phẩm tại các bếp ăn tập thể.\n"
        "2. Sở Giáo dục và Đào tạo: Phối hợp với Sở Y tế hướng dẫn các trường học thực hiện.\n",
        encoding="utf-8",
    )
    plan = import_file(path, registry=registry)
    assert (plan.tasks, plan.duties_found, plan.issue_date) == ([], 2, date(2026, 3, 3))
    assert [(s.reason, s.location) for s in plan.skipped] == [
        (SkipReason.UNDATED, "1"),
        (SkipReason.UNDATED, "2"),
    ]


def test_a_document_with_nothing_to_do_is_refused_saying_what_was_looked_for(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    path = tmp_path / "bao-cao.txt"
    path.write_text(
        "BÁO CÁO\nKết quả cải cách hành chính năm 2025\n\n"
        "Năm 2025, các cơ quan đã hoàn thành trước ngày 15/12/2025 các nhiệm vụ được giao.\n\n"
        "STT\tNội dung\tThời gian thực hiện\tSản phẩm\n"
        "1\tRà soát thủ tục hành chính\tQuý IV/2025\tBáo cáo\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanImportError) as error:
        import_file(path, registry=registry)
    message = str(error.value)
    assert message.startswith("«bao-cao.txt» không có nhiệm vụ nào nhận ra được. Đã tìm: bảng")
    assert "«Giao Sở …»" in message
    assert message.endswith(
        "tiêu đề bảng: «STT» | «Nội dung» | «Thời gian thực hiện» | «Sản phẩm»"
    )


# Pieces of real 2025 sentences: who, what, by when, and the citations that carry dates.
_WHO = [
    "Sở Tài chính",
    "Giao Sở Nội vụ",
    "Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Tư pháp",
    "Kính mời Ủy ban Mặt trận Tổ quốc Việt Nam thành phố",
    "Giao",
    "Các cơ quan, đơn vị",
    "",
]
_WHAT = [
    "rà soát danh mục thủ tục hành chính",
    "triển khai Kế hoạch số 123/KH-UBND ngày 05/6/2025 của Ủy ban nhân dân thành phố",
    "hướng dẫn thực hiện Nghị định số 52/2015/NĐ-CP ngày 28/5/2015 của Chính phủ",
    "báo cáo Ủy ban nhân dân thành phố kết quả thực hiện",
]
_WHEN = [
    "",
    ", hoàn thành trước ngày 20/12/2025",
    " chậm nhất là ngày 15/01/2026",
    "; hoàn thành trong tháng 01/2026",
    " trong quý I/2026",
    ", định kỳ hằng tháng",
    " trước ngày 31/11/2025",
]


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.tuples(st.sampled_from(_WHO), st.sampled_from(_WHAT), st.sampled_from(_WHEN)),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_any_mix_of_duty_sentences_imports_without_inventing_dates(
    registry: AgencyRegistry,
    sentences: list[tuple[str, str, str]],
    numbered: bool,
) -> None:
    lines = [
        (f"{number}. " if numbered else "- ") + f"{who} {what}{when}.".strip()
        for number, (who, what, when) in enumerate(sentences, start=1)
    ]
    text = "Số: 5/UBND-TH\n\nHải Phòng, ngày 01 tháng 12 năm 2025\n\n" + "\n".join(lines) + "\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cong-van.txt"
        path.write_text(text, encoding="utf-8")
        try:
            plan = import_file(path, registry=registry)
        except PlanImportError as error:
            assert "không có nhiệm vụ nào nhận ra được" in str(error)
            return
    for task in plan.tasks:
        assert task.title and task.lead_named
        assert not _fold(task.title).startswith(("hoan thanh truoc", "thoi han"))
        assert not any(cited in task.due.original for cited in ("05/6/2025", "28/5/2015"))
        assert task.due.kind != DeadlineKind.RECURRING
    assert plan.duties_found == len(plan.tasks) + sum(s.is_duty for s in plan.skipped)


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("Trách nhiệm thực hiện", "lead"),
        ("Chủ trì thực hiện", "lead"),
        ("Đơn vị chủ trì", "lead"),
        ("Cơ quan thực hiện", "lead"),
        ("Đơn vị phối hợp thực hiện", "coop"),
        ("Thời gian thực hiện", "due"),
        ("Thời hạn", "due"),
        ("Thời gian (Năm 2026)", "due"),
        ("Tiến độ thực hiện", "due"),
        ("Kết thúc", "due"),
        ("Nội dung công việc", "task"),
        ("Sản phẩm", None),
        ("Theo dõi", None),
    ],
)
def test_2025_header_words_name_their_columns(header: str, role: str | None) -> None:
    assert role_of(header) == role


def test_a_two_row_header_in_2025_words_reads_leads_cooperating_and_times(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    path = tmp_path / "phu-luc.txt"
    path.write_text(
        "Số: 12/KH-UBND\n\nHải Phòng, ngày 05 tháng 01 năm 2026\n\n"
        "TT\tNội dung công việc\tTrách nhiệm thực hiện\t\tThời gian thực hiện\t\tSản phẩm\n"
        "\t\tChủ trì\tPhối hợp\tBắt đầu\tKết thúc\t\n"
        "1\tXây dựng cơ sở dữ liệu công chức\tSở Nội vụ\tSở Khoa học và Công nghệ\tQuý I/2026"
        "\tQuý III/2026\tCơ sở dữ liệu\n",
        encoding="utf-8",
    )
    task = import_file(path, registry=registry).task("1")
    assert (task.lead_named, task.cooperating_named) == (
        _codes(registry, ("SNV",)),
        _codes(registry, ("SKHCN",)),
    )
    assert task.start is not None
    assert (task.start.due_date, task.due.due_date) == (date(2026, 3, 31), date(2026, 9, 30))
    assert task.extra == (("Sản phẩm", "Cơ sở dữ liệu"),)
