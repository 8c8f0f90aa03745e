"""The weekly summary's files: a PNG chart of status by agency and the .xlsx officials use.

The chart is drawn on matplotlib's Agg canvas, chosen explicitly (a `Figure` with a
`FigureCanvasAgg`, never pyplot), so no display is needed and no global figure state is
shared between threads. DejaVu Sans, which ships with matplotlib, has every Vietnamese glyph.
matplotlib and XlsxWriter are imported by the writers, not with this module: the handlers and
every `dondoc` command import it through services.summary, and most never write a file.

Both files are written under a temporary name and then renamed, so the outbox never sends a
half-written file; a re-run with the same stem replaces them.
"""

import asyncio
import importlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

from domain.status import Status
from domain.summary import (
    AgencyBar,
    Bucket,
    WeeklySummary,
    chart_bars,
    short_agency_name,
)
from locales import N_, gettext_for, normalise_locale
from services.indicators.files import (
    IndicatorSummary,
    append_indicator_sheets,
    indicator_stem,
    write_indicator_chart,
)
from services.private_files import make_private, private_folder
from services.sheets import PERCENT, PLAIN, Workbook
from views.text import STATUS_LABELS, short_date, status_label

CHART_TOP_AGENCIES = 15

# The chart's legend names statuses in the chat's words (views.text), so that "Đang làm" in a
# reply is "Đang làm" in the chart and the spreadsheet too.
_BUCKET_LABELS: dict[Bucket, str] = {
    Bucket.OVERDUE: N_("Quá hạn"),
    Bucket.BLOCKED: STATUS_LABELS[Status.BLOCKED],
    Bucket.IN_PROGRESS: STATUS_LABELS[Status.IN_PROGRESS],
    Bucket.NOT_STARTED: STATUS_LABELS[Status.NOT_STARTED],
    Bucket.DONE: STATUS_LABELS[Status.DONE],
}
_BUCKET_COLOURS: dict[Bucket, str] = {
    Bucket.OVERDUE: "#d62728",
    Bucket.BLOCKED: "#ff7f0e",
    Bucket.IN_PROGRESS: "#1f77b4",
    Bucket.NOT_STARTED: "#b0b0b0",
    Bucket.DONE: "#2ca02c",
}
# (header, width in characters) of the sheet officials use.
_ITEM_COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("TT"), 6),
    (N_("Nhiệm vụ"), 60),
    (N_("Cơ quan chủ trì"), 30),
    (N_("Cơ quan phối hợp"), 36),
    (N_("Thời hạn"), 22),
    (N_("Tình trạng"), 22),
    (N_("Tiến độ"), 10),
    (N_("Ghi chú"), 45),
)
_AGENCY_COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("Cơ quan"), 45),
    (N_("Mã"), 16),
    (N_("Chưa hoàn thành"), 14),
    (N_("Quá hạn"), 12),
    (N_("Ngày làm việc quá hạn"), 16),
    (N_("Vướng mắc"), 12),
    (N_("Hoàn thành trong 7 ngày"), 16),
    (N_("Đã hoàn thành"), 14),
    (N_("Cập nhật gần nhất"), 18),
)


# What the writers below import when they run.
_WRITER_MODULES = (
    "matplotlib.backends.backend_agg",
    "matplotlib.figure",
    "matplotlib.ticker",
    "xlsxwriter",
)


def load_writers() -> None:
    """Import matplotlib and XlsxWriter now rather than with the first report: `dondoc run`
    calls this at start, so its first summary does not pay for them and they are frozen
    out of the garbage collector's way with the rest of the start-up objects."""
    for module in _WRITER_MODULES:
        importlib.import_module(module)


@dataclass(frozen=True)
class ReportFiles:
    """Where a summary's chart and spreadsheet were written, and its indicators' chart."""

    chart: Path
    spreadsheet: Path
    indicator_chart: Path | None = None


async def write_report_files(
    summary: WeeklySummary,
    *,
    out_dir: Path,
    stem: str,
    locale: str,
    indicators: IndicatorSummary | None = None,
) -> ReportFiles:
    """Write `<stem>.png` and `<stem>.xlsx` into `out_dir` (off the event loop); with
    indicators, their chart `<stem>-indicators.png` and their sheets in the workbook."""
    return await asyncio.to_thread(
        write_report_files_now,
        summary,
        out_dir=out_dir,
        stem=stem,
        locale=locale,
        indicators=indicators,
    )


