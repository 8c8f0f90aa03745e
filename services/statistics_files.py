"""The period report as the office files it: a summary sheet, then one sheet per bucket in
the layout offices use for "kết quả thực hiện nhiệm vụ được giao" (STT, Nhiệm vụ, Văn bản
giao, Cơ quan chủ trì, Cơ quan phối hợp, Thời hạn, Gia hạn, Kết quả thực hiện, Tình trạng,
Khó khăn vướng mắc, Đề xuất). Written like the weekly spreadsheet (services.report_files):
streamed row by row (services.sheets), a temporary name then a rename.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from domain.statistics import BUCKET_NAMES, Basis, Bucket, Tally
from domain.status import Status
from locales import N_, Translate, gettext_for
from services.report_files import _atomic_write
from services.sheets import PERCENT, PLAIN, Sheet, Workbook
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


def _write(report: PeriodReport, *, path: Path, locale: str) -> None:
    _ = gettext_for(locale)
    stats = report.figures.statistics
    workbook = Workbook(path)
    summary = _sheet(workbook, _("Tổng hợp"), _SUMMARY_COLUMNS, _)
    figures_styles = [PLAIN] * 5 + [PERCENT] * 2
    heading = _("{period}, tính đến {date}").format(
        period=stats.period.render(_), date=short_date(stats.cutoff, locale=locale)
    )
    summary_styles = [PLAIN] * 3 + figures_styles
    summary.append(
        ["", _("Tổng cộng"), heading, *_figures(stats.overall.extended, stats.overall.original)],
        summary_styles,
    )
    names = report.figures.agency_names
    for entry in stats.ranking(Basis.EXTENDED):
        figures = stats.by_agency[entry.agency_code]
        summary.append(
            [
                entry.rank,
                names.get(entry.agency_code, entry.agency_code),
                entry.agency_code,
                *_figures(figures.extended, figures.original),
            ],
            summary_styles,
        )
    summary.filter(len(_SUMMARY_COLUMNS))

    plans = _sheet(workbook, _("Theo kế hoạch"), _PLAN_COLUMNS, _)
    for label, figures in stats.by_plan.items():
        plans.append(
            [
                label,
                report.figures.plan_titles.get(label, ""),
                *_figures(figures.extended, figures.original),
            ],
            [PLAIN] * 2 + figures_styles,
        )
    plans.filter(len(_PLAN_COLUMNS))

    for bucket in Bucket:
        sheet = _sheet(workbook, _(_SHEET_NAMES[bucket]), _LINE_COLUMNS, _)
        row_of = _line_values(_=_, locale=locale, bucket=bucket)
        for number, line in enumerate(report.lines[bucket], start=1):
            sheet.append(row_of(number, line))
        sheet.filter(len(_LINE_COLUMNS))
    workbook.close()


def _sheet(
    workbook: Workbook, name: str, columns: Sequence[tuple[str, int]], _: Translate
) -> Sheet:
    sheet = workbook.sheet(name, widths=[width for _header, width in columns])
    sheet.header([_(header) for header, _width in columns])
    return sheet


def _line_values(
    *, _: Translate, locale: str, bucket: Bucket
) -> Callable[[int, ReportLine], Sequence[object]]:
    state = _(BUCKET_NAMES[bucket])

    def values(number: int, line: ReportLine) -> Sequence[object]:
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
            number,
            f"{line.task_code} – {line.title}",
            line.plan_label,
            line.lead,
            "; ".join(line.cooperating),
            due,
            extension,
            result,
            status,
            blocked or "",
            "",
        ]

    return values
