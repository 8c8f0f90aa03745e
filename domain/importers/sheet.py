"""Task lists kept as spreadsheets: .xlsx workbooks and .csv files in one template.

The template (also in docs/import-template.md):

* Optional title rows above the header; the first one becomes the plan title.
* One header row. Columns may come in any order, and headers are matched ignoring case,
  accents and spacing:

  - ``TT`` or ``STT``: the task number ("1", "2" … or "I.4"); a row whose number is a Roman
    numeral (I, II) and which has no lead or time is a group heading;
  - ``Nhiệm vụ`` / ``Nội dung nhiệm vụ`` / ``Tên nhiệm vụ`` (required): the task, verbatim;
  - ``Thời gian bắt đầu`` / ``Bắt đầu``: when the work starts;
  - ``Thời hạn`` / ``Thời gian hoàn thành`` / ``Hoàn thành``: the deadline, as the plan words
    it ("Quý IV/2023", "Tháng 6", "trước ngày 15/02/2023", "Hàng năm", "Thường xuyên");
  - ``Cơ quan chủ trì`` / ``Đơn vị chủ trì`` (required): the lead agency or agencies,
    several separated by ",", ";", "và" or one per line;
  - ``Cơ quan phối hợp`` / ``Đơn vị phối hợp``: the cooperating bodies;
  - ``Nguồn vốn`` / ``Kinh phí``: the funding source;
  - ``Nhóm`` / ``Mục``: the section a task belongs to ("I. Đô thị"); when numbers restart in
    every section, the code is the section's Roman numeral plus the number ("I.4").

* Any other column is kept with the task as extra information.

A .csv may be separated by commas, semicolons or tabs and encoded as UTF-8 or Windows-1258.
"""

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from domain.agencies import AgencyRegistry
from domain.importers.blocks import Cell, PlanImportError
from domain.importers.document import finish
from domain.importers.encodings import from_legacy_font
from domain.importers.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_MERGES,
    MAX_ROWS,
    check_archive,
    megabytes,
    too_large,
)
from domain.importers.tables import find_header, role_of, table_tasks
from domain.importers.text import decode
from domain.plans import PlanDraft, SourceKind
from domain.problems import Problem
from domain.text import clean
from locales import N_

_REQUIRED = {
    "task": Problem(N_("nhiệm vụ (Nhiệm vụ / Nội dung nhiệm vụ / Tên nhiệm vụ)")),
    "lead": Problem(N_("cơ quan chủ trì (Cơ quan chủ trì / Đơn vị chủ trì)")),
}


def read_xlsx(source: Path | bytes, *, name: str | None = None) -> list[list[list[Cell]]]:
    """The rows of every worksheet of a workbook (a path, or its bytes and `name`), merged
    cells filled down, numbers written the Vietnamese way (the one workbook reader: task
    lists and indicator tables alike).

    Sheets are streamed within the limits of domain.importers.limits; a formula Excel never
    computed is a Cell marked `uncomputed`, for the row's problems to name.
    """
    shown = name or (source.name if isinstance(source, Path) else "")
    data = source if isinstance(source, bytes) else source.read_bytes()
    check_archive(data, name=shown)
    # Imported here: openpyxl takes a fifth of a second to load, and `dondoc run` should not
    # pay for it before the first workbook arrives.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [_worksheet(sheet, workbook, shown) for sheet in workbook.worksheets]
        finally:
            workbook.close()
    except PlanImportError:
        raise
    # What openpyxl raises on a damaged workbook varies with the damage; SyntaxError covers
    # the XML parsers' errors (lxml's XMLSyntaxError, ElementTree's ParseError).
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        OSError,
        EOFError,
        SyntaxError,
    ) as error:
        raise PlanImportError(
            Problem.of(
                N_(
                    "«{name}» không phải tệp Excel mở được: tệp bị hỏng hoặc không thật sự là "
                    ".xlsx. Hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi thử lại."
                ),
                name=shown,
            )
        ) from error


_BLANK = Cell("")


