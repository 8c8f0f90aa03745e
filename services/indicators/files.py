"""The indicators' files: a chart of progress against target by group (PNG) and sheets in
the layout of the plans' own tables (PHỤ LỤC 1, 3 …) for the weekly summary's workbook and
`dondoc report indicators`.

matplotlib and XlsxWriter are imported by the writers, as in services.report_files.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.indicators.checkpoints import Verdict
from domain.indicators.collection import Figure, IndicatorOverview
from domain.indicators.quantities import format_number
from locales import LOCALES, N_, gettext_for, normalise_locale
from services.indicators.report import IndicatorReport, ReportRow
from services.sheets import PLAIN, Style, Workbook
from views.indicators import checkpoint_name, expected_text
from views.text import short_date, shorten

_BARS = (
    (Verdict.MET, N_("Đạt"), "#2ca02c"),
    (Verdict.NEAR, N_("Gần đạt"), "#f2b01e"),
    (Verdict.MISSED, N_("Chưa đạt"), "#d62728"),
    (Verdict.NOT_REPORTED, N_("Chưa báo cáo"), "#b0b0b0"),
)
_FILLS = {
    Verdict.MET: "C6EFCE",
    Verdict.NEAR: "FFEB9C",
    Verdict.MISSED: "FFC7CE",
    Verdict.NOT_REPORTED: "E7E6E6",
    Verdict.UNJUDGED: "E7E6E6",
}


def write_indicator_chart(overview: IndicatorOverview, *, path: Path, locale: str) -> None:
    """Horizontal bars, one per indicator group: how many of its indicators stand at each
    colour against their targets at the current checkpoint."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as Chart
    from matplotlib.ticker import MaxNLocator

    locale = normalise_locale(locale)
    _ = gettext_for(locale)
    groups = overview.by_group()
    chart = Chart(figsize=(10, 2.4 + 0.45 * max(len(groups), 3)), dpi=110, layout="constrained")
    FigureCanvasAgg(chart)
    chart.suptitle(_("Chỉ tiêu so với mục tiêu, theo nhóm"), fontsize=13, fontweight="bold")
    axes = chart.subplots()
    at = summary_checkpoint(overview)
    when = _("Số liệu đến {date}").format(date=short_date(overview.today, locale=locale))
    axes.set_title(
        f"{checkpoint_name(*at, _)} · {when}" if at else when,
        fontsize=10,
        color="#555555",
    )
    positions = list(range(len(groups)))
    lefts = [0] * len(groups)
    for verdict, label, colour in _BARS:
        widths = [
            counts.get(verdict, 0)
            + (counts.get(Verdict.UNJUDGED, 0) if verdict is Verdict.NOT_REPORTED else 0)
            for _name, counts in groups
        ]
        axes.barh(positions, widths, left=lefts, color=colour, label=_(label), height=0.7)
        lefts = [left + width for left, width in zip(lefts, widths, strict=True)]
    for position, (_name, counts) in zip(positions, groups, strict=True):
        met = counts.get(Verdict.MET, 0)
        total = sum(counts.values())
        axes.text(
            lefts[position],
            position,
            " " + _("{met}/{total} đạt").format(met=met, total=total),
            va="center",
            fontsize=9,
        )
    axes.set_yticks(positions, [shorten(name, 48) for name, _counts in groups], fontsize=9)
    axes.invert_yaxis()
    axes.set_xlim(0, max(max(lefts, default=0) * 1.25, 1))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(_("Số chỉ tiêu"))
    axes.spines[["top", "right"]].set_visible(False)
    chart.legend(loc="outside lower center", ncols=len(_BARS), frameon=False, fontsize=9)
    chart.savefig(path, format="png")


@dataclass(frozen=True)
class _Layout:
    """A report's columns, in the reader's language."""

    headers: list[str]
    widths: list[int]


def _layout(report: IndicatorReport, _: Any) -> _Layout:
    headers = [
        _("TT"),
        _("Chỉ tiêu"),
        _("Đơn vị tính"),
        _("Kế hoạch năm {year}").format(year=report.year),
        *(checkpoint_name(report.year, months, _) for months in report.columns),
        _("Mục tiêu kỳ {checkpoint}").format(
            checkpoint=checkpoint_name(report.year, report.months, _)
        ),
        _("Đánh giá"),
        _("Giải trình"),
        _("Cơ quan chủ trì theo dõi, đánh giá"),
    ]
    widths = [6, 55, 14, 16, *(14 for _ in report.columns), 16, 14, 45, 36]
    return _Layout(headers, widths)


