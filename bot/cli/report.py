"""`dondoc report weekly`: the weekly summary on demand, as a spreadsheet, a chart and text;
`dondoc report indicators`: the indicators at a checkpoint, in the layout of PHỤ LỤC 1/3.

An on-demand report stores no snapshot: only the scheduled weekly job does, so running this
for any date never changes the "since last week" figures leadership is sent.
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, friendly, run_async
from views.summary import render_summary_text

if TYPE_CHECKING:
    from services.report_files import ReportFiles


def register(app: typer.Typer) -> None:
    """Add `dondoc report ...` to the command line."""
    report_app = typer.Typer(help="Reports for leadership.", no_args_is_help=True)
    report_app.command("weekly")(weekly)
    report_app.command("indicators")(indicators)
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
    from services.report_files import write_report_files
    from services.summary import ReportConfig, build_weekly_summary

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