def write_report_files_now(
    summary: WeeklySummary,
    *,
    out_dir: Path,
    stem: str,
    locale: str,
    indicators: IndicatorSummary | None = None,
) -> ReportFiles:
    """Write the files in this thread; the async version runs this in a worker thread."""
    private_folder(out_dir)
    files = ReportFiles(
        chart=out_dir / f"{stem}.png",
        spreadsheet=out_dir / f"{stem}.xlsx",
        indicator_chart=out_dir / f"{indicator_stem(stem)}.png" if indicators else None,
    )
    _atomic_write(files.chart, lambda path: write_chart(summary, path=path, locale=locale))

    def sheets(workbook: Any) -> None:
        if indicators is not None:
            append_indicator_sheets(workbook, indicators.report, locale=locale)

    _atomic_write(
        files.spreadsheet,
        lambda path: write_spreadsheet(summary, path=path, locale=locale, extra=sheets),
    )
    if indicators is not None and files.indicator_chart is not None:
        overview = indicators.overview
        _atomic_write(
            files.indicator_chart,
            lambda path: write_indicator_chart(overview, path=path, locale=locale),
        )
    return files


# What _atomic_write writes into before renaming: ".<name>.<pid>.part" (housekeeping deletes
# those a writer that died left behind).
PARTIAL_FILE_NAME = re.compile(r"\.(?P<name>.+)\.\d+\.part")


