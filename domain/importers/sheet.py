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
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from domain.agencies import AgencyRegistry
from domain.importers.blocks import Cell, PlanImportError
from domain.importers.document import finish
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
    lists and indicator tables alike)."""
    shown = name or (source.name if isinstance(source, Path) else "")
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else source, data_only=True
        )
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise PlanImportError(
            Problem.of(
                N_(
                    "«{name}» không phải tệp Excel mở được: tệp bị hỏng hoặc không thật sự là "
                    ".xlsx. Hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi thử lại."
                ),
                name=shown,
            )
        ) from error
    return [_worksheet(sheet) for sheet in workbook.worksheets]


def _worksheet(sheet: Any) -> list[list[Cell]]:
    rows = [
        [Cell(_cell_text(cell.value), bold=bool(cell.font and cell.font.b)) for cell in row]
        for row in sheet.iter_rows()
    ]
    # A cell merged down several rows holds its value only in the top row; each task row
    # under it shares that value, as Word shows it.
    for merged in sheet.merged_cells.ranges:
        top = merged.min_row - 1
        column = merged.min_col - 1
        if merged.max_row == merged.min_row or top >= len(rows) or column >= len(rows[top]):
            continue
        for index in range(merged.min_row, min(merged.max_row, len(rows))):
            if column < len(rows[index]):
                rows[index][column] = rows[top][column]
    return rows


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
    return clean(str(value))


_DELIMITERS = (";", "\t", ",")


def _delimiter(text: str) -> str:
    """The separator that splits the most rows into the same number of fields.

    csv.Sniffer gives up on (or misreads) a file whose first lines are a title without any
    separator, as Excel writes a sheet with a title row; counting whole rows does not.
    """
    lines = [line for line in text.splitlines()[:200] if line.strip()]

    def score(delimiter: str) -> int:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1]
        return max((counts.count(n) for n in set(counts)), default=0)

    return max(_DELIMITERS, key=score)  # ties: the first, ";" as Vietnamese Excel writes


def read_csv_rows(data: bytes, name: str) -> list[list[Cell]]:
    """The rows of a .csv file, whichever of ",", ";" or tab separates its fields."""
    text = decode(data, name)
    rows = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    return [[Cell(clean(value)) for value in row] for row in rows]


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
