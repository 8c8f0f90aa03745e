"""Importing plans from files: one entry point that picks the reader by extension and content.

.txt/.md plans (the seed documents, and conclusions, directives and prose plans alike), .docx
documents, .xlsx/.csv task lists in the template of docs/import-template.md, and the
reporting-duties .csv all become a PlanDraft. A file that is none of these, or in which no duty
at all is found, raises PlanImportError with a message that says what was looked for.
"""

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from domain.agencies import AgencyRegistry
from domain.importers.blocks import EMPTY_FILE, PlanImportError
from domain.importers.document import build_plan, issue_date
from domain.importers.docx import read_docx
from domain.importers.duties import duty_plan, is_duty_table
from domain.importers.indicators import indicators_from_blocks, indicators_from_sheets
from domain.importers.limits import check_archive, check_size
from domain.importers.sheet import csv_refusals, read_csv_rows, read_xlsx, sheet_plan
from domain.importers.tables import UNREAD_TABLE
from domain.importers.text import decode, read_text
from domain.indicators.model import IndicatorSet
from domain.plans import PlanDraft
from domain.problems import Problem
from locales import N_

__all__ = [
    "PLAN_SUFFIXES",
    "PlanImportError",
    "import_bytes",
    "import_file",
    "import_indicators",
    "indicators_from_bytes",
    "readable_name",
]

_TEXT = {".txt", ".md", ".markdown"}
_WORD = {".docx"}
_EXCEL = {".xlsx", ".xlsm"}
_CSV = {".csv"}
_ZIP_MAGIC = b"PK\x03\x04"
# What a plan file may be called: the readers' extensions, or none at all (plain text).
PLAN_SUFFIXES = frozenset(_TEXT | _WORD | _EXCEL | _CSV)


def readable_name(name: str) -> bool:
    """Whether a file of this name may be a plan (decided before its content is fetched)."""
    suffix = Path(name).suffix.lower()
    return not suffix or suffix in PLAN_SUFFIXES


def import_file(
    path: str | Path,
    *,
    registry: AgencyRegistry,
    plan_ref: str | None = None,
    plan_year: int | None = None,
    today: date | None = None,
) -> PlanDraft:
    """Read a plan file; `plan_ref` and `plan_year` override what the document says.

    Agency names are read as of the document's day (see `_dated`); `today` is the day for a
    document that gives neither a date nor a year.
    """
    path = Path(path)
    return import_bytes(
        _read_bytes(path),
        name=path.name,
        registry=registry,
        plan_ref=plan_ref,
        plan_year=plan_year,
        today=today,
    )


def import_bytes(
    data: bytes,
    *,
    name: str,
    registry: AgencyRegistry,
    plan_ref: str | None = None,
    plan_year: int | None = None,
    today: date | None = None,
) -> PlanDraft:
    """`import_file` for a file's content received some other way (a chat upload); `name`
    is the file's name, which also says its kind when the content does not."""
    check_size(len(data), name=name)
    if not data.strip():
        raise PlanImportError(Problem.of(EMPTY_FILE, name=name))
    kind = _kind(Path(name), data)
    known = date(plan_year, 1, 1) if plan_year else None
    read: Callable[[AgencyRegistry], PlanDraft]
    if kind in ("docx", "text"):
        blocks = (
            read_docx(data, name=name)
            if kind == "docx"
            else read_text(decode(data, name), registry=registry)
        )
        known = issue_date(blocks) or known

        def read(dated: AgencyRegistry) -> PlanDraft:
            return build_plan(
                blocks, registry=dated, source_file=name, plan_ref=plan_ref, plan_year=plan_year
            )

    elif kind == "xlsx":
        sheets = read_xlsx(data, name=name)

        def read(dated: AgencyRegistry) -> PlanDraft:
            return sheet_plan(
                sheets, registry=dated, source_file=name, plan_ref=plan_ref, plan_year=plan_year
            )

    else:
        text = decode(data, name)
        with csv_refusals(name):
            duties = is_duty_table(next(csv.reader(io.StringIO(text)), []))
            rows = list(csv.DictReader(io.StringIO(text))) if duties else []
        if duties:

            def read(dated: AgencyRegistry) -> PlanDraft:
                return duty_plan(
                    rows, registry=dated, source_file=name, plan_ref=plan_ref, plan_year=plan_year
                )

        else:
            sheet = [read_csv_rows(data, name)]

            def read(dated: AgencyRegistry) -> PlanDraft:
                return sheet_plan(
                    sheet, registry=dated, source_file=name, plan_ref=plan_ref, plan_year=plan_year
                )

    draft = _dated(read, registry, known=known, today=today)
    if not draft.duties_found:
        raise PlanImportError(_nothing_found(name, draft))
    return draft


