"""Importing plans from files: one entry point that picks the reader by extension and content.

.txt/.md plans (the seed documents), .docx plans, .xlsx/.csv task lists in the template of
docs/import-template.md, and the reporting-duties .csv all become a PlanDraft. A file that is
none of these raises PlanImportError with a message that tells the user what to send instead.
"""

import csv
import io
import zipfile
from pathlib import Path

from domain.agencies import AgencyRegistry
from domain.importers.blocks import EMPTY_FILE, PlanImportError
from domain.importers.document import build_plan
from domain.importers.docx import read_docx
from domain.importers.duties import duty_plan, is_duty_table
from domain.importers.indicators import indicators_from_blocks, indicators_from_sheets
from domain.importers.sheet import read_csv_rows, read_xlsx, sheet_plan
from domain.importers.text import decode, read_text
from domain.indicators.model import IndicatorSet
from domain.plans import PlanDraft
from domain.problems import Problem
from locales import N_

__all__ = ["PlanImportError", "import_file", "import_indicators"]

_TEXT = {".txt", ".md", ".markdown"}
_WORD = {".docx"}
_EXCEL = {".xlsx", ".xlsm"}
_CSV = {".csv"}
_ZIP_MAGIC = b"PK\x03\x04"


def import_file(
    path: str | Path,
    *,
    registry: AgencyRegistry,
    plan_ref: str | None = None,
    plan_year: int | None = None,
) -> PlanDraft:
    """Read a plan file; `plan_ref` and `plan_year` override what the document says."""
    path = Path(path)
    data = _read_bytes(path)
    name = path.name
    kind = _kind(path, data)
    if kind == "docx":
        draft = build_plan(
            read_docx(path),
            registry=registry,
            source_file=name,
            plan_ref=plan_ref,
            plan_year=plan_year,
        )
    elif kind == "xlsx":
        draft = sheet_plan(
            read_xlsx(path),
            registry=registry,
            source_file=name,
            plan_ref=plan_ref,
            plan_year=plan_year,
        )
    elif kind == "csv":
        text = decode(data, name)
        if is_duty_table(next(csv.reader(io.StringIO(text)), [])):
            rows = list(csv.DictReader(io.StringIO(text)))
            draft = duty_plan(
                rows, registry=registry, source_file=name, plan_ref=plan_ref, plan_year=plan_year
            )
        else:
            draft = sheet_plan(
                [read_csv_rows(data, name)],
                registry=registry,
                source_file=name,
                plan_ref=plan_ref,
                plan_year=plan_year,
            )
    else:
        draft = build_plan(
            read_text(decode(data, name), registry=registry),
            registry=registry,
            source_file=name,
            plan_ref=plan_ref,
            plan_year=plan_year,
        )
    if not draft.tasks:
        raise PlanImportError(
            Problem.of(
                N_(
                    "«{name}» không có nhiệm vụ nào nhận ra được: không có bảng nhiệm vụ (TT, "
                    "Nhiệm vụ, Cơ quan chủ trì…), không có mục «Đơn vị chủ trì» và không có "
                    "việc có thời hạn giao cho một cơ quan cụ thể."
                ),
                name=name,
            )
        )
    return draft


def import_indicators(path: str | Path, *, registry: AgencyRegistry) -> IndicatorSet:
    """Read the indicator tables of a file (PHỤ LỤC 1-3 of Chỉ thị 02, the "Chỉ tiêu" sheet).

    The set is empty when the file has none; the same file may also hold a plan's tasks, which
    import_file reads.
    """
    path = Path(path)
    data = _read_bytes(path)
    name = path.name
    kind = _kind(path, data)
    if kind == "docx":
        return indicators_from_blocks(read_docx(path), registry=registry, source_file=name)
    if kind == "xlsx":
        return indicators_from_sheets(read_xlsx(path), registry=registry, source_file=name)
    if kind == "csv":
        rows = [read_csv_rows(data, name)]
        return indicators_from_sheets(rows, registry=registry, source_file=name)
    blocks = read_text(decode(data, name), registry=registry)
    return indicators_from_blocks(blocks, registry=registry, source_file=name)


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PlanImportError(
            Problem.of(
                N_("Không đọc được «{name}»: {error}."),
                name=path.name,
                error=error.strerror or str(error),
            )
        ) from error
    if not data.strip():
        raise PlanImportError(Problem.of(EMPTY_FILE, name=path.name))
    return data


def _kind(path: Path, data: bytes) -> str:
    """Which reader fits: by content for zip containers, else by extension."""
    suffix = path.suffix.lower()
    if data.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    if suffix in _WORD:
        return "docx"
    if suffix in _EXCEL:
        return "xlsx"
    if suffix in _CSV:
        return "csv"
    if suffix in _TEXT or not suffix:
        return "text"
    raise PlanImportError(
        Problem.of(
            N_(
                "«{name}» không phải loại tệp đọc được ({suffix}). "
                "Hãy gửi kế hoạch dạng .docx, .txt, .md, .xlsx hoặc .csv."
            ),
            name=path.name,
            suffix=suffix,
        )
    )
