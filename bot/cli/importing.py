"""`dondoc import FILE`: read a plan, show what was understood, and store it."""

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, friendly, run_async
from bot.cli.tables import render_table
from views.text import deadline_kind_label

if TYPE_CHECKING:
    from domain.indicators.model import IndicatorSet
    from domain.plans import PlanDraft
    from services.indicators.store import IndicatorSaveResult
    from services.plans import SaveResult

_TITLE_WIDTH = 60


class OutputFormat(StrEnum):
    """How the tasks are printed."""

    TABLE = "table"
    JSON = "json"


def _short(text: str, width: int = _TITLE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def import_plan(
    file: Annotated[Path, typer.Argument(help="Plan file: .txt/.md, .docx, .xlsx or .csv.")],
    plan_ref: Annotated[
        str | None, typer.Option(help="Document reference, e.g. 40/KH-UBND (overrides the file).")
    ] = None,
    plan_year: Annotated[
        int | None,
        typer.Option(min=2000, max=2100, help="Year for deadlines written without one."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be imported; store nothing.")
    ] = False,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table (default) or json.")
    ] = OutputFormat.TABLE,
    cadence: Annotated[
        str | None,
        typer.Option(
            "--indicator-cadence",
            help="How often the plan's indicator figures are collected: quarterly (default), "
            "monthly, six-monthly or yearly.",
        ),
    ] = None,
    report_day: Annotated[
        int | None,
        typer.Option(
            "--indicator-report-day",
            min=1,
            max=31,
            help="Day of a checkpoint's last month by which figures are due (default 20).",
        ),
    ] = None,
    margin: Annotated[
        str | None,
        typer.Option(
            "--indicator-margin",
            help="How far short of target still counts as 'gần đạt': 5% (default), 0.1…",
        ),
    ] = None,
) -> None:
    """Import a plan: every task with its agencies and deadline, and every indicator (chỉ
    tiêu) with its owners and target, then store them (or --dry-run)."""
    from bot.bootstrap import running_app
    from domain.importers import PlanImportError
    from domain.indicators.collection import parse_cadence, parse_margin
    from services.agencies import RegistryNotLoadedError, registry_from_store
    from services.indicators.importing import read_plan_file
    from services.indicators.store import CollectionSettings, save_indicators
    from services.plans import save_plan, task_report
    from services.unit_of_work import transaction

    settings = cli_settings()
    _ = cli_translator(settings)
    if not file.is_file():
        raise UserError(_("Không tìm thấy tệp {file}.").format(file=file))
    chosen = CollectionSettings(
        cadence=parse_cadence(cadence) if cadence else None,
        report_day=report_day,
        margin=parse_margin(margin) if margin else None,
    )
    if cadence and chosen.cadence is None:
        raise UserError(
            _(
                "Kỳ thu thập không hợp lệ: {value} (quarterly, monthly, six-monthly, yearly)."
            ).format(value=cadence)
        )
    if margin and chosen.margin is None:
        raise UserError(_("Ngưỡng gần đạt không hợp lệ: {value} (ví dụ 5%).").format(value=margin))

    Stored = tuple["PlanDraft", "IndicatorSet", "SaveResult | None", "IndicatorSaveResult | None"]

    async def run() -> Stored:
        async with running_app(settings) as app, transaction(app.sessions) as session:
            registry = await registry_from_store(session)
            draft, found = read_plan_file(
                file,
                registry=registry,
                plan_ref=plan_ref,
                plan_year=plan_year,
                today=app.clock().astimezone(settings.tz).date(),
            )
            if dry_run:
                return draft, found, None, None
            now = app.clock()
            saved = await save_plan(session, draft=draft, now=now, actor="cli")
            kept = await save_indicators(
                session, plan=saved.plan, found=found, now=now, actor="cli", settings=chosen
            )
            return draft, found, saved, kept

    try:
        draft, found, result, kept = run_async(run())
    except PlanImportError as exc:
        raise UserError(
            _("Tệp {file} không đọc được như một kế hoạch: {reason}").format(
                file=file, reason=exc.problem.render(_)
            )
        ) from None
    except RegistryNotLoadedError as exc:
        if not exc.missing:
            raise UserError(
                _("Chưa có cơ quan nào trong cơ sở dữ liệu. Hãy chạy: dondoc agencies load")
            ) from None
        raise UserError(
            _("Chưa nạp đủ danh mục cơ quan ({missing}). Hãy chạy: dondoc agencies load").format(
                missing=", ".join(exc.missing)
            )
        ) from None

    if output is OutputFormat.JSON:
        typer.echo(
            json.dumps(
                task_report(draft, plan_ref=draft.ref, translate=_),
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        if draft.tasks:
            _print_table(draft)
        if found.indicators:
            _print_indicators(found)
    _print_outcome(draft, result, to_stderr=output is OutputFormat.JSON)
    if found.indicators or found.problems:
        _print_indicator_outcome(found, kept, to_stderr=output is OutputFormat.JSON)


def _named(named: tuple[str, ...], expanded: tuple[str, ...], limit: int = 3) -> str:
    """Agencies as the document names them; a group shows how many agencies it stands for."""
    shown = ", ".join(named[:limit]) + ("…" if len(named) > limit else "")
    return f"{shown} ({len(expanded)})" if len(expanded) > len(named) else shown


def _print_table(draft: "PlanDraft") -> None:
    _ = cli_translator(cli_settings())
    rows = [
        [
            t.code,
            _short(t.title),
            _named(t.lead_named, t.lead_codes),
            _named(t.cooperating_named, t.cooperating_codes),
            _short(t.due.original, 30),
            (t.due.due_date.isoformat() if t.due.due_date else deadline_kind_label(t.due.kind, _)),
            len(t.problems) or "",
        ]
        for t in draft.tasks
    ]
    headers = [
        _("Mã"),
        _("Nhiệm vụ"),
        _("Chủ trì"),
        _("Phối hợp"),
        _("Thời hạn"),
        _("Hạn"),
        _("Vấn đề"),
    ]
    typer.echo(render_table(headers, rows))


def _print_indicators(found: "IndicatorSet") -> None:
    _ = cli_translator(cli_settings())
    rows = [
        [
            indicator.key,
            _short(indicator.name, 50),
            _short(indicator.unit.text, 14),
            _short(indicator.target.text, 16),
            _named(indicator.owner_named, indicator.owner_codes),
            len(indicator.problems) or "",
        ]
        for indicator in found.indicators
    ]
    headers = [_("Mã"), _("Chỉ tiêu"), _("Đơn vị"), _("Mục tiêu"), _("Theo dõi"), _("Vấn đề")]
    typer.echo(render_table(headers, rows))


def _print_indicator_outcome(
    found: "IndicatorSet", kept: "IndicatorSaveResult | None", *, to_stderr: bool
) -> None:
    from services.indicators.store import describe

    _ = cli_translator(cli_settings())
    checked = [i for i in found.indicators if i.problems]
    lines = [
        _("{count} chỉ tiêu; {problems} chỉ tiêu cần kiểm tra.").format(
            count=len(found.indicators), problems=len(checked)
        )
    ]
    lines += [f"  {problem.render(_)}" for problem in found.problems]
    for indicator in checked:
        lines += [f"  {indicator.key}: {problem.render(_)}" for problem in indicator.problems]
    if kept is not None:
        lines.append(describe(kept, _))
    typer.echo("\n".join(lines), err=to_stderr)


def _print_outcome(draft: "PlanDraft", result: "SaveResult | None", *, to_stderr: bool) -> None:
    _ = cli_translator(cli_settings())
    lines = [
        _("Kế hoạch: {title} ({ref})").format(
            title=_short(draft.title, 80), ref=draft.ref or draft.source_file
        ),
        _("{tasks} nhiệm vụ; {problems} nhiệm vụ cần kiểm tra.").format(
            tasks=len(draft.tasks), problems=sum(1 for t in draft.tasks if t.problems)
        ),
    ]
    lines += [f"  {problem.render(_)}" for problem in draft.problems]
    for task in draft.tasks:
        lines += [f"  {task.code}: {problem.render(_)}" for problem in task.problems]
    lines.append(draft.accounting().render(_))
    if draft.skipped:
        lines.append(
            _("Câu giao việc chưa thành nhiệm vụ ({count}):").format(count=len(draft.skipped))
        )
        lines += [f"  {sentence.problem().render(_)}" for sentence in draft.skipped]
    if result is None:
        lines.append(_("Chạy thử: chưa lưu gì."))
    else:
        lines.append(
            _(
                "Đã lưu: {added} nhiệm vụ mới, {updated} cập nhật, {removed} gỡ bỏ; "
                "{assigned} phân công mới."
            ).format(
                added=result.tasks_added,
                updated=result.tasks_updated,
                removed=result.tasks_removed,
                assigned=result.assignments_added,
            )
        )
        if result.due_changed:
            lines.append(
                _("Thời hạn thay đổi: {codes}").format(codes=", ".join(result.due_changed))
            )
        lines += [
            _("{duty} là nhiệm vụ {task} của {plan}: giao một lần, theo nhiệm vụ đó.").format(
                duty=restated.duty, task=restated.task, plan=restated.plan
            )
            for restated in result.restated
        ]
    typer.echo("\n".join(lines), err=to_stderr)


def register(app: typer.Typer) -> None:
    """Add `dondoc import`."""
    app.command("import")(friendly(import_plan))
