"""The period report as the office files it: a summary sheet, then one sheet per bucket in
the layout offices use for "kết quả thực hiện nhiệm vụ được giao" (STT, Nhiệm vụ, Văn bản
giao, Cơ quan chủ trì, Cơ quan phối hợp, Thời hạn, Gia hạn, Kết quả thực hiện, Tình trạng,
Khó khăn vướng mắc, Đề xuất). Written like the weekly spreadsheet (services.report_files):
write-only sheets, cells from templates, a temporary name then a rename.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from domain.statistics import BUCKET_NAMES, Basis, Bucket, Tally
from domain.status import Status
from locales import N_, Translate, gettext_for
from services.report_files import _atomic_write, _Cells, _finish_sheet, _start_sheet
from services.statistics import PeriodReport, ReportLine
from views.text import short_date, status_label

_SUMMARY_COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("Xếp hạng"), 9),
    (N_("Cơ quan"), 42),
    (N_("Mã"), 14),
    (N_("Hoàn thành đúng hạn"), 13),
    (N_("Hoàn thành quá hạn"), 13),
    (N_("Chưa hoàn thành, trong hạn"), 13),
    (N_("Chưa hoàn thành, quá hạn"), 13),
    (N_("Tổng số"), 10),
    (N_("Tỷ lệ đúng hạn"), 11),
    (N_("Tỷ lệ đúng hạn theo hạn ban đầu"), 14),
)
_PLAN_COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("Văn bản giao"), 20),
    (N_("Trích yếu"), 60),
    *_SUMMARY_COLUMNS[3:],
)
# The layout offices use for the list of assigned tasks and their results.
_LINE_COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("STT"), 6),
    (N_("Nhiệm vụ"), 55),
    (N_("Văn bản giao"), 22),
    (N_("Cơ quan chủ trì"), 28),
    (N_("Cơ quan phối hợp"), 30),
    (N_("Thời hạn"), 14),
    (N_("Gia hạn (số lần, hạn cũ)"), 18),
    (N_("Kết quả thực hiện / văn bản báo cáo"), 30),
    (N_("Tình trạng"), 20),
    (N_("Khó khăn, vướng mắc"), 30),
    (N_("Đề xuất"), 24),
)
# Sheet names are at most 31 characters and may not hold "/".
_SHEET_NAMES: dict[Bucket, str] = {
    Bucket.DONE_ON_TIME: N_("HT đúng hạn"),
    Bucket.DONE_LATE: N_("HT quá hạn"),
    Bucket.OPEN_IN_TIME: N_("Chưa HT - trong hạn"),
    Bucket.OPEN_OVERDUE: N_("Chưa HT - quá hạn"),
}


def write_period_workbook(report: PeriodReport, *, path: Path, locale: str) -> None:
    """Write the report's .xlsx to `path` (replaced whole, never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, lambda partial: _write(report, path=partial, locale=locale))


def _figures(tally: Tally, original: Tally) -> list[Any]:
    return [
        tally.done_on_time,
        tally.done_late,
        tally.open_in_time,
        tally.open_overdue,
        tally.total,
        float(tally.on_time_rate) if tally.on_time_rate is not None else None,
        float(original.on_time_rate) if original.on_time_rate is not None else None,
    ]


def _figure_cells(cell: _Cells, values: list[Any]) -> list[Any]:
    return [cell(v) for v in values[:-2]] + [cell(v, percent=True) for v in values[-2:]]


def _write(report: PeriodReport, *, path: Path, locale: str) -> None:
    from openpyxl import Workbook

    _ = gettext_for(locale)
    stats = report.figures.statistics
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("Tổng hợp"))
    _start_sheet(summary, [(_(header), width) for header, width in _SUMMARY_COLUMNS])
    cell = _Cells(summary)
    heading = _("{period}, tính đến {date}").format(
        period=stats.period.render(_), date=short_date(stats.cutoff, locale=locale)
    )
    summary.append(
        [
            cell(""),
            cell(_("Tổng cộng")),
            cell(heading),
            *_figure_cells(cell, _figures(stats.overall.extended, stats.overall.original)),
        ]
    )
    ranking = stats.ranking(Basis.EXTENDED)
    names = report.figures.agency_names
    for entry in ranking:
        figures = stats.by_agency[entry.agency_code]
        summary.append(
            [
                cell(entry.rank),
                cell(names.get(entry.agency_code, entry.agency_code)),
                cell(entry.agency_code),
                *_figure_cells(cell, _figures(figures.extended, figures.original)),
            ]
        )
    _finish_sheet(summary, columns=len(_SUMMARY_COLUMNS), rows=len(ranking) + 1)

    plans = workbook.create_sheet(_("Theo kế hoạch"))
    _start_sheet(plans, [(_(header), width) for header, width in _PLAN_COLUMNS])
    cell = _Cells(plans)
    for label, figures in stats.by_plan.items():
        plans.append(
            [
                cell(label),
                cell(report.figures.plan_titles.get(label, "")),
                *_figure_cells(cell, _figures(figures.extended, figures.original)),
            ]
        )
    _finish_sheet(plans, columns=len(_PLAN_COLUMNS), rows=len(stats.by_plan))

    for bucket in Bucket:
        found = report.lines[bucket]
        sheet = workbook.create_sheet(_(_SHEET_NAMES[bucket]))
        _start_sheet(sheet, [(_(header), width) for header, width in _LINE_COLUMNS])
        cell = _Cells(sheet)
        row_of = _line_cells(cell, _=_, locale=locale, bucket=bucket)
        for number, line in enumerate(found, start=1):
            sheet.append(row_of(number, line))
        _finish_sheet(sheet, columns=len(_LINE_COLUMNS), rows=len(found))
    workbook.save(path)


def _line_cells(
    cell: _Cells, *, _: Translate, locale: str, bucket: Bucket
) -> Callable[[int, ReportLine], Sequence[Any]]:
    state = _(BUCKET_NAMES[bucket])

    def cells(number: int, line: ReportLine) -> Sequence[Any]:
        deadline = line.extended_due or line.due
        due = short_date(deadline, locale=locale) if deadline else ""
        if line.period_label:
            due = _("Kỳ {period}").format(period=line.period_label) + f"\n{due}"
        extension = ""
        if line.extended_due is not None and line.due is not None:
            extension = _("{count} lần, hạn cũ {date}").format(
                count=max(1, line.extension_count), date=short_date(line.due, locale=locale)
            )
        if line.completed_on is not None and line.status is Status.DONE:
            result = _("Hoàn thành ngày {date}").format(
                date=short_date(line.completed_on, locale=locale)
            )
        elif line.progress:
            result = _("Đạt {percent}%").format(percent=line.progress)
        else:
            result = ""
        status = state
        if line.status is not Status.DONE:
            status += f"\n{status_label(line.status, _)}"
        blocked = line.blocked_reason if line.status is Status.BLOCKED else None
        return [
            cell(number),
            cell(f"{line.task_code} – {line.title}"),
            cell(line.plan_label),
            cell(line.lead),
            # Empty cells are left unwritten: a styled cell costs, and most of these are.
            cell("; ".join(line.cooperating)) if line.cooperating else None,
            cell(due),
            cell(extension) if extension else None,
            cell(result) if result else None,
            cell(status),
            cell(blocked) if blocked else None,
            None,
        ]

    return cells
