"""`dondoc report weekly`: the weekly summary on demand, as a spreadsheet, a chart and text;
`dondoc report indicators`: the indicators at a checkpoint, in the layout of PHỤ LỤC 1/3.

An on-demand report stores no snapshot: only the scheduled weekly job does, so running this
for any date never changes the "since last week" figures leadership is sent.
"""

import json
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, friendly, run_async
from bot.cli.tables import render_table
from locales import Translate
from views.summary import render_summary_text

if TYPE_CHECKING:
    from domain.statistics import Tally
    from services.report_files import ReportFiles
    from services.statistics import PeriodReport


def register(app: typer.Typer) -> None:
    """Add `dondoc report ...` to the command line."""
    report_app = typer.Typer(help="Reports for leadership.", no_args_is_help=True)
    report_app.command("weekly")(weekly)
    report_app.command("indicators")(indicators)
    report_app.command("period")(period)
    app.add_typer(report_app, name="report")


@friendly
def weekly(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="The .xlsx file to write; the chart is written next to it as .png."
        ),
    ],
    on: Annotated[
        str | None,
        typer.Option(
            "--date", help="Report as of the end of this day, YYYY-MM-DD (default: now)."
        ),
    ] = None,
    plans: Annotated[
        list[str] | None,
        typer.Option("--plan", help="Only this plan (id, number or key); repeatable."),
    ] = None,
    agencies: Annotated[
        list[str] | None,
        typer.Option("--agency", help="Only this agency or group code; repeatable."),
    ] = None,
) -> None:
    """Write the weekly summary (spreadsheet and chart) and print its text."""
    from bot.bootstrap import running_app
    from services.people import UnknownAgencyError
    from services.queries.scope import UnknownPlanError, summary_scope
    from services.report_config import ReportConfig
    from services.report_files import write_report_files
    from services.summary_items import build_weekly_summary

    settings = cli_settings()
    _ = cli_translator(settings)
    if out.suffix.lower() != ".xlsx":
        raise UserError(_("Tệp kết quả phải có đuôi .xlsx, ví dụ: bao-cao.xlsx"))
    day: date | None = None
    if on is not None:
        try:
            day = date.fromisoformat(on.strip())
        except ValueError:
            raise UserError(
                _("Ngày không hợp lệ: {value}. Hãy viết theo dạng 2023-06-30.").format(value=on)
            ) from None
    config = ReportConfig.from_settings(settings)

    async def build() -> "tuple[str, ReportFiles]":
        async with running_app(settings) as app, app.sessions() as session:
            if day is None:
                as_of = app.clock()
            else:
                # The end of the day, so everything recorded that day counts.
                midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.tz)
                as_of = midnight - timedelta(microseconds=1)
            scope = await summary_scope(session, plans=plans or (), agencies=agencies or ())
            summary = await build_weekly_summary(session, as_of=as_of, scope=scope, config=config)
        files = await write_report_files(
            summary, out_dir=out.parent, stem=out.stem, locale=settings.default_locale
        )
        return render_summary_text(summary, locale=settings.default_locale), files

    try:
        text, files = run_async(build())
    except UnknownPlanError as exc:
        raise UserError(_("Không có kế hoạch {plan}.").format(plan=exc.args[0])) from None
    except UnknownAgencyError as exc:
        raise UserError(
            _("Không có cơ quan mã {code}. Xem danh sách: dondoc agencies list").format(
                code=exc.args[0]
            )
        ) from None
    except OSError as exc:
        raise UserError(_("Không ghi được tệp: {error}").format(error=exc)) from exc
    typer.echo(text)
    typer.echo("")
    typer.echo(_("Đã ghi bảng tính: {path}").format(path=files.spreadsheet))
    typer.echo(_("Đã ghi biểu đồ: {path}").format(path=files.chart))


