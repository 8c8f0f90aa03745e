"""`dondoc overdue`: the overdue list at a desk, as a table or as JSON."""

import json
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, friendly, run_async
from bot.cli.tables import render_table
from bot.settings import Settings
from domain.access import Actor
from domain.status import Status
from locales import Translate
from views.rows import OverdueRow
from views.text import short_day, status_label


class Format(StrEnum):
    """How the list is printed."""

    TABLE = "table"
    JSON = "json"


async def _fetch(
    settings: Settings, *, as_of: date | None, scope_text: str | None
) -> tuple[date, tuple[OverdueRow, ...]]:
    from bot.bootstrap import running_app
    from services import queries

    _ = cli_translator(settings)
    calendar = settings.work_calendar()
    async with running_app(settings) as app, app.sessions() as session:
        day = as_of or app.clock().astimezone(settings.tz).date()
        scope = None
        if scope_text:
            scope = await queries.resolve_scope(session, text=scope_text)
            if scope is None:
                raise UserError(
                    _("Không tìm thấy cơ quan hay kế hoạch «{text}».").format(text=scope_text)
                )
        rows = await queries.overdue_all(
            session, actor=Actor.desk(), as_of=day, calendar=calendar, scope=scope
        )
    return day, rows


def _record(row: OverdueRow) -> dict[str, Any]:
    view = row.view
    return {
        "handle": view.handle,
        "plan_ref": view.plan_label,
        "task_code": view.task_code,
        "agency": view.agency_code,
        "due_date": view.due_date.isoformat() if view.due_date else None,
        "days_overdue": row.days_overdue,
        "status": view.status.value,
        "last_update": view.last_update_at.isoformat() if view.last_update_at else None,
        "period": view.period_label,
        "original_due_date": view.original_due.isoformat() if view.original_due else None,
        "extensions": view.extension_count,
        "waiting_on": view.blocked_by if view.status is Status.BLOCKED else None,
    }


def _row(row: OverdueRow, *, settings: Settings, _: Translate) -> list[object]:
    view, locale = row.view, settings.default_locale
    updated = view.last_update_at.astimezone(settings.tz).date() if view.last_update_at else None
    return [
        view.handle,
        view.plan_label,
        view.task_code + (f" [{view.period_label}]" if view.period_label else ""),
        view.agency_code,
        short_day(view.due_date, locale=locale) if view.due_date else "",
        row.days_overdue,
        status_label(view.status, _),
        short_day(updated, locale=locale) if updated else "",
    ]


def register(app: typer.Typer) -> None:
    """Add `dondoc overdue`."""

    @app.command("overdue")
    @friendly
    def overdue(
        scope: Annotated[
            str | None, typer.Argument(help="An agency code or a plan number (default: all).")
        ] = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Date to count from, YYYY-MM-DD (today).")
        ] = None,
        output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.TABLE,
    ) -> None:
        """List overdue lead assignments and report periods, by agency; days are working days."""
        settings = cli_settings()
        _ = cli_translator(settings)
        day = None
        if as_of is not None:
            try:
                day = date.fromisoformat(as_of)
            except ValueError:
                raise UserError(
                    _("Ngày không hợp lệ: {value} (dạng YYYY-MM-DD).").format(value=as_of)
                ) from None
        day_used, rows = run_async(_fetch(settings, as_of=day, scope_text=scope))
        if output is Format.JSON:
            typer.echo(json.dumps([_record(r) for r in rows], ensure_ascii=False, indent=2))
            return
        if not rows:
            typer.echo(
                _("Không có việc quá hạn tính đến {date}.").format(
                    date=short_day(day_used, locale=settings.default_locale)
                )
            )
            return
        typer.echo(
            render_table(
                [
                    "#",
                    _("Kế hoạch"),
                    _("Mã"),
                    _("Cơ quan"),
                    _("Hạn"),
                    _("Quá (ngày làm việc)"),
                    _("Trạng thái"),
                    _("Cập nhật"),
                ],
                [_row(r, settings=settings, _=_) for r in rows],
            )
        )
        typer.echo(
            _("{count} việc quá hạn tính đến {date}.").format(
                count=len(rows), date=short_day(day_used, locale=settings.default_locale)
            )
        )
