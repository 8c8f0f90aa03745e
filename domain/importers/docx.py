"""Word (.docx) plans: the body's paragraphs and tables in order, read with python-docx.

Word repeats the text of a merged cell: a cell merged across columns comes back once per
column and one merged down rows once per row. Repeats across columns are blanked (a group
row "I | Đẩy mạnh …" merged over the whole width must not fill the lead column), repeats down
rows are kept (a funding cell shared by several tasks belongs to each of them).
"""

import io
import zipfile
from pathlib import Path
from typing import Any

import docx
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph as WordParagraph

from domain.importers.blocks import Block, Cell, Paragraph, PlanImportError, Table
from domain.importers.encodings import from_legacy_font
from domain.importers.limits import check_archive
from domain.problems import Problem
from domain.text import clean
from locales import N_


def read_docx(source: Path | bytes, *, name: str | None = None) -> list[Block]:
    """Paragraphs and tables of a .docx file (a path, or its bytes and `name`), in order."""
    shown = name or (source.name if isinstance(source, Path) else "")
    data = source if isinstance(source, bytes) else source.read_bytes()
    check_archive(data, name=shown)
    try:
        document = docx.Document(io.BytesIO(data))
    # SyntaxError: damaged XML inside the zip (lxml's XMLSyntaxError is one).
    except (zipfile.BadZipFile, OpcError, KeyError, ValueError, SyntaxError, EOFError) as error:
        raise PlanImportError(
            Problem.of(
                N_(
                    "«{name}» không phải tệp Word mở được ({error}). "
                    "Hãy mở tệp bằng Word và lưu lại dạng .docx."
                ),
                name=shown,
                error=" ".join(str(error).split()),
            )
        ) from error
    blocks: list[Block] = []
    # Style names by id, read once: python-docx looks a paragraph's style up by scanning
    # every style of the document, which for a long plan took longer than reading it.
    styles = {style.style_id: str(style.name) for style in document.styles}
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            blocks += _paragraphs(WordParagraph(child, document), styles)
        elif child.tag == qn("w:tbl"):
            blocks.append(_table(WordTable(child, document)))
    return blocks


def _paragraphs(paragraph: Any, styles: dict[str, str]) -> list[Paragraph]:
    style_id = paragraph._p.style
    style = styles.get(style_id, "") if style_id else ""
    heading = style.startswith(("Heading", "Title")) or _bold(paragraph)
    return [
        Paragraph(clean(line), heading=heading)
        for line in from_legacy_font(str(paragraph.text)).split("\n")
        if line.strip()
    ]


def _table(table: Any) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for row in table.rows:
        cells: list[Cell] = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:
                cells.append(Cell(""))
                continue
            previous = cell._tc
            text = clean(from_legacy_font(" ".join(str(p.text) for p in cell.paragraphs)))
            cells.append(Cell(text, bold=bool(text) and all(map(_bold, cell.paragraphs))))
        rows.append(tuple(cells))
    return Table(tuple(rows))


def _bold(paragraph: Any) -> bool:
    runs = [run for run in paragraph.runs if str(run.text).strip()]
    return bool(runs) and all(bool(run.bold) for run in runs)
