"""`dondoc schedule preview`: the reminders the current data would produce, and when;
`dondoc schedule rebuild`: plan every open assignment again at the next sweep."""

import json
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, friendly, run_async
from bot.cli.tables import render_table
from bot.settings import Settings
from locales import Translate
from views.text import moment, short_day

if TYPE_CHECKING:
    from services.reminders import preview as reminders

# A preview replays every sweep of the range; a year is plenty and stays quick.
MAX_PREVIEW_DAYS = 366
DEFAULT_PREVIEW_DAYS = 14


class Format(StrEnum):
    """How the preview is printed."""

    TABLE = "table"
    JSON = "json"


def _day(value: str | None, _: Translate) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(
            _("Ngày không hợp lệ: {value} (dạng YYYY-MM-DD).").format(value=value)
        ) from None


def _kind_label(kind: str, _: Translate) -> str:
    name, _sep, days = kind.partition(":")
    if name == "before":
        return _("trước hạn {days} ngày làm việc").format(days=days)
    if name == "overdue":
        return _("quá hạn {days} ngày làm việc").format(days=days)
    labels = {
        "due": _("đến hạn"),
        "check": _("hỏi đã xong chưa"),
        "snoozed": _("nhắc lại sau khi hoãn"),
    }
    return labels.get(kind, kind)


def _record(row: "reminders.PreviewRow", settings: Settings) -> dict[str, Any]:
    return {
        "at": row.at.astimezone(settings.tz).isoformat(),
        "person": row.person,
        "person_id": row.person_id,
        "agency": row.agency,
        "plan_ref": row.plan_ref,
        "task_code": row.task_code,
        "handle": row.handle,
        "period": row.period,
        "kind": row.kind,
    }


async def _fetch(
    settings: Settings, *, start: date | None, end: date | None
) -> "tuple[date, date, reminders.Preview]":
    from bot.bootstrap import reminder_settings, running_app
    from services.reminders import preview as reminders

    async with running_app(settings) as app, app.sessions() as session:
        now = app.clock()
        first = start or now.astimezone(settings.tz).date()
        last = end or first + timedelta(days=DEFAULT_PREVIEW_DAYS - 1)
        _ = cli_translator(settings)
        if last < first:
            raise UserError(_("Ngày kết thúc phải sau ngày bắt đầu."))
        if (last - first).days >= MAX_PREVIEW_DAYS:
            raise UserError(
                _("Khoảng xem trước tối đa {days} ngày.").format(days=MAX_PREVIEW_DAYS)
            )
        found = await reminders.preview(
            session, settings=reminder_settings(settings), start=first, end=last, now=now
        )
    return first, last, found


async def _rebuild(settings: Settings) -> int:
    from bot.bootstrap import running_app
    from services.overdue_counts import recount_overdue
    from services.reminders.steps import replan_all
    from services.unit_of_work import transaction

    async with running_app(settings) as app:
        # The overdue counts too: the triggers keep them, this repairs them if ever needed.
        async with transaction(app.sessions) as session:
            await recount_overdue(session)
        return await replan_all(app.sessions)


def register(app: typer.Typer) -> None:
    """Add `dondoc schedule preview` and `dondoc schedule rebuild`."""
    schedule_app = typer.Typer(help="The reminder schedule.", no_args_is_help=True)
    app.add_typer(schedule_app, name="schedule")

    @schedule_app.command("preview")
    @friendly
    def preview(
        start: Annotated[
            str | None, typer.Option("--from", help="First day, YYYY-MM-DD (today).")
        ] = None,
        end: Annotated[
            str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (13 days later).")
        ] = None,
        output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.TABLE,
    ) -> None:
        """List the reminders the current data would produce: when, to whom, for what."""
        settings = cli_settings()
        _ = cli_translator(settings)
        first, last, found = run_async(_fetch(settings, start=_day(start, _), end=_day(end, _)))
        if output is Format.JSON:
            typer.echo(
                json.dumps(
                    [_record(row, settings) for row in found.rows], ensure_ascii=False, indent=2
                )
            )
            return
        locale = settings.default_locale
        span = {"start": short_day(first, locale=locale), "end": short_day(last, locale=locale)}
        if found.rows:
            typer.echo(
                render_table(
                    [
                        _("Lúc"),
                        _("Người nhận"),
                        _("Cơ quan"),
                        _("Kế hoạch"),
                        _("Mã"),
                        "#",
                        _("Kỳ"),
                        _("Loại"),
                    ],
                    [
                        [
                            moment(row.at, locale=locale, tz=settings.tz),
                            row.person,
                            row.agency,
                            row.plan_ref,
                            row.task_code,
                            row.handle if row.handle is not None else "",
                            row.period,
                            _kind_label(row.kind, _),
                        ]
                        for row in found.rows
                    ],
                )
            )
            typer.echo(
                _("{count} nhắc việc từ {start} đến {end}.").format(count=len(found.rows), **span)
            )
        else:
            typer.echo(_("Không có nhắc việc nào từ {start} đến {end}.").format(**span))
        if found.unstaffed:
            typer.echo(
                _("Chưa có cán bộ nhận nhắc việc ở {count} cơ quan: {codes}").format(
                    count=len(found.unstaffed), codes=", ".join(found.unstaffed)
                )
            )

    @schedule_app.command("rebuild")
    @friendly
    def rebuild() -> None:
        """Plan every open task again at the next sweep (after changing the calendar), and
        count the overdue work again."""
        settings = cli_settings()
        _ = cli_translator(settings)
        count = run_async(_rebuild(settings))
        typer.echo(
            _("Lần quét tới sẽ lập lại lịch nhắc của {count} nhiệm vụ.").format(count=count)
        )
