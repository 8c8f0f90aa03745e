"""Spreadsheets written row by row, streamed to the file: the weekly summary's workbook, the
period report's, the dashboard's export and the indicators' sheets.

The .xlsx is written here, not by a library: what these workbooks use of the format is
small (text, numbers and blanks, four cell styles, column widths, a frozen header row and a
filter), and a row is one string built from its values. XlsxWriter, which wrote them
before, spends about 8 µs of CPU on each cell, 65 µs a row of the summary's eight
columns: 9 s of the national summary's 137,500 rows, half its 20-second budget on its own.
This writes the same XML as XlsxWriter did for these workbooks (inline strings, the same
styles, widths, panes and filters) at about a quarter of that (16 µs a row; pyexcelerate
took 50); bench/summary.py prints it beside XlsxWriter and openpyxl's write-only mode, and
tests/unit/test_sheets.py reads the result back.

Each sheet's rows go to an anonymous temporary file as they come; `close` writes the zip:
the workbook's parts, then each sheet, its header (which needs the rows' extent) before its
rows. Memory does not grow with the rows.

Text is always text: a note an officer typed that starts with "=" never becomes a formula,
nor does anything that looks like a number or a link change type; control characters the
file format refuses are dropped, and a literal "_x0041_" stays literal text.
"""

import math
import re
import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO

# Characters an .xlsx cannot hold (XML 1.0 refuses them): dropped from text.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What text needs more than copying: characters to drop or escape, Excel's own escapes
# ("_x000D_" is a carriage return to Excel, so a literal one is escaped), non-characters.
_NEEDS_WORK = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
# Excel's limit on a cell's text, in UTF-16 code units.
_TEXT_LIMIT = 32_767
# Excel's limit on a sheet name, and the characters it refuses in one.
_NAME_LENGTH = 31
_NAME_REFUSED = re.compile(r"[\[\]:*?/\\]")
# Rows joined and written to a sheet's temporary file at a time.
_FLUSH_ROWS = 256

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


@dataclass(frozen=True)
class Style:
    """How a cell looks: every cell wraps its text and sits at the top of its row."""

    bold: bool = False
    fill: str | None = None
    percent: bool = False
    centred: bool = False


PLAIN = Style()
PERCENT = Style(percent=True)
HEADER = Style(bold=True, fill="DDEBF7", centred=True)