def _atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        write(partial)
        make_private(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def write_chart(summary: WeeklySummary, *, path: Path, locale: str) -> None:
    """Horizontal stacked bars of status counts for the agencies with the most open work.

    The agencies after the top ones are summed into one "Khác" bar drawn on its own scale
    below, so a thousand small agencies do not flatten the bars that matter.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    locale = normalise_locale(locale)
    _ = gettext_for(locale)
    bars = chart_bars(summary, top=CHART_TOP_AGENCIES)
    top = [bar for bar in bars if bar.name is not None]
    others = [bar for bar in bars if bar.name is None]
    figure = Figure(
        figsize=(10, 2.2 + 0.42 * max(len(top), 3) + 0.6 * len(others)),
        dpi=110,
        layout="constrained",
    )
    FigureCanvasAgg(figure)
    title = _("Tình trạng nhiệm vụ theo cơ quan, tuần {week}").format(week=_week_number(summary))
    figure.suptitle(title, fontsize=13, fontweight="bold")
    if others:
        main, rest = figure.subplots(2, 1, height_ratios=[max(len(top), 1), 1.3])
    else:
        main, rest = figure.subplots(), None
    main.set_title(
        _("Số liệu đến {date}").format(date=short_date(summary.local_date, locale=locale)),
        fontsize=10,
        color="#555555",
    )
    if not bars:
        main.text(
            0.5,
            0.5,
            _("Chưa có nhiệm vụ nào trong phạm vi này."),
            ha="center",
            va="center",
            transform=main.transAxes,
        )
        main.set_axis_off()
    else:
        _draw_bars(main, top, locale=locale, legend=True)
        if rest is not None:
            _draw_bars(rest, others, locale=locale, legend=False)
        (rest or main).set_xlabel(_("Số nhiệm vụ"))
        figure.legend(loc="outside lower center", ncols=len(Bucket), frameon=False, fontsize=9)
    figure.savefig(path, format="png")


def _draw_bars(axes: Any, bars: Sequence[AgencyBar], *, locale: str, legend: bool) -> None:
    from matplotlib.ticker import FuncFormatter

    _ = gettext_for(locale)
    positions = list(range(len(bars)))
    labels = [
        short_agency_name(bar.name, limit=38)
        if bar.name is not None
        else _("Khác ({count} cơ quan)").format(count=format_decimal(bar.others, locale=locale))
        for bar in bars
    ]
    lefts = [0] * len(bars)
    for kind in Bucket:
        widths = [bar.counts.get(kind, 0) for bar in bars]
        axes.barh(
            positions,
            widths,
            left=lefts,
            color=_BUCKET_COLOURS[kind],
            # Every bucket is in the legend once, whether or not it has bars.
            label=_(_BUCKET_LABELS[kind]) if legend else None,
            height=0.7,
        )
        lefts = [left + width for left, width in zip(lefts, widths, strict=True)]
    for position, total in zip(positions, lefts, strict=True):
        label = " " + format_decimal(total, locale=locale)
        axes.text(total, position, label, va="center", fontsize=9)
    axes.set_yticks(positions, labels, fontsize=9)
    axes.invert_yaxis()
    axes.set_xlim(0, max(max(lefts) * 1.15, 1))
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda value, _position: format_decimal(int(value), locale=locale))
    )
    axes.spines[["top", "right"]].set_visible(False)


def _week_number(summary: WeeklySummary) -> str:
    year, week, _ = summary.week_start.isocalendar()
    return f"{week}/{year}"


def write_spreadsheet(
    summary: WeeklySummary,
    *,
    path: Path,
    locale: str,
    extra: Callable[[Workbook], None] | None = None,
) -> None:
    """Every item in scope on the sheet "Tổng hợp", the per-agency figures on a second, and
    whatever sheets `extra` adds to the workbook (the indicators'), streamed to the file."""
    _ = gettext_for(locale)
    workbook = Workbook(path)
    items = workbook.sheet(_("Tổng hợp"), widths=[width for _h, width in _ITEM_COLUMNS])
    items.header([_(header) for header, _width in _ITEM_COLUMNS])
    styles = [
        PERCENT if column == PERCENT_COLUMN else PLAIN for column in range(len(_ITEM_COLUMNS))
    ]
    for values in item_rows(summary, locale=locale):
        items.append(values, styles)
    items.filter(len(_ITEM_COLUMNS))

    agencies = workbook.sheet(_("Theo cơ quan"), widths=[width for _h, width in _AGENCY_COLUMNS])
    agencies.header([_(header) for header, _width in _AGENCY_COLUMNS])
    for agency in summary.agencies:
        last = agency.last_activity
        agencies.append(
            [
                agency.name,
                agency.code,
                agency.active,
                agency.overdue,
                agency.overdue_days,
                agency.blocked,
                agency.completed_week,
                agency.done,
                short_date(last.astimezone(summary.tz).date(), locale=locale) if last else "",
            ]
        )
    agencies.filter(len(_AGENCY_COLUMNS))
    if extra is not None:
        extra(workbook)
    workbook.close()


def item_rows(summary: WeeklySummary, *, locale: str) -> Iterator[list[object]]:
    """The rows of the items sheet as plain values, numbered from 1 (the progress as a
    fraction, shown in %).

    The words are translated once for the sheet and each date written once, not once a row:
    the national summary has 137,500 rows and a few hundred dates.
    """
    _ = gettext_for(locale)
    period = _("Kỳ {period}")
    overdue = _("{status}, quá hạn {days} ngày làm việc")
    blocked = _("Vướng: {reason}")
    no_reason = _("chưa nêu lý do")
    updated = _("Cập nhật {date}")
    statuses = {status: status_label(status, _) for status in Status}
    dates: dict[date, str] = {}

    def written(day: date) -> str:
        found = dates.get(day)
        if found is None:
            found = dates[day] = short_date(day, locale=locale)
        return found

    tz = summary.tz
    for number, state in enumerate(summary.items, start=1):
        row = state.row
        deadline = [row.due_text] if row.due_text else []
        if row.period_label:
            deadline.append(period.format(period=row.period_label))
        if row.due_date:
            deadline.append(written(row.due_date))
        status = statuses[state.status]
        if state.is_overdue:
            status = overdue.format(status=status, days=state.overdue_days)
        notes = []
        if state.status is Status.BLOCKED:
            notes.append(blocked.format(reason=state.blocked_reason or no_reason))
        elif state.last_note:
            notes.append(state.last_note)
        if state.last_update_at:
            notes.append(updated.format(date=written(state.last_update_at.astimezone(tz).date())))
        yield [
            number,
            f"{row.task_code} – {row.task_title}",
            row.agency_name,
            "; ".join(row.cooperating),
            "\n".join(deadline),
            status,
            state.progress / 100,
            "\n".join(notes),
        ]


# The items sheet's column shown as a percentage.
PERCENT_COLUMN = 6
