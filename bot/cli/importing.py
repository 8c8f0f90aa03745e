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
    from domain.plans import PlanDraft
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
) -> None:
    """Import a plan: every task with its agencies and deadline, then store it (or --dry-run)."""
    from bot.bootstrap import running_app
    from domain.importers import PlanImportError, import_file
    from services.agencies import RegistryNotLoadedError, registry_from_store
    from services.plans import save_plan, task_report
    from services.unit_of_work import transaction

    settings = cli_settings()
    _ = cli_translator(settings)
    if not file.is_file():
        raise UserError(_("Không tìm thấy tệp {file}.").format(file=file))

    async def run() -> "tuple[PlanDraft, SaveResult | None]":
        async with running_app(settings) as app, transaction(app.sessions) as session:
            registry = await registry_from_store(session)
            draft = import_file(
                file,
                registry=registry,
                plan_ref=plan_ref,
                plan_year=plan_year,
                today=app.clock().astimezone(settings.tz).date(),
            )
            if dry_run:
                return draft, None
            return draft, await save_plan(session, draft=draft, now=app.clock(), actor="cli")

    try:
        draft, result = run_async(run())
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
        _print_table(draft)
    _print_outcome(draft, result, to_stderr=output is OutputFormat.JSON)


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
