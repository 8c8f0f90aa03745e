"""Word, Excel and CSV versions of a plan, and files that are not plans at all."""

import os
import unicodedata
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.shared import Pt

from domain.agencies import AgencyRegistry
from domain.importers import PlanImportError, import_file
from domain.importers.blocks import Paragraph
from domain.importers.sheet import read_xlsx
from domain.importers.text import read_text
from domain.plans import PlanDraft, SourceKind, TaskDraft
from locales import gettext_for

DATA = Path(__file__).resolve().parents[2] / "bot" / "data"
PLAN_000 = next((DATA / "seeds").glob("000_*.txt"))


@pytest.fixture(scope="module")
def registry() -> AgencyRegistry:
    return AgencyRegistry.from_csv(DATA / "agencies.csv")


@pytest.fixture(scope="module")
def text_plan(registry: AgencyRegistry) -> PlanDraft:
    return import_file(PLAN_000, registry=registry)


def _appendix_rows() -> list[list[str]]:
    """The appendix table of 000 as its text version has it, cell by cell."""
    lines = PLAN_000.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if "\t" in line]


def _plain(cell: str) -> str:
    return cell.replace("<b>", "").replace("</b>", "")


def _same_tasks(imported: PlanDraft, text_plan: PlanDraft) -> None:
    expected = [t for t in text_plan.tasks if t.source_kind == SourceKind.APPENDIX_TABLE]
    assert [t.code for t in imported.tasks] == [t.code for t in expected]

    def essence(task: TaskDraft) -> tuple[object, ...]:
        return (
            task.code,
            task.section,
            task.title,
            task.lead_codes,
            task.cooperating_codes,
            task.due,
            task.start,
            task.funding,
        )

    for got, want in zip(imported.tasks, expected, strict=True):
        assert essence(got) == essence(want)


def test_a_word_version_of_the_000_appendix_imports_to_the_same_tasks(
    tmp_path: Path, registry: AgencyRegistry, text_plan: PlanDraft
) -> None:
    document = docx.Document()
    document.add_heading("PHỤ LỤC", level=2)
    document.add_paragraph(
        "(Ban hành kèm theo Kế hoạch số 40 /KH-UBND ngày 13 /02/2023 của Ủy ban nhân dân "
        "thành phố)"
    )
    rows = _appendix_rows()
    table = document.add_table(rows=len(rows), cols=7)
    for index, row in enumerate(rows):
        cells = table.rows[index].cells
        for column, text in enumerate(row[:7]):
            if text:
                run = cells[column].paragraphs[0].add_run(_plain(text))
                run.bold = "<b>" in text
                run.font.size = Pt(10)
    # The real two-row header: TT, task and funding merged down, "Thời gian" and "Phân công
    # trách nhiệm" merged across; group rows merged across the whole width.
    for column in (0, 1, 4):
        table.cell(0, column).merge(table.cell(1, column))
    table.cell(0, 2).merge(table.cell(0, 3))
    table.cell(0, 5).merge(table.cell(0, 6))
    for index, row in enumerate(rows):
        if row[0].startswith("<b>"):
            merged = table.cell(index, 1).merge(table.cell(index, 6))
            merged.paragraphs[0].runs[0].bold = True
    path = tmp_path / "ke-hoach-40.docx"
    document.save(str(path))

    imported = import_file(path, registry=registry)

    assert imported.ref == "40/KH-UBND"
    assert imported.plan_year == 2023
    _same_tasks(imported, text_plan)