def _figure_cell(figure: Figure | None, _: Any) -> object:
    if figure is None:
        return ""
    if figure.value is None:
        return _("chưa có số liệu")
    if figure.estimate:
        return f"{format_number(figure.value)} {_('(ước)')}"
    return (
        figure.value if figure.value == figure.value.to_integral_value() else float(figure.value)
    )


def _sheet_name(row: ReportRow, _: Any) -> str:
    # The workbook makes the name unique (services.sheets).
    return row.table or _("Chỉ tiêu")


_BOLD = Style(bold=True)
_HEADER = Style(bold=True, fill="DDEBF7")


def append_indicator_sheets(workbook: Workbook, report: IndicatorReport, *, locale: str) -> None:
    """One sheet per table of the report, in the table's own layout."""
    _ = gettext_for(locale)
    layout = _layout(report, _)
    tables: dict[tuple[str, str], list[ReportRow]] = {}
    for row in report.rows:
        tables.setdefault((row.table, row.table_title), []).append(row)
    for (_table, title), rows in tables.items():
        sheet = workbook.sheet(_sheet_name(rows[0], _), widths=layout.widths)
        sheet.append([title or _("Chỉ tiêu")], [_BOLD])
        name = checkpoint_name(report.year, report.months, _)
        sheet.append([_("Số liệu kỳ {checkpoint}").format(checkpoint=name)])
        sheet.append(layout.headers, [_HEADER] * len(layout.headers))
        group = None
        for row in rows:
            if row.group and row.group != group:
                group = row.group
                numeral, _dot, named = row.group.partition(". ")
                sheet.append([numeral, named or row.group], [_BOLD, _BOLD])
            sheet.append(*_report_cells(row, report, _))


def _report_cells(
    row: ReportRow, report: IndicatorReport, _: Any
) -> tuple[list[object], list[Style]]:
    found = row.standing
    values = [_figure_cell(row.figures.get(months), _) for months in report.columns]
    if found is None:
        expected, verdict, explanation = "", None, ""
    else:
        expected = (
            expected_text(found.judgement.expected, row.unit) if found.judgement.expected else ""
        )
        verdict = found.verdict
        explanation = (found.figure.explanation or "") if found.figure is not None else ""
    first = _BOLD if row.is_heading else PLAIN
    cells: list[object] = [
        row.number,
        row.name,
        row.unit,
        row.target,
        *values,
        expected,
        _(verdict.label) if verdict else "",
        explanation,
        row.owners,
    ]
    styles = [first, first, *([PLAIN] * (len(cells) - 2))]
    if verdict:
        styles[-3] = Style(fill=_FILLS[verdict])
    return cells, styles


def write_indicator_workbook(report: IndicatorReport, *, path: Path, locale: str) -> None:
    """`dondoc report indicators`: the report's sheets in a workbook of their own."""
    workbook = Workbook(path)
    append_indicator_sheets(workbook, report, locale=locale)
    if not report.rows:
        _ = gettext_for(locale)
        workbook.sheet(_("Chỉ tiêu"), widths=[60]).append(
            [_("Không có chỉ tiêu nào của năm này.")]
        )
    workbook.close()


@dataclass(frozen=True)
class IndicatorSummary:
    """A summary's indicators: the overview (text and chart) and the report (sheets)."""

    overview: IndicatorOverview
    report: IndicatorReport


def indicator_stem(stem: str) -> str:
    """The file name (without suffix) of a summary's indicator chart, beside its own:
    "weekly-2023-W24-all-vi" → "weekly-2023-W24-all-indicators-vi" (housekeeping's pattern)."""
    head, dash, locale = stem.rpartition("-")
    if dash and head and locale in LOCALES:
        return f"{head}-indicators-{locale}"
    return f"{stem}-indicators"


def summary_checkpoint(overview: IndicatorOverview) -> tuple[int, int] | None:
    """The checkpoint (year, months) most of a summary's indicators stand at."""
    counts: dict[tuple[int, int], int] = {}
    for line in overview.lines:
        at = line.standing.checkpoint
        counts[(at.year, at.months)] = counts.get((at.year, at.months), 0) + 1
    return max(counts, key=lambda key: (counts[key], key)) if counts else None
