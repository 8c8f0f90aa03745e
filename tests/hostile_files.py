"""Hostile files for the importers, made on the spot: zip and XML bombs, damaged XML, a TCVN3
plan, huge fields. Big parts are written to the zip in chunks, so that making a bomb costs the
test little memory. Each maker writes one file into a folder and returns its path.
"""

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
DOCUMENT = "word/document.xml"
_SHEET_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
_SHEET_CLOSE = b"</sheetData></worksheet>"
_WORD_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body>"
)
_WORD_CLOSE = b"</w:body></w:document>"

# A plan in TCVN3 (ABC) bytes, written as Windows shows such a file in a Unicode program: the
# mojibake officials know ("X©y dùng", "§¹i héi"), so the bytes come from the encoding's use in
# the wild, not from the table under test. Latin-1 turns each character back into its byte.
TCVN3_PLAN = (
    "KÕ ho¹ch x©y dùng kho d÷ liÖu\n"
    "TT;NhiÖm vô;C¬ quan chñ tr×;Thêi h¹n\n"
    "1;X©y dùng kho d÷ liÖu dïng chung cña tØnh;Së Tµi chÝnh;Quý IV/2026\n"
    "2;Tæ chøc ®¹i héi thi ®ua yªu n­íc;Së Tµi chÝnh;Th¸ng 12/2026\n"
).encode("latin-1")
TCVN3_TITLES = ("Xây dựng kho dữ liệu dùng chung của tỉnh", "Tổ chức đại hội thi đua yêu nước")


def workbook(rows: list[list[object]]) -> bytes:
    """A small real workbook with `rows` on its only sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def word_document(paragraphs: list[str]) -> bytes:
    """A small real Word document."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def replace_part(data: bytes, part: str, content: bytes | Callable[[], Iterator[bytes]]) -> bytes:
    """The zip `data` with `part` replaced: by bytes, or by chunks streamed into it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info, source.read(info))
                continue
            with target.open(
                zipfile.ZipInfo(part, date_time=info.date_time), "w", force_zip64=True
            ) as stream:
                if isinstance(content, bytes):
                    stream.write(content)
                else:
                    for chunk in content():
                        stream.write(chunk)
    return out.getvalue()


def _deflated(data: bytes) -> bytes:
    """The same zip with every part compressed, as Office writes it."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            with source.open(info) as part, target.open(info.filename, "w") as copy:
                while chunk := part.read(1 << 20):
                    copy.write(chunk)
    return out.getvalue()