class Workbook:
    """A workbook streamed to `path`; close it to finish the file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        # Index 0 is Excel's default style, which no cell written here uses.
        self._styles: dict[Style, int] = {}
        self._sheets: list[Sheet] = []
        self._names: set[str] = set()

    def style_index(self, style: Style) -> int:
        """The index of `style` among the workbook's cell styles, made once."""
        found = self._styles.get(style)
        if found is None:
            found = self._styles[style] = len(self._styles) + 1
        return found

    def sheet(self, name: str, *, widths: Sequence[float]) -> "Sheet":
        """A new sheet named `name` (made valid and unique), its columns `widths` wide."""
        base = _NAME_REFUSED.sub("-", name)[:_NAME_LENGTH] or "-"
        unique, number = base, 2
        while unique.casefold() in self._names:
            suffix = f" ({number})"
            unique, number = base[: _NAME_LENGTH - len(suffix)] + suffix, number + 1
        self._names.add(unique.casefold())
        sheet = Sheet(self, unique, widths)
        self._sheets.append(sheet)
        return sheet

    def close(self) -> None:
        """Write the file: the workbook's parts, then every sheet with its rows."""
        sheets = self._sheets or [self.sheet("Sheet1", widths=[])]
        with zipfile.ZipFile(self._path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", _content_types(len(sheets)))
            archive.writestr("_rels/.rels", _PACKAGE_RELATIONSHIPS)
            archive.writestr("xl/workbook.xml", _workbook(sheets))
            archive.writestr("xl/_rels/workbook.xml.rels", _workbook_relationships(len(sheets)))
            archive.writestr("xl/styles.xml", _stylesheet(list(self._styles)))
            for number, sheet in enumerate(sheets, start=1):
                with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                    sheet.copy_to(part, selected=number == 1)


class Sheet:
    """One sheet, written a row at a time from the top."""

    def __init__(self, workbook: Workbook, name: str, widths: Sequence[float]) -> None:
        self.name = name
        self._workbook = workbook
        self._widths = list(widths)
        self._row = 0
        self._columns = 0
        self._frozen = False
        self._filter = 0
        self._pending: list[str] = []
        # Open for the sheet's life: the workbook copies it into the file on close, and a
        # sheet dropped unfinished (an error while writing) closes it when collected.
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        weakref.finalize(self, self._file.close)
        self._plain = workbook.style_index(PLAIN)
        # The styles of the last row, as indices: a sheet's rows mostly share one list.
        self._last_styles: Sequence[Style] | None = None
        self._last_indices: list[int] = []

    def append(self, values: Sequence[object], styles: Sequence[Style] | None = None) -> None:
        """Write the next row; each value plain unless `styles` gives its style."""
        if styles is None:
            indices = [self._plain] * len(values)
        elif styles is self._last_styles:
            indices = self._last_indices
        else:
            indices = [self._workbook.style_index(style) for style in styles]
            self._last_styles, self._last_indices = styles, indices
        self._row += 1
        number = self._row
        cells = []
        for column, value in enumerate(values):
            where = f'<c r="{_column_name(column)}{number}" s="{indices[column]}"'
            if value is None or value == "":
                cells.append(where + "/>")
            elif isinstance(value, str):
                cells.append(where + _inline_string(value))
            elif isinstance(value, int | float | Decimal):
                cells.append(f"{where}><v>{_number(value)}</v></c>")
            else:
                raise TypeError(f"a cell holds text or a number, not {type(value).__name__}")
        self._columns = max(self._columns, len(values))
        self._pending.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(self._pending) >= _FLUSH_ROWS:
            self._flush()

    def header(self, titles: Sequence[str]) -> None:
        """Write the header row and keep it in view, with a filter over the columns."""
        self.append(titles, [HEADER] * len(titles))
        self._frozen = True

    def filter(self, columns: int) -> None:
        """A filter over the header and every row written (call after the last row)."""
        self._filter = columns

    @property
    def filter_range(self) -> str | None:
        """The filter's cells as "$A$1:$H$11001", or None without a filter."""
        if not self._filter:
            return None
        return f"$A$1:${_column_name(self._filter - 1)}${max(self._row, 1)}"

    def copy_to(self, part: IO[bytes], *, selected: bool) -> None:
        """Write the sheet's XML into `part`: its header, its rows, then what follows them."""
        self._flush()
        part.write(self._head(selected=selected).encode())
        self._file.seek(0)
        shutil.copyfileobj(self._file, part)
        self._file.close()
        part.write(self._tail().encode())

    def _flush(self) -> None:
        if self._pending:
            self._file.write("".join(self._pending).encode())
            self._pending.clear()

    def _head(self, *, selected: bool) -> str:
        extent = "A1"
        if self._row and self._columns:
            extent = f"A1:{_column_name(self._columns - 1)}{self._row}"
        view = ' tabSelected="1"' if selected else ""
        if self._frozen:
            views = (
                f'<sheetView{view} workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/></sheetView>'
            )
        else:
            views = f'<sheetView{view} workbookViewId="0"/>'
        columns = _columns(self._widths)
        return (
            f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
            f'<dimension ref="{extent}"/><sheetViews>{views}</sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{columns}'
            + ("<sheetData>" if self._row else "<sheetData/>")
        )

    def _tail(self) -> str:
        rows_end = "</sheetData>" if self._row else ""
        autofilter = ""
        if self._filter:
            last = f"{_column_name(self._filter - 1)}{max(self._row, 1)}"
            autofilter = f'<autoFilter ref="A1:{last}"/>'
        return (
            f"{rows_end}{autofilter}"
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3"'
            ' footer="0.3"/></worksheet>'
        )


_COLUMN_NAMES: list[str] = []


def _column_name(index: int) -> str:
    """A column's letters: 0 is "A", 25 "Z", 26 "AA"."""
    while len(_COLUMN_NAMES) <= index:
        number, letters = len(_COLUMN_NAMES) + 1, ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(65 + rest) + letters
        _COLUMN_NAMES.append(letters)
    return _COLUMN_NAMES[index]


def _inline_string(value: str) -> str:
    """The rest of a text cell after its reference and style."""
    if len(value) > _TEXT_LIMIT // 2:
        value = _truncated(value)
    if _NEEDS_WORK.search(value) is not None:
        value = _ILLEGAL.sub("", value)
        value = _EXCEL_ESCAPE.sub(r"_x005F\1", value)
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        value = value.replace("\r", "_x000D_")
        value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    if value[:1].isspace() or value[-1:].isspace():
        return f' t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    return f' t="inlineStr"><is><t>{value}</t></is></c>'


def _truncated(value: str) -> str:
    """At most Excel's limit of UTF-16 code units (a character above U+FFFF is two)."""
    units = 0
    for index, char in enumerate(value):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > _TEXT_LIMIT:
            return value[:index]
    return value


def _number(value: float | Decimal) -> str:
    if not isinstance(value, int) and not math.isfinite(value):
        raise ValueError(f"a spreadsheet cell cannot hold {value}")
    return f"{value:.16G}"


def _columns(widths: Sequence[float]) -> str:
    """The <cols> element: Excel's stored width for each width in characters, neighbouring
    columns of one width together."""
    if not widths:
        return ""
    spans: list[tuple[int, int, float]] = []
    for index, width in enumerate(widths, start=1):
        if spans and spans[-1][2] == width and spans[-1][1] == index - 1:
            spans[-1] = (spans[-1][0], index, width)
        else:
            spans.append((index, index, width))
    columns = "".join(
        f'<col min="{first}" max="{last}" width="{_stored_width(width):.16g}" customWidth="1"/>'
        for first, last, width in spans
    )
    return f"<cols>{columns}</cols>"


def _stored_width(width: float) -> float:
    """What Excel stores for a column `width` characters wide (7-pixel digits, 5 pixels of
    padding), as Excel itself and XlsxWriter store it."""
    pixels = int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5
    return (pixels * 256 // 7) / 256


def _content_types(sheets: int) -> str:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
        for n in range(1, sheets + 1)
    )
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return (
        f'{_DECLARATION}<Types xmlns="{_PACKAGE}/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
        f"{overrides}</Types>"
    )


_PACKAGE_RELATIONSHIPS = (
    f'{_DECLARATION}<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def _workbook(sheets: Sequence[Sheet]) -> str:
    listed = "".join(
        f'<sheet name="{_attribute(sheet.name)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, sheet in enumerate(sheets, start=1)
    )
    # Excel keeps a sheet's filter range in this hidden name as well as on the sheet.
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{_attribute(_quoted(sheet.name))}!{sheet.filter_range}</definedName>"
        for n, sheet in enumerate(sheets)
        if sheet.filter_range
    )
    names = f"<definedNames>{filters}</definedNames>" if filters else ""
    return (
        f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095"'
        ' windowHeight="9660"/></bookViews>'
        f'<sheets>{listed}</sheets>{names}<calcPr calcId="124519" fullCalcOnLoad="1"/>'
        "</workbook>"
    )


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _workbook_relationships(sheets: int) -> str:
    listed = "".join(
        f'<Relationship Id="rId{n}" Type="{_RELATIONSHIPS}/worksheet"'
        f' Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        f'{_DECLARATION}<Relationships xmlns="{_PACKAGE}/relationships">{listed}'
        f'<Relationship Id="rId{sheets + 1}" Type="{_RELATIONSHIPS}/styles"'
        ' Target="styles.xml"/></Relationships>'
    )


# Calibri 11 in black: Excel's default font, named rather than taken from a theme (the
# workbook has none).
_FONT = '<sz val="11"/><color rgb="FF000000"/><name val="Calibri"/><family val="2"/>'
# Excel's built-in number format for a whole percentage ("0%").
_PERCENT_FORMAT = 9


def _stylesheet(styles: Sequence[Style]) -> str:
    """styles.xml: Excel's default cell style first, then `styles` in their index order."""
    fills = sorted({style.fill for style in styles if style.fill})
    fill_ids = {fill: index for index, fill in enumerate(fills, start=2)}
    cells = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
    for style in styles:
        number = _PERCENT_FORMAT if style.percent else 0
        font = 1 if style.bold else 0
        fill = fill_ids[style.fill] if style.fill else 0
        applied = (
            (' applyNumberFormat="1"' if style.percent else "")
            + (' applyFont="1"' if style.bold else "")
            + (' applyFill="1"' if style.fill else "")
        )
        alignment = 'horizontal="center" vertical="center"' if style.centred else 'vertical="top"'
        cells.append(
            f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
            f'{applied} applyAlignment="1"><alignment {alignment} wrapText="1"/></xf>'
        )
    solid = "".join(
        f'<fill><patternFill patternType="solid"><fgColor rgb="FF{fill}"/>'
        '<bgColor indexed="64"/></patternFill></fill>'
        for fill in fills
    )
    return (
        f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
        f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
        f'<fills count="{2 + len(fills)}"><fill><patternFill patternType="none"/></fill>'
        f'<fill><patternFill patternType="gray125"/></fill>{solid}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
        "</borders>"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(cells)}">{"".join(cells)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9"'
        ' defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
    )
