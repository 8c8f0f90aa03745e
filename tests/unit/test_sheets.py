"""The .xlsx services.sheets writes, opened back as a reader would open it."""

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from services.sheets import HEADER, PERCENT, PLAIN, Style, Workbook

BOLD = Style(bold=True)


def written(path: Path) -> Path:
    workbook = Workbook(path)
    items = workbook.sheet("Tổng hợp", widths=[6, 60, 10, 22, 22])
    items.header(["TT", "Nhiệm vụ", "Tiến độ", "Ghi chú", "Khác"])
    styles = [PLAIN, PLAIN, PERCENT, PLAIN, PLAIN]
    items.append([1, "Sở Xây dựng & <Sở Tài chính>", 0.6, None, ""], styles)
    items.append([2, "=SUM(A1:A2)", 1, "Vướng:\x07 chưa có\nkinh phí", "  lề  "], styles)
    items.append([3, "0123", 2.5e-7, "Quý IV/2023", "https://example.vn"], styles)
    items.filter(5)
    plain = workbook.sheet("Tổng hợp", widths=[45])
    plain.append(["Tiêu đề"], [BOLD])
    plain.append(["dòng thường", 12, Decimal("87.50")])
    workbook.sheet("a/b[c]:d*e?f\\g" + "x" * 40, widths=[]).append([])
    workbook.close()
    return path


def test_every_value_comes_back_as_written_text_as_text_numbers_as_numbers(
    tmp_path: Path,
) -> None:
    book = load_workbook(written(tmp_path / "w.xlsx"))
    rows = list(book["Tổng hợp"].iter_rows(values_only=True))
    assert rows == [
        ("TT", "Nhiệm vụ", "Tiến độ", "Ghi chú", "Khác"),
        (1, "Sở Xây dựng & <Sở Tài chính>", 0.6, None, None),
        # Control characters Excel refuses are dropped.
        (2, "=SUM(A1:A2)", 1, "Vướng: chưa có\nkinh phí", "  lề  "),
        (3, "0123", 2.5e-7, "Quý IV/2023", "https://example.vn"),
    ]
    sheet = book["Tổng hợp"]
    assert [cell.data_type for cell in sheet[3]] == ["n", "s", "n", "s", "s"]
    assert sheet["B4"].hyperlink is None and sheet["E4"].hyperlink is None


def test_the_look_header_styles_widths_frozen_row_and_filter(tmp_path: Path) -> None:
    book = load_workbook(written(tmp_path / "w.xlsx"))
    sheet = book["Tổng hợp"]
    header = sheet["A1"]
    assert header.font.b and header.fill.fill_type == "solid"
    assert header.fill.fgColor.rgb == f"FF{HEADER.fill}"
    assert (header.alignment.horizontal, header.alignment.vertical) == ("center", "center")
    body = sheet["B2"]
    assert not body.font.b and body.fill.fill_type is None
    assert (body.alignment.vertical, body.alignment.wrap_text) == ("top", True)
    assert sheet["C2"].number_format == "0%" and sheet["A2"].number_format == "General"
    # The widths Excel itself stores for 6, 60, 10 and 22 characters (22 for two columns).
    widths = {key: dim.width for key, dim in sheet.column_dimensions.items()}
    assert widths == {"A": 6.7109375, "B": 60.7109375, "C": 10.7109375, "D": 22.7109375}
    assert sheet.column_dimensions["D"].min == 4 and sheet.column_dimensions["D"].max == 5
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E4"
    assert sheet.dimensions == "A1:E4"

    second = book["Tổng hợp (2)"]
    assert second.freeze_panes is None and second.auto_filter.ref is None
    assert second["A1"].font.b and second["A2"].alignment.wrap_text
    assert list(second.iter_rows(values_only=True)) == [
        ("Tiêu đề", None, None),
        ("dòng thường", 12, 87.5),
    ]


def test_sheet_names_are_made_valid_and_unique(tmp_path: Path) -> None:
    book = load_workbook(written(tmp_path / "w.xlsx"))
    assert book.sheetnames == ["Tổng hợp", "Tổng hợp (2)", "a-b-c--d-e-f-g" + "x" * 17]
    assert book.active is not None and book.active.title == "Tổng hợp"


def test_every_part_is_well_formed_xml_and_declared(tmp_path: Path) -> None:
    with zipfile.ZipFile(written(tmp_path / "w.xlsx")) as archive:
        names = archive.namelist()
        for name in names:
            ElementTree.fromstring(archive.read(name))
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    declared = {element.get("PartName") for element in types if element.get("PartName")}
    assert declared == {
        f"/{name}" for name in names if name.startswith("xl/") and "_rels" not in name
    }


def test_carriage_returns_and_excels_own_escapes_are_written_as_excel_reads_them(
    tmp_path: Path,
) -> None:
    # Excel reads "_x000D_" in text as a carriage return (XML turns a bare one into a line
    # feed), so text that holds those seven characters has its underscore escaped.
    workbook = Workbook(tmp_path / "w.xlsx")
    workbook.sheet("a", widths=[]).append(["dòng 1\r\ndòng 2", "_x000D_ là chữ"])
    workbook.close()
    with zipfile.ZipFile(tmp_path / "w.xlsx") as archive:
        cells = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml")).iter(
            "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}t"
        )
        assert [cell.text for cell in cells] == ["dòng 1_x000D_\ndòng 2", "_x005F_x000D_ là chữ"]


def test_text_beyond_excels_limit_is_cut_at_it(tmp_path: Path) -> None:
    workbook = Workbook(tmp_path / "long.xlsx")
    workbook.sheet("a", widths=[10]).append(["ạ" * 40_000, "😀" * 20_000])
    workbook.close()
    sheet = load_workbook(tmp_path / "long.xlsx")["a"]
    assert sheet["A1"].value == "ạ" * 32_767
    # A character beyond U+FFFF takes two of Excel's 32,767 units.
    assert sheet["B1"].value == "😀" * 16_383


def test_a_workbook_with_nothing_written_still_opens(tmp_path: Path) -> None:
    Workbook(tmp_path / "empty.xlsx").close()
    assert load_workbook(tmp_path / "empty.xlsx").sheetnames == ["Sheet1"]


def test_a_value_that_is_neither_text_nor_a_number_is_refused(tmp_path: Path) -> None:
    sheet = Workbook(tmp_path / "w.xlsx").sheet("a", widths=[])
    with pytest.raises(TypeError, match="date"):
        sheet.append([date(2023, 6, 30)])
    with pytest.raises(ValueError, match="nan"):
        sheet.append([float("nan")])