def merged_range_bomb(folder: Path) -> Path:
    """A 5 KB workbook with one merged range over the whole sheet, A1:XFD1048576."""
    data = workbook([["Nhiệm vụ", "Cơ quan chủ trì"], ["Việc", "Sở Tài chính"]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read(SHEET)
    sheet = sheet.replace(
        b"</sheetData>",
        b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
    )
    return _write(folder / "merged-bomb.xlsx", replace_part(data, SHEET, sheet))


def cells_bomb(folder: Path, *, cells: int = 20_000_000) -> Path:
    """A workbook of a few MB holding `cells` numeric cells (hundreds of MB of sheet XML)."""
    per_row = 1000
    row = b"<row>" + b"<c><v>1</v></c>" * per_row + b"</row>"

    def chunks() -> Iterator[bytes]:
        yield _SHEET_OPEN
        for _ in range(cells // per_row):
            yield row
        yield _SHEET_CLOSE

    data = replace_part(workbook([["x"]]), SHEET, chunks)
    return _write(folder / "cells-bomb.xlsx", _deflated(data))


def rows_over_limit(folder: Path, *, rows: int = 30_000) -> Path:
    """A small workbook whose one column runs down `rows` rows."""

    def chunks() -> Iterator[bytes]:
        yield _SHEET_OPEN
        for index in range(1, rows + 1):
            yield b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (
                index,
                index,
            )
        yield _SHEET_CLOSE

    return _write(folder / "rows.xlsx", _deflated(replace_part(workbook([["x"]]), SHEET, chunks)))


def word_bomb(folder: Path, *, size: int = 300 * 1024 * 1024) -> Path:
    """A Word file of a few MB whose document.xml unpacks to `size` bytes."""
    paragraph = b"<w:p><w:r><w:t>" + b"a" * 4000 + b"</w:t></w:r></w:p>"

    def chunks() -> Iterator[bytes]:
        yield _WORD_OPEN
        for _ in range(size // len(paragraph)):
            yield paragraph
        yield _WORD_CLOSE

    data = replace_part(word_document(["x"]), DOCUMENT, chunks)
    return _write(folder / "word-bomb.docx", _deflated(data))


def paragraphs_bomb(folder: Path, *, paragraphs: int = 400_000) -> Path:
    """A Word file whose document.xml, under the size limit, holds `paragraphs` short
    paragraphs: python-docx builds the whole tree, some 360 bytes a tag."""
    paragraph = b"<w:p><w:r><w:t>Giao S\xe1\xbb\x9f T\xc3\xa0i ch\xc3\xadnh</w:t></w:r></w:p>"

    def chunks() -> Iterator[bytes]:
        yield _WORD_OPEN
        for _ in range(paragraphs):
            yield paragraph
        yield _WORD_CLOSE

    data = replace_part(word_document(["x"]), DOCUMENT, chunks)
    return _write(folder / "paragraphs-bomb.docx", _deflated(data))


def billion_laughs(folder: Path) -> Path:
    """A Word file whose document.xml defines entities that expand a billion times."""
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10) for level in range(1, 10)
    )
    xml = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [' + entities + b"]>"
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    return _write(folder / "laughs.docx", replace_part(word_document(["x"]), DOCUMENT, xml))


def damaged_word(folder: Path) -> Path:
    """A valid zip whose document.xml breaks off mid-tag."""
    xml = _WORD_OPEN + b"<w:p><w:r><w:t>Nhiem vu</w:t></w:r></w:p><w:p><w:r"
    return _write(folder / "damaged.docx", replace_part(word_document(["x"]), DOCUMENT, xml))


def damaged_workbook(folder: Path) -> Path:
    """A valid zip whose sheet XML has mismatched tags."""
    xml = _SHEET_OPEN + b'<row r="1"><c r="A1"><v>1</v></row></sheetData>'
    return _write(folder / "damaged.xlsx", replace_part(workbook([["x"]]), SHEET, xml))


def long_line(folder: Path, *, size: int = 26 * 1024 * 1024, name: str = "one-line.txt") -> Path:
    """A plain text file of one line, `size` bytes long."""
    return _write(folder / name, b"a" * size)


def huge_csv_field(folder: Path, *, size: int = 200 * 1024) -> Path:
    """A task list whose one task cell is longer than the csv module's 128 KiB field limit."""
    text = 'TT,Nhiệm vụ,Cơ quan chủ trì,Thời hạn\n1,"' + "a" * size + '",Sở Tài chính,2026\n'
    return _write(folder / "huge-field.csv", text.encode())


def tcvn3_plan(folder: Path) -> Path:
    """A task list saved in TCVN3 (ABC), as old Vietnamese office machines still write."""
    return _write(folder / "tcvn3.csv", TCVN3_PLAN)


def uncomputed_formula(folder: Path) -> Path:
    """A task list whose second task title is a formula no Excel ever computed (openpyxl
    writes the formula without its value)."""
    data = workbook(
        [
            ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
            [1, "Rà soát hồ sơ", "Sở Tài chính", "Quý IV/2026"],
            [2, '=CONCATENATE("Xây dựng ", "kho dữ liệu")', "Sở Tài chính", "Quý IV/2026"],
        ]
    )
    return _write(folder / "formula.xlsx", data)


def long_text(folder: Path) -> Path:
    """A text file of 5 MB: over the text cap, under the file cap."""
    return long_line(folder, size=5 * 1024 * 1024, name="long-text.txt")


# The corpus, each file with a phrase of its one-line refusal. Import bombs only in a child
# process under a memory cap (tests/unit/test_hostile_files.py): a regression would take the
# memory of whatever process reads them.
BOMBS: tuple[tuple[Callable[[Path], Path], str], ...] = (
    (merged_range_bomb, "có vùng gộp ô A1:XFD1048576, giới hạn là 20000 dòng, 256 cột"),
    (cells_bomb, "giải nén ra 286,3 MB, giới hạn là 64 MB"),
    (rows_over_limit, "có dữ liệu ở dòng 20001, giới hạn là 20000"),
    (word_bomb, "giải nén ra 300,8 MB, giới hạn là 64 MB"),
    (paragraphs_bomb, "có phần word/document.xml gồm 2400005 thẻ XML, giới hạn là 500000"),
    (long_line, "dài 26 MB, giới hạn là 20 MB"),
    (long_text, "dài 5 MB, giới hạn là 4 MB"),
)
DAMAGED: tuple[tuple[Callable[[Path], Path], str], ...] = (
    (billion_laughs, "phần word/document.xml khai báo DOCTYPE/ENTITY"),
    (damaged_word, "không phải tệp Word mở được (Couldn't find end of Start Tag"),
    (damaged_workbook, "không phải tệp Excel mở được"),
    (huge_csv_field, "có một ô dài hơn 128 KB, giới hạn là 128 KB"),
)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def tcvn3_word_and_workbook(folder: Path) -> tuple[Path, Path]:
    """The TCVN3 plan as Word and Excel files typed in a .VnTime font: the font's bytes stored
    as the Latin-1 characters Windows shows for them."""
    lines = TCVN3_PLAN.decode("latin-1").splitlines()
    rows = [line.split(";") for line in lines[1:]]
    document = docx.Document()
    document.add_paragraph(lines[0])
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for cells, row in zip(table.rows, rows, strict=True):
        for cell, text in zip(cells.cells, row, strict=True):
            cell.text = text
    word = io.BytesIO()
    document.save(word)
    return (
        _write(folder / "tcvn3.docx", word.getvalue()),
        _write(folder / "tcvn3.xlsx", workbook([[lines[0]], *rows])),
    )
