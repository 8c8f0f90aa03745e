"""`dondoc agencies load|list`: the agency registry."""

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, friendly, run_async
from bot.cli.tables import render_table
from views.text import agency_kind_label


def register(app: typer.Typer) -> None:
    """Add `dondoc agencies ...`."""
    agencies_app = typer.Typer(help="The agency registry.", no_args_is_help=True)
    agencies_app.command("load")(agencies_load)
    agencies_app.command("list")(agencies_list)
    app.add_typer(agencies_app, name="agencies")


@friendly
def agencies_load(
    file: Annotated[
        Path | None,
        typer.Argument(help="Registry CSV (default: the shipped Hai Phong registry)."),
    ] = None,
) -> None:
    """Load or update the agency registry from a CSV file."""
    from bot.bootstrap import running_app
    from services import agencies as agency_service
    from services.unit_of_work import transaction

    settings = cli_settings()
    _ = cli_translator(settings)
    try:
        text = (
            file.read_text(encoding="utf-8-sig")
            if file
            else agency_service.SHIPPED_REGISTRY.read_text(encoding="utf-8")
        )
        registry = agency_service.read_registry(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(_("Không đọc được tệp: {error}").format(error=exc)) from exc
    except agency_service.RegistryError as exc:
        raise UserError(_("Tệp danh mục cơ quan không hợp lệ: {error}").format(error=exc)) from exc

    async def load() -> agency_service.LoadResult:
        async with running_app(settings) as app, transaction(app.sessions) as session:
            return await agency_service.load_registry(
                session, registry=registry, now=app.clock(), actor="cli"
            )

    result = run_async(load())
    typer.echo(
        _("Đã nạp {total} cơ quan ({added} mới, {updated} cập nhật, {groups} nhóm).").format(
            total=len(registry), added=result.added, updated=result.updated, groups=result.groups
        )
    )


@friendly
def agencies_list() -> None:
    """List every agency with its code, kind and groups."""
    from bot.bootstrap import running_app
    from services import agencies as agency_service

    settings = cli_settings()
    _ = cli_translator(settings)

    async def fetch() -> list[list[object]]:
        async with running_app(settings) as app, app.sessions() as session:
            return [
                [a.code, a.name, agency_kind_label(a.kind, _), ", ".join(a.member_of)]
                for a in await agency_service.list_agencies(session)
            ]

    rows = run_async(fetch())
    if not rows:
        raise UserError(_("Chưa có cơ quan nào. Hãy chạy: dondoc agencies load"))
    typer.echo(render_table([_("Mã"), _("Tên cơ quan"), _("Loại"), _("Thuộc nhóm")], rows))
