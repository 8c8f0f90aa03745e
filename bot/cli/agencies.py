"""`dondoc agencies load|list`: the agency registry."""

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, friendly, run_async
from bot.cli.tables import render_table

if TYPE_CHECKING:
    from locales import Translate
    from models.tables import Agency
    from services.succession import SuccessionApplied, SuccessionOverview


def register(app: typer.Typer) -> None:
    """Add `dondoc agencies ...`."""
    agencies_app = typer.Typer(help="The agency registry.", no_args_is_help=True)
    agencies_app.command("load")(agencies_load)
    agencies_app.command("list")(agencies_list)
    agencies_app.command("succession")(agencies_succession)
    app.add_typer(agencies_app, name="agencies")


@friendly
def agencies_load(
    file: Annotated[
        Path | None,
        typer.Argument(help="Registry CSV (default: the shipped Hai Phong registry)."),
    ] = None,
) -> None:
    """Load or update the agency registry from a CSV file (columns: docs/agency-registry.md)."""
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
                [a.code, a.name, a.kind, ", ".join(a.member_of), _history(a, _)]
                for a in await agency_service.list_agencies(session)
            ]

    rows = run_async(fetch())
    if not rows:
        raise UserError(_("Chưa có cơ quan nào. Hãy chạy: dondoc agencies load"))
    typer.echo(
        render_table(
            [_("Mã"), _("Tên cơ quan"), _("Loại"), _("Thuộc nhóm"), _("Thời gian tồn tại")], rows
        )
    )


def _history(agency: "Agency", _: "Translate") -> str:
    """When a body existed and who took its work over ("" for one that always has)."""
    parts = []
    if agency.valid_from is not None:
        parts.append(_("từ {day}").format(day=agency.valid_from.strftime("%d/%m/%Y")))
    if agency.valid_to is not None:
        parts.append(_("đến {day}").format(day=agency.valid_to.strftime("%d/%m/%Y")))
    if agency.successors:
        parts.append("→ " + ", ".join(agency.successors))
    return " ".join(parts)


@friendly
def agencies_succession(
    on: Annotated[
        str | None,
        typer.Option(help="The day to hand over on, YYYY-MM-DD (default: today)."),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Hand the work over (without it: only show what would)."),
    ] = False,
    choose: Annotated[
        list[str] | None,
        typer.Option(
            help="For a body split among several: the successor chosen, as OLD=NEW "
            "(e.g. SLDTBXH=SNV); repeat for each.",
        ),
    ] = None,
) -> None:
    """Hand the open work of dissolved bodies to their successors (a dry run unless --apply)."""
    from bot.bootstrap import running_app
    from services import succession as succession_service
    from services.unit_of_work import transaction

    settings = cli_settings()
    _ = cli_translator(settings)
    day: date | None = None
    if on is not None:
        try:
            day = date.fromisoformat(on.strip())
        except ValueError:
            raise UserError(
                _("Ngày không hợp lệ: {value} (dạng YYYY-MM-DD).").format(value=on)
            ) from None
    choices: dict[str, str] = {}
    for item in choose or []:
        old, sign, new = item.partition("=")
        if not sign or not old.strip() or not new.strip():
            raise UserError(_("--choose cần dạng MÃ_CŨ=MÃ_MỚI, ví dụ SLDTBXH=SNV."))
        choices[old.strip()] = new.strip()

    async def run() -> "tuple[date, SuccessionOverview, SuccessionApplied | None]":
        async with running_app(settings) as app, transaction(app.sessions) as session:
            when = day or app.clock().astimezone(settings.tz).date()
            if not apply:
                return when, await succession_service.overview(session, on=when), None
            seen, applied = await succession_service.apply(
                session, on=when, now=app.clock(), actor="cli", choices=choices
            )
            return when, seen, applied

    try:
        when, seen, applied = run_async(run())
    except succession_service.ChoiceError as exc:
        raise UserError(
            _(
                "Không chọn được {choice}: cơ quan cũ phải là một cơ quan bị chia tách và cơ "
                "quan mới là một trong các cơ quan kế thừa của nó."
            ).format(choice=exc)
        ) from None
    typer.echo("\n".join(_succession_lines(when, seen, applied, choices, _)))


def _succession_lines(
    when: date,
    seen: "SuccessionOverview",
    applied: "SuccessionApplied | None",
    choices: dict[str, str],
    _: "Translate",
) -> list[str]:
    """The dry run's (or the run's) account, group by group."""
    plan, work, names = seen.plan, seen.open_work, seen.names

    def named(code: str) -> str:
        return f"{code} {names.get(code, '')}".strip()

    lines = [
        _("Bàn giao việc đang mở theo danh mục cơ quan, ngày {day}:").format(
            day=when.strftime("%d/%m/%Y")
        )
    ]
    if plan.moves:
        lines.append(_("Chuyển cho cơ quan kế thừa:"))
        lines += [
            _("  {old} → {new}: {count} việc").format(
                old=named(m.code), new=named(m.successors[0]), count=work.get(m.code, 0)
            )
            for m in plan.moves
        ]
    if plan.decisions:
        lines.append(_("Bị chia tách, cần chọn cơ quan tiếp nhận (--choose MÃ_CŨ=MÃ_MỚI):"))
        for decision in plan.decisions:
            scopes = dict(decision.scopes)
            options = "; ".join(
                f"{code} ({scopes[code]})" if code in scopes else code
                for code in decision.successors
            )
            chosen = choices.get(decision.code)
            mark = _(" → đã chọn {code}").format(code=chosen) if chosen else ""
            lines.append(
                _("  {old}: {count} việc; {options}{chosen}").format(
                    old=named(decision.code),
                    count=work.get(decision.code, 0),
                    options=options,
                    chosen=mark,
                )
            )
    if plan.dissolved:
        lines.append(_("Giải thể, không có cơ quan kế thừa (cần giao lại bằng tay):"))
        lines += [
            _("  {old}: {count} việc").format(old=named(d.code), count=work.get(d.code, 0))
            for d in plan.dissolved
        ]
    lines.append(
        _("Còn hoạt động: {count} cơ quan có việc đang mở.").format(count=len(plan.current))
    )
    if plan.unknown:
        lines.append(_("Không có trong danh mục: {codes}").format(codes=", ".join(plan.unknown)))
    if applied is None:
        lines.append(_("Chạy thử: chưa thay đổi gì. Thêm --apply để bàn giao."))
    else:
        lines.append(
            _(
                "Đã bàn giao {total} việc ({merged} gộp vào phần việc sẵn có của cơ quan mới); "
                "đã báo {notified} điều phối viên."
            ).format(
                total=applied.total,
                merged=sum(applied.merged.values()),
                notified=applied.notified,
            )
        )
    return lines