@friendly
def indicators(
    checkpoint: Annotated[
        str,
        typer.Option(
            "--checkpoint", help="The checkpoint: 2023-Q1..Q4, 2023-H1, 2023-06M or 2023."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    plans: Annotated[
        list[str] | None,
        typer.Option("--plan", help="Only this plan (id, number or key); repeatable."),
    ] = None,
) -> None:
    """Write the indicators at a checkpoint: target, each checkpoint's figure, the
    judgement and the explanation, table by table as the plans lay them out."""
    from bot.bootstrap import running_app
    from domain.indicators.checkpoints import Verdict
    from domain.indicators.collection import parse_checkpoint_name
    from services.indicators.files import write_indicator_workbook
    from services.indicators.report import IndicatorReport, indicator_report
    from services.queries.scope import UnknownPlanError, summary_scope

    settings = cli_settings()
    _ = cli_translator(settings)
    if out.suffix.lower() != ".xlsx":
        raise UserError(_("Tệp kết quả phải có đuôi .xlsx, ví dụ: bao-cao.xlsx"))
    wanted = parse_checkpoint_name(checkpoint)
    if wanted is None:
        raise UserError(
            _(
                "Kỳ không hợp lệ: {value}. Ví dụ: 2023-Q2 (6 tháng), 2023-Q1, 2023-06M, 2023."
            ).format(value=checkpoint)
        )
    year, months = wanted

    async def build() -> IndicatorReport:
        async with running_app(settings) as app, app.sessions() as session:
            scope = await summary_scope(session, plans=plans or ())
            today = app.clock().astimezone(settings.tz).date()
            report = await indicator_report(
                session,
                year=year,
                months=months,
                plan_ids=scope.plan_ids,
                today=today,
                calendar=settings.work_calendar(),
            )
        write_indicator_workbook(report, path=out, locale=settings.default_locale)
        return report

    try:
        report = run_async(build())
    except UnknownPlanError as exc:
        raise UserError(_("Không có kế hoạch {plan}.").format(plan=exc.args[0])) from None
    except OSError as exc:
        raise UserError(_("Không ghi được tệp: {error}").format(error=exc)) from exc
    judged = [row.standing.verdict for row in report.rows if row.standing is not None]
    typer.echo(
        _(
            "{count} chỉ tiêu: {met} đạt, {near} gần đạt, {missed} chưa đạt, "
            "{missing} chưa báo cáo."
        ).format(
            count=len(judged),
            met=judged.count(Verdict.MET),
            near=judged.count(Verdict.NEAR),
            missed=judged.count(Verdict.MISSED),
            missing=judged.count(Verdict.NOT_REPORTED) + judged.count(Verdict.UNJUDGED),
        )
    )
    typer.echo(_("Đã ghi bảng tính: {path}").format(path=out))


class Format(StrEnum):
    """How the period's figures are printed."""

    TABLE = "table"
    JSON = "json"


def _day(value: str, option: str, _: Translate) -> date:
    from domain.statistics import parse_period

    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    # 30/09/2026 as well, the way officials write it.
    found = parse_period(f"{text}-{text}", today=date.today())
    if found is None:
        raise UserError(
            _("Ngày không hợp lệ ({option}): {value}. Ví dụ: 2026-07-01 hoặc 01/07/2026.").format(
                option=option, value=value
            )
        )
    return found.start


def _tally_record(tally: "Tally") -> dict[str, Any]:
    rate = tally.on_time_rate
    return {
        "done_on_time": tally.done_on_time,
        "done_late": tally.done_late,
        "open_in_time": tally.open_in_time,
        "open_overdue": tally.open_overdue,
        "total": tally.total,
        "on_time_rate": round(float(rate), 4) if rate is not None else None,
    }


def _period_record(report: "PeriodReport") -> dict[str, Any]:
    from domain.statistics import Basis

    stats = report.figures.statistics
    return {
        "period": {"from": stats.period.start.isoformat(), "to": stats.period.end.isoformat()},
        "as_of": stats.cutoff.isoformat(),
        "overall": {
            "extended": _tally_record(stats.overall.extended),
            "original": _tally_record(stats.overall.original),
        },
        "agencies": [
            {
                "rank": entry.rank,
                "code": entry.agency_code,
                "name": report.figures.agency_names.get(entry.agency_code),
                "extended": _tally_record(entry.tally),
                "original": _tally_record(stats.by_agency[entry.agency_code].original),
            }
            for entry in stats.ranking(Basis.EXTENDED)
        ],
        "plans": {
            label: {
                "extended": _tally_record(figures.extended),
                "original": _tally_record(figures.original),
            }
            for label, figures in stats.by_plan.items()
        },
    }


def _period_table(report: "PeriodReport", *, locale: str, _: Translate) -> str:
    from domain.statistics import BUCKET_NAMES, Basis, Bucket
    from views.statistics import rate_text

    stats = report.figures.statistics
    lines = [
        _("{period}, tính đến {date}").format(
            period=stats.period.render(_), date=stats.cutoff.strftime("%d/%m/%Y")
        )
    ]
    overall = stats.overall
    for bucket in Bucket:
        lines.append(
            f"{_(BUCKET_NAMES[bucket])}: {overall.extended.count(bucket)}"
            + _(" (theo hạn ban đầu: {count})").format(count=overall.original.count(bucket))
        )
    lines.append("")
    rows = [
        [
            entry.rank or "",
            entry.agency_code,
            entry.tally.done_on_time,
            entry.tally.done_late,
            entry.tally.open_in_time,
            entry.tally.open_overdue,
            rate_text(entry.tally.on_time_rate, locale=locale),
        ]
        for entry in stats.ranking(Basis.EXTENDED)
    ]
    lines.append(
        render_table(
            [
                _("Hạng"),
                _("Cơ quan"),
                _("Đúng hạn"),
                _("HT quá hạn"),
                _("Trong hạn"),
                _("Chưa HT quá hạn"),
                _("Tỷ lệ đúng hạn"),
            ],
            rows,
        )
    )
    return "\n".join(lines)


@friendly
def period(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD or DD/MM/YYYY.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD or DD/MM/YYYY.")],
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.TABLE,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the report as this .xlsx file.")
    ] = None,
    scope_text: Annotated[
        str | None, typer.Option("--scope", help="Only this agency (or group) or plan.")
    ] = None,
) -> None:
    """The four buckets of a period (done on time, done late, open in time, open overdue) by
    agency and plan, the agencies ranked by on-time rate, and the tasks behind each bucket."""
    from bot.bootstrap import running_app
    from domain.access import Actor
    from domain.statistics import Period
    from services import queries
    from services.statistics import period_report
    from services.statistics_files import write_period_workbook

    settings = cli_settings()
    _ = cli_translator(settings)
    if out is not None and out.suffix.lower() != ".xlsx":
        raise UserError(_("Tệp kết quả phải có đuôi .xlsx, ví dụ: bao-cao.xlsx"))
    first, last = _day(start, "--from", _), _day(end, "--to", _)
    if last < first:
        raise UserError(_("Ngày --to phải sau ngày --from."))

    async def build() -> "PeriodReport":
        async with running_app(settings) as app, app.sessions() as session:
            scope = None
            if scope_text:
                scope = await queries.resolve_scope(session, text=scope_text)
                if scope is None:
                    raise UserError(
                        _("Không tìm thấy cơ quan hay kế hoạch «{text}».").format(text=scope_text)
                    )
            return await period_report(
                session,
                actor=Actor.desk(),
                period=Period(first, last),
                as_of=app.clock().astimezone(settings.tz).date(),
                tz=settings.tz,
                scope=scope,
            )

    report = run_async(build())
    if out is not None:
        try:
            write_period_workbook(report, path=out, locale=settings.default_locale)
        except OSError as exc:
            raise UserError(_("Không ghi được tệp: {error}").format(error=exc)) from exc
    if output is Format.JSON:
        typer.echo(json.dumps(_period_record(report), ensure_ascii=False, indent=2))
    else:
        typer.echo(_period_table(report, locale=settings.default_locale, _=_))
    if out is not None and output is Format.TABLE:
        typer.echo(_("Đã ghi bảng tính: {path}").format(path=out))