def test_an_excel_version_in_the_template_imports_to_the_same_tasks(
    tmp_path: Path, registry: AgencyRegistry, text_plan: PlanDraft
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Kế hoạch thực hiện Chủ đề năm 2023"])
    sheet.append(
        [
            "STT",
            "Nhóm",
            "Tên nhiệm vụ",
            "Thời gian bắt đầu",
            "Thời hạn",
            "Đơn vị chủ trì",
            "Đơn vị phối hợp",
            "Kinh phí",
            "Ghi chú",
        ]
    )
    tasks = [t for t in text_plan.tasks if t.source_kind == SourceKind.APPENDIX_TABLE]
    cells = _appendix_cells()
    for task in tasks:
        row = cells[task.code]
        sheet.append(
            [
                int(task.code.split(".")[1]),
                task.section,
                task.title,
                task.start.original if task.start else None,
                task.due.original,
                row[5],
                row[6],
                task.funding,
                None,
            ]
        )
    # I.1-I.3 share one funding cell merged down, as a hand-made sheet would.
    sheet.merge_cells(start_row=3, start_column=8, end_row=5, end_column=8)
    path = tmp_path / "ke-hoach-40.xlsx"
    workbook.save(str(path))

    imported = import_file(path, registry=registry)

    assert imported.title == "Kế hoạch thực hiện Chủ đề năm 2023"
    assert imported.plan_year == 2023
    assert {task.source_kind for task in imported.tasks} == {SourceKind.SHEET}
    _same_tasks(imported, text_plan)


def test_a_word_version_of_001_gives_the_same_structured_items(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    source = next((DATA / "seeds").glob("001_*.txt"))
    text_plan = import_file(source, registry=registry)
    document = docx.Document()
    for block in read_text(source.read_text(encoding="utf-8"), registry=registry):
        assert isinstance(block, Paragraph)
        document.add_paragraph(block.text)
    path = tmp_path / "ke-hoach-cds.docx"
    document.save(str(path))

    imported = import_file(path, registry=registry)

    items = [task for task in text_plan.tasks if task.source_kind == SourceKind.PROSE_ITEM]
    assert len(items) == 44
    assert [
        (task.code, task.title, task.lead_codes, task.cooperating_codes, task.due)
        for task in imported.tasks
    ] == [
        (task.code, task.title, task.lead_codes, task.cooperating_codes, task.due)
        for task in text_plan.tasks
    ]


def _appendix_cells() -> dict[str, list[str]]:
    """Task code of 000 → its raw cells, to write agency cells exactly as the document does."""
    found: dict[str, list[str]] = {}
    group = ""
    for row in _appendix_rows():
        number = _plain(row[0])
        if number in ("I", "II", "III"):
            group = number
        elif number.isdigit():
            found[f"{group}.{number}"] = [_plain(cell) for cell in row] + [""] * 7
    return found


def test_a_csv_in_the_template_imports(tmp_path: Path, registry: AgencyRegistry) -> None:
    path = tmp_path / "nhiem-vu.csv"
    path.write_text(
        "STT;Nội dung nhiệm vụ;Thời gian hoàn thành;Cơ quan chủ trì;Cơ quan phối hợp;Nguồn vốn\n"
        "1;Trình HĐND thành phố Đề án giá dịch vụ thủy lợi;Tháng 6;Sở NN&PTNT;Sở Tài chính;\n"
        '2;Xây dựng kho dữ liệu dùng chung;Quý IV/2023;"Sở TTTT, Sở Nội vụ";'
        "Các Sở, ngành, đơn vị, địa phương có liên quan;Ngân sách thành phố\n"
        "3;Tổ chức hội nghị;Thường xuyên;Phòng Văn hóa;;\n",
        encoding="utf-8",
    )

    plan = import_file(path, registry=registry, plan_year=2023)

    assert [task.code for task in plan.tasks] == ["1", "2", "3"]
    first, second, third = plan.tasks
    assert first.lead_codes == ("SNNPTNT",) and first.cooperating_codes == ("STC",)
    assert first.due.due_date is not None and first.due.due_date.isoformat() == "2023-06-30"
    assert second.lead_codes == ("STTTT", "SNV")
    assert second.funding == "Ngân sách thành phố"
    assert third.unresolved_leads == ("Phòng Văn hóa",)
    assert "Không nhận ra cơ quan chủ trì: «Phòng Văn hóa»" in map(str, third.problems)


def test_a_csv_saved_by_vietnamese_windows_excel_is_read(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    path = tmp_path / "nhiem-vu.csv"
    path.write_bytes(
        _windows_1258(
            "TT,Nhiệm vụ,Hoàn thành,Đơn vị chủ trì\n1,Lập quy hoạch,Năm 2023,Sở Xây dựng\n"
        )
    )
    plan = import_file(path, registry=registry)
    assert plan.tasks[0].lead_codes == ("SXD",)
    assert plan.tasks[0].title == "Lập quy hoạch"


def _windows_1258(text: str) -> bytes:
    """Text as Windows-1258 stores it: base letters with the tone mark as a separate character."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    spelled = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        marks = "".join(mark for mark in parts[1:] if mark not in tones)
        tone = "".join(mark for mark in parts[1:] if mark in tones)
        spelled.append(unicodedata.normalize("NFC", parts[0] + marks) + tone)
    return "".join(spelled).encode("cp1258")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ke-hoach.xlsx", os.urandom(2048), "không phải tệp Excel mở được"),
        ("ke-hoach.docx", b"PK\x03\x04" + os.urandom(512), "không phải tệp Word mở được"),
        ("ke-hoach.txt", b"", "trống: không có gì để nhập"),
        ("ke-hoach.csv", b"  \n\n", "trống: không có gì để nhập"),
        ("ke-hoach.txt", b"\x00\x01\x02binary\xff\xfe", "không phải văn bản chữ"),
        ("ke-hoach.pdf", b"%PDF-1.4 ...", "không phải loại tệp đọc được"),
        (
            "ke-hoach.csv",
            "Họ tên,Email,Số điện thoại\nNguyễn Văn A,a@example.com,0900000000\n".encode(),
            "thiếu cột nhiệm vụ (Nhiệm vụ / Nội dung nhiệm vụ / Tên nhiệm vụ) hoặc cơ quan "
            "chủ trì (Cơ quan chủ trì / Đơn vị chủ trì). Các cột tìm thấy: «Họ tên»",
        ),
        (
            "ke-hoach.csv",
            "STT,Nhiệm vụ,Thời hạn\n1,Lập quy hoạch,Năm 2023\n".encode(),
            "thiếu cột cơ quan chủ trì (Cơ quan chủ trì / Đơn vị chủ trì).",
        ),
        (
            "ke-hoach.txt",
            "Biên bản họp ngày 12/3/2023.\n\nCác đại biểu đã thống nhất nội dung.\n".encode(),
            "không có nhiệm vụ nào nhận ra được",
        ),
    ],
)
def test_files_that_are_not_plans_are_refused_with_a_clear_message(
    tmp_path: Path, registry: AgencyRegistry, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PlanImportError) as error:
        import_file(path, registry=registry)
    assert message in str(error.value)
    assert name in str(error.value)


def test_a_word_file_with_a_text_extension_is_still_read_as_word(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=4)
    for column, text in enumerate(["TT", "Nhiệm vụ", "Thời hạn", "Cơ quan chủ trì"]):
        table.cell(0, column).text = text
    for column, text in enumerate(["1", "Lập quy hoạch", "Quý II/2023", "Sở Xây dựng"]):
        table.cell(1, column).text = text
    path = tmp_path / "gui-nham.txt"
    document.save(str(path))

    plan = import_file(path, registry=registry)

    assert plan.tasks[0].lead_codes == ("SXD",)
    assert plan.tasks[0].due.original == "Quý II/2023"


def test_a_refusal_reads_in_english_for_an_english_reader(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(b"%PDF-1.4 ...")
    with pytest.raises(PlanImportError) as error:
        import_file(path, registry=registry)
    assert error.value.problem.render(gettext_for("en")) == (
        "«ke-hoach.pdf» is not a kind of file we read (.pdf). "
        "Send the plan as .docx, .txt, .md, .xlsx or .csv."
    )


def test_a_csv_whose_title_row_has_no_separators_is_split_by_its_real_separator(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    # csv.Sniffer gives up on the title row and the "," inside the cells used to win.
    path = tmp_path / "nhiem-vu.csv"
    path.write_text(
        "Danh sách nhiệm vụ năm 2023\n"
        "TT;Nhiệm vụ;Thời hạn;Cơ quan chủ trì;Kinh phí\n"
        "1;Rà soát, cập nhật quy hoạch;Tháng 6;Sở Xây dựng;1,5\n"
        "2;Số hóa hồ sơ, tài liệu;Quý IV/2023;Sở TTTT;2,25\n",
        encoding="utf-8",
    )
    plan = import_file(path, registry=registry, plan_year=2023)
    assert plan.title == "Danh sách nhiệm vụ năm 2023"
    assert [(t.code, t.title, t.lead_codes, t.funding) for t in plan.tasks] == [
        ("1", "Rà soát, cập nhật quy hoạch", ("SXD",), "1,5"),
        ("2", "Số hóa hồ sơ, tài liệu", ("STTTT",), "2,25"),
    ]


@pytest.mark.parametrize(
    ("value", "written"),
    [(116.442, "116,442"), (7300.0, "7300"), (7300, "7300"), (0.5, "0,5"), (1e-05, "0,00001")],
)
def test_a_number_in_a_workbook_cell_is_written_the_vietnamese_way(
    tmp_path: Path, value: float, written: str
) -> None:
    # "116.442" would read as a hundred and sixteen thousand wherever figures are parsed.
    workbook = openpyxl.Workbook()
    workbook.active.append(["Kinh phí", value])
    path = tmp_path / "so.xlsx"
    workbook.save(path)
    [rows] = read_xlsx(path)
    assert [cell.text for cell in rows[0]] == ["Kinh phí", written]


def test_a_float_funding_cell_keeps_its_value_in_a_task_sheet(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["TT", "Nhiệm vụ", "Thời hạn", "Cơ quan chủ trì", "Kinh phí (tỷ đồng)"])
    sheet.append([1, "Nâng cấp trung tâm dữ liệu", "Quý IV/2023", "Sở TTTT", 116.442])
    path = tmp_path / "nhiem-vu.xlsx"
    workbook.save(path)
    plan = import_file(path, registry=registry, plan_year=2023)
    assert plan.tasks[0].code == "1"
    assert plan.tasks[0].funding == "116,442"
