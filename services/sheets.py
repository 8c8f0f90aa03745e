"""Spreadsheets written row by row, streamed to the file: the weekly summary's workbook and
the indicators' sheets.

XlsxWriter in its constant-memory mode writes each row as it comes and holds nothing of the
rows before: for the 11,000-row summary of 1,000 agencies it takes less than half the CPU
time of openpyxl's write-only mode (bench/summary.py prints both), which builds two cell
objects per value. openpyxl still reads the plans people send (domain.importers).

Text is always text: a note an officer typed that starts with "=" never becomes a formula,
nor does anything that looks like a number or a link change type; control characters the
file format refuses are dropped. XlsxWriter is imported when the first workbook is opened
(services.report_files.load_writers imports it at start-up).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Characters an .xlsx cannot hold (XML 1.0 refuses them): dropped from text.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Excel's limit on a sheet name, and the characters it refuses in one.
_NAME_LENGTH = 31
_NAME_REFUSED = re.compile(r"[\[\]:*?/\\]")


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
        import xlsxwriter

        self._book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self._formats: dict[Style, Any] = {}
        self._names: set[str] = set()

    def format(self, style: Style) -> Any:
        """The workbook's format for `style`, made once."""
        found = self._formats.get(style)
        if found is None:
            properties: dict[str, Any] = {"text_wrap": True, "valign": "top"}
            if style.bold:
                properties["bold"] = True
            if style.fill:
                properties |= {"pattern": 1, "bg_color": f"#{style.fill}"}
            if style.percent:
                properties["num_format"] = "0%"
            if style.centred:
                properties |= {"align": "center", "valign": "vcenter"}
            found = self._formats[style] = self._book.add_format(properties)
        return found

    def sheet(self, name: str, *, widths: Sequence[float]) -> "Sheet":
        """A new sheet named `name` (made valid and unique), its columns `widths` wide."""
        base = _NAME_REFUSED.sub("-", name)[:_NAME_LENGTH] or "-"
        unique, number = base, 2
        while unique.casefold() in self._names:
            suffix = f" ({number})"
            unique, number = base[: _NAME_LENGTH - len(suffix)] + suffix, number + 1
        self._names.add(unique.casefold())
        worksheet = self._book.add_worksheet(unique)
        for column, width in enumerate(widths):
            worksheet.set_column(column, column, width)
        return Sheet(self, worksheet)

    def close(self) -> None:
        """Finish the file."""
        self._book.close()


class Sheet:
    """One sheet, written a row at a time from the top."""

    def __init__(self, workbook: Workbook, worksheet: Any) -> None:
        self._workbook = workbook
        self._sheet = worksheet
        self._row = 0
        self._plain = workbook.format(PLAIN)
        # The formats of the last row's styles: most sheets style every row alike, and a
        # lookup a cell (a style's hash is worked out each time) cost 6 µs a summary row.
        self._styled: tuple[Sequence[Style] | None, list[Any]] = (None, [])

    @property
    def rows(self) -> int:
        """How many rows have been written."""
        return self._row

    def append(self, values: Sequence[object], styles: Sequence[Style] | None = None) -> None:
        """Write the next row; each value plain unless `styles` gives its style (the same
        sequence for many rows is looked up once: it must not change between them)."""
        sheet, row = self._sheet, self._row
        formats = self._formats(styles, len(values))
        for column, value in enumerate(values):
            style = formats[column]
            if value is None or value == "":
                sheet.write_blank(row, column, None, style)
            elif isinstance(value, str):
                sheet.write_string(row, column, _ILLEGAL.sub("", value), style)
            else:
                sheet.write_number(row, column, value, style)
        self._row += 1

    def _formats(self, styles: Sequence[Style] | None, columns: int) -> list[Any]:
        """The workbook's format of each column, for `styles` (or plain)."""
        last, formats = self._styled
        if styles is None:
            return [self._plain] * columns
        if styles is not last:
            formats = [self._workbook.format(style) for style in styles]
            self._styled = (styles, formats)
        return formats

    def header(self, titles: Sequence[str]) -> None:
        """Write the header row and keep it in view, with a filter over the columns."""
        self.append(titles, [HEADER] * len(titles))
        self._sheet.freeze_panes(1, 0)

    def filter(self, columns: int) -> None:
        """A filter over the header and every row written (call after the last row)."""
        self._sheet.autofilter(0, 0, max(self._row - 1, 0), columns - 1)