def _dated(
    read: Callable[[AgencyRegistry], PlanDraft],
    registry: AgencyRegistry,
    *,
    known: date | None,
    today: date | None,
) -> PlanDraft:
    """The plan read with the agencies of its day: its date, else 1 January of its year,
    else today.

    Bodies merge and split (the 2025 reorganisation), so "Sở Thông tin và Truyền thông" of
    a 2023 plan is the body of 2023 and "các Sở, ban, ngành" its departments of then. A
    document that states no date is read once to learn the year most of its deadlines name,
    then again as of that year.
    """
    if known is not None:
        return read(registry.on(known))
    draft = read(registry.on(today))
    if draft.plan_year is None:
        return draft
    day = date(draft.plan_year, 1, 1)
    return draft if day == today else read(registry.on(day))


def import_indicators(path: str | Path, *, registry: AgencyRegistry) -> IndicatorSet:
    """Read the indicator tables of a file (PHỤ LỤC 1-3 of Chỉ thị 02, the "Chỉ tiêu" sheet).

    The set is empty when the file has none; the same file may also hold a plan's tasks, which
    import_file reads.
    """
    path = Path(path)
    return indicators_from_bytes(_read_bytes(path), name=path.name, registry=registry)


def indicators_from_bytes(data: bytes, *, name: str, registry: AgencyRegistry) -> IndicatorSet:
    """`import_indicators` for a file's content received some other way (a chat upload)."""
    check_size(len(data), name=name)
    if not data.strip():
        raise PlanImportError(Problem.of(EMPTY_FILE, name=name))
    kind = _kind(Path(name), data)
    if kind == "docx":
        return indicators_from_blocks(
            read_docx(data, name=name), registry=registry, source_file=name
        )
    if kind == "xlsx":
        sheets = read_xlsx(data, name=name)
        return indicators_from_sheets(sheets, registry=registry, source_file=name)
    if kind == "csv":
        rows = [read_csv_rows(data, name)]
        return indicators_from_sheets(rows, registry=registry, source_file=name)
    blocks = read_text(decode(data, name), registry=registry)
    return indicators_from_blocks(blocks, registry=registry, source_file=name)


def _read_bytes(path: Path) -> bytes:
    try:
        check_size(path.stat().st_size, name=path.name)
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


def _nothing_found(name: str, draft: PlanDraft) -> Problem:
    """The refusal of a file with no duty at all: what was looked for, and what got in the way."""
    refusal = Problem.of(
        N_(
            "«{name}» không có nhiệm vụ nào nhận ra được. Đã tìm: bảng nhiệm vụ (cột TT, Nhiệm "
            "vụ hoặc Nội dung, Cơ quan chủ trì hoặc Trách nhiệm thực hiện, Thời hạn hoặc Thời "
            "gian thực hiện); mục có dòng «Đơn vị chủ trì»; việc giao cho một cơ quan cụ thể "
            "(«Giao Sở …», «Sở … chủ trì …», hoặc đề mục «1. Sở …:» với các ý bên dưới)."
        ),
        name=name,
    )
    tables = [problem for problem in draft.problems if problem.text == UNREAD_TABLE]
    if not tables:
        return refusal
    return Problem.of(N_("{refusal} {details}"), refusal=refusal, details=tables[0])


def _kind(path: Path, data: bytes) -> str:
    """Which reader fits: by content for zip containers, else by extension."""
    suffix = path.suffix.lower()
    if data.startswith(_ZIP_MAGIC):
        check_archive(data, name=path.name)
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