def _worksheet(sheet: Any, workbook: Any, name: str) -> list[list[Cell]]:
    """One sheet's rows, streamed: only cells with a value are kept, within the limits."""
    rows: list[list[Cell]] = []
    cells = 0
    with sheet._get_source() as source:
        counted = _MergeCounter(source, name=name)
        parser = _parser_class()(
            counted,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for index, parsed in parser.parse():
            filled = [cell for cell in parsed if cell["value"] is not None]
            if not filled:
                continue
            if index > MAX_ROWS:
                raise too_large(
                    name, Problem.of(N_("có dữ liệu ở dòng {row}"), row=index), MAX_ROWS
                )
            width = max(cell["column"] for cell in filled)
            if width > MAX_COLUMNS:
                raise too_large(
                    name,
                    Problem.of(N_("có dữ liệu ở cột thứ {column}"), column=width),
                    MAX_COLUMNS,
                )
            cells += len(filled)
            if cells > MAX_CELLS:
                raise too_large(
                    name, Problem.of(N_("có hơn {count} ô có dữ liệu"), count=MAX_CELLS), MAX_CELLS
                )
            rows.extend([] for _ in range(len(rows), index - 1))
            line = [_BLANK] * width
            for cell in filled:
                line[cell["column"] - 1] = _cell(cell, workbook)
            rows.append(line)
        merges = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
    width = max(map(len, rows), default=0)
    for line in rows:
        line.extend([_BLANK] * (width - len(line)))
    bounds = [merge.bounds for merge in merges]
    for merge, (_left, _top, right, bottom) in zip(merges, bounds, strict=True):
        if right > MAX_COLUMNS or bottom > MAX_ROWS:
            found = Problem.of(N_("có vùng gộp ô {range}"), range=merge.coord)
            raise too_large(
                name,
                found,
                Problem.of(N_("{rows} dòng, {columns} cột"), rows=MAX_ROWS, columns=MAX_COLUMNS),
            )
    _fill_merged(rows, bounds, name=name)
    return rows


def _cell(parsed: dict[str, Any], workbook: Any) -> Cell:
    value = parsed["value"]
    style = parsed["style_id"]
    font = workbook._fonts[workbook._cell_styles[style].fontId] if style else None
    bold = bool(font is not None and font.b)
    if value is _UNCOMPUTED:
        return Cell("", bold=bold, uncomputed=True)
    return Cell(_cell_text(value), bold=bold)


def _fill_merged(
    rows: list[list[Cell]], merges: Sequence[tuple[int, int, int, int]], *, name: str
) -> None:
    """A cell merged down several rows holds its value only in the top row; each task row
    under it shares that value, as Word shows it."""
    filled = 0
    for column, top, _right, bottom in merges:
        if bottom == top or top > len(rows) or column > len(rows[top - 1]):
            continue
        for index in range(top, min(bottom, len(rows))):
            filled += 1
            if filled > MAX_CELLS:
                raise too_large(
                    name, Problem.of(N_("có hơn {count} ô có dữ liệu"), count=MAX_CELLS), MAX_CELLS
                )
            if column <= len(rows[index]):
                rows[index][column - 1] = rows[top - 1][column - 1]


# A formula cell Excel never computed (a file written by a program, not saved by Excel): it
# has the formula but no value.
_UNCOMPUTED = object()


@cache
def _parser_class() -> type[Any]:
    """openpyxl's streaming sheet parser, telling a formula without a value from a blank
    (made on first use, with openpyxl)."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            parsed: dict[str, Any] = super().parse_cell(element)
            if parsed["value"] is None and element.find(FORMULA_TAG) is not None:
                parsed["value"] = _UNCOMPUTED
            return parsed

    return Parser


class _MergeCounter:
    """A sheet's XML as the parser reads it, refused once it declares too many merged ranges
    (the parser builds them all at once, after the cells)."""

    _MARK = b"<mergeCell "

    def __init__(self, source: Any, *, name: str) -> None:
        self._source = source
        self._name = name
        self._count = 0
        self._tail = b""

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self._source.read(size)
        window = self._tail + chunk
        self._count += window.count(self._MARK)  # the tail is too short to hold one
        self._tail = window[-len(self._MARK) + 1 :]
        if self._count > MAX_MERGES:
            raise too_large(
                self._name,
                Problem.of(N_("có hơn {count} vùng gộp ô"), count=MAX_MERGES),
                MAX_MERGES,
            )
        return chunk


def _cell_text(value: object) -> str:
    """A cell's value as an official would write it: a number the Vietnamese way.

    A float cell 116.442 (typed "116,442" in a Vietnamese Excel) becomes "116,442", so that
    readers of Vietnamese figures ("116.442" is a hundred and sixteen thousand) keep its
    value; a whole number has no grouping mark ("7300").
    """
    if value is None:
        return ""
    if isinstance(value, int):  # bool too
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f").replace(".", ",")
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return clean(from_legacy_font(str(value)))


_DELIMITERS = (";", "\t", ",")


def _delimiter(text: str) -> str:
    """The separator that splits the most rows into the same number of fields.

    csv.Sniffer gives up on (or misreads) a file whose first lines are a title without any
    separator, as Excel writes a sheet with a title row; counting whole rows does not.
    """
    lines = [line for line in text.splitlines()[:200] if line.strip()]

    def score(delimiter: str) -> int:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1]
        except csv.Error:
            return 0
        return max((counts.count(n) for n in set(counts)), default=0)

    return max(_DELIMITERS, key=score)  # ties: the first, ";" as Vietnamese Excel writes


def read_csv_rows(data: bytes, name: str) -> list[list[Cell]]:
    """The rows of a .csv file, whichever of ",", ";" or tab separates its fields."""
    text = decode(data, name)
    with csv_refusals(name):
        rows = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
        return [[Cell(clean(value)) for value in row] for row in rows]


@contextmanager
def csv_refusals(name: str) -> Iterator[None]:
    """Read a .csv inside this: a field over the csv module's limit (128 KiB) or a broken
    quote is refused in one line, not raised as csv.Error."""
    try:
        yield
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise too_large(
                name,
                Problem(N_("có một ô dài hơn 128 KB")),
                megabytes(csv.field_size_limit()),
            ) from error
        raise PlanImportError(
            Problem.of(
                N_(
                    "«{name}» không phải tệp CSV đọc được ({error}). "
                    "Hãy mở tệp bằng Excel, lưu lại dạng .csv hoặc .xlsx rồi thử lại."
                ),
                name=name,
                error=" ".join(str(error).split()),
            )
        ) from error


def sheet_plan(
    sheets: Sequence[Sequence[Sequence[Cell]]],
    *,
    registry: AgencyRegistry,
    source_file: str,
    plan_ref: str | None = None,
    plan_year: int | None = None,
) -> PlanDraft:
    """A plan from the first worksheet (or CSV) laid out in the template."""
    for rows in sheets:
        found = find_header(rows)
        if found is None or not found[0].is_task_table:
            continue
        header_index = found[1] - 1
        title = next(
            (cell.text for row in rows[:header_index] for cell in row if cell.text), source_file
        )
        draft = PlanDraft(
            ref=plan_ref,
            title=title,
            issue_date=None,
            issuer=None,
            hub_code=None,
            source_file=source_file,
            plan_year=None,
        )
        raw = table_tasks(
            rows, registry=registry, source_kind=SourceKind.SHEET, problems=draft.problems
        )
        if not raw:
            raise PlanImportError(
                Problem.of(
                    N_("«{name}» có dòng tiêu đề theo mẫu nhưng không có dòng nhiệm vụ nào."),
                    name=source_file,
                )
            )
        finish(draft, raw, plan_year=plan_year, registry=registry)
        return draft
    raise PlanImportError(_missing_columns(sheets, source_file))


def _missing_columns(sheets: Sequence[Sequence[Sequence[Cell]]], source_file: str) -> Problem:
    candidates = [row for rows in sheets for row in rows[:30] if any(cell.text for cell in row)]
    best = max(
        candidates, key=lambda row: sum(role_of(c.text) is not None for c in row), default=[]
    )
    roles = {role_of(cell.text) for cell in best}
    missing = [column for role, column in _REQUIRED.items() if role not in roles] or list(
        _REQUIRED.values()
    )
    found = ", ".join(f"«{cell.text}»" for cell in best if cell.text)
    return Problem.of(
        N_(
            "«{name}» không phải danh sách nhiệm vụ theo mẫu nhập: thiếu cột {missing}. "
            "Các cột tìm thấy: {found}. Xem docs/import-template.md để biết các tiêu đề cần có."
        ),
        name=source_file,
        missing=(
            missing[0]
            if len(missing) == 1
            else Problem.of(N_("{first} hoặc {second}"), first=missing[0], second=missing[1])
        ),
        found=found or Problem(N_("không có")),
    )
