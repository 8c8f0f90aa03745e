"""`dondoc calendar [YEAR]`: the days off and make-up working days the bot believes, and why."""

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from babel.dates import format_date

from bot.cli.support import cli_settings, cli_translator, friendly
from bot.cli.tables import render_table
from bot.settings import Settings
from locales import Translate

if TYPE_CHECKING:
    from domain.calendar import ScheduledDay


class Format(StrEnum):
    """How the year is printed."""

    TABLE = "table"
    JSON = "json"


def source_text(entry: "ScheduledDay", _: Translate) -> str:
    """Where a day comes from, in words: the official document, the package or the settings."""
    from domain.calendar import DayOrigin

    if entry.official is not None:
        return _("{document} ngày {issued} ({issuer})").format(
            document=entry.official.document,
            issued=f"{entry.official.issued:%d/%m/%Y}",
            issuer=entry.official.issuer,
        )
    if entry.origin is DayOrigin.PACKAGE:
        return _("gói holidays (chưa có văn bản trong bảng)")
    return _("cấu hình DONDOC_EXTRA_DAYS_OFF / DONDOC_EXTRA_WORKING_DAYS")


def _record(entry: "ScheduledDay") -> dict[str, Any]:
    record: dict[str, Any] = {
        "date": entry.day.isoformat(),
        "weekday": entry.day.isoweekday(),
        "works": entry.works,
        "name": entry.name,
        "origin": entry.origin.value,
    }
    if entry.official is not None:
        source = entry.official
        record["official"] = {
            "document": source.document,
            "issued": source.issued.isoformat(),
            "issuer": source.issuer,
            "url": source.url,
        }
    return record


def missing_schedule_note(year: int, _: Translate) -> str:
    """What to do while the government's schedule for `year` is not in the shipped table."""
    return _(
        "Bảng lịch chính thức của Đôn Đốc chưa có năm {year}: các ngày trên lấy theo gói "
        "holidays. Khi Chính phủ công bố lịch nghỉ, hãy đặt DONDOC_EXTRA_DAYS_OFF và "
        "DONDOC_EXTRA_WORKING_DAYS, hoặc cập nhật Đôn Đốc."
    ).format(year=year)


def show_calendar(settings: Settings, year: int, output: Format) -> None:
    """Print the year's days off and make-up days with their sources."""
    from domain.official_calendar import has_official_schedule

    _ = cli_translator(settings)
    schedule = settings.work_calendar().year_schedule(year)
    official = has_official_schedule(year)
    if output is Format.JSON:
        typer.echo(
            json.dumps(
                {
                    "year": year,
                    "official_schedule": official,
                    "days": [_record(entry) for entry in schedule],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    locale = settings.default_locale
    rows = [
        [
            f"{entry.day:%d/%m/%Y}",
            format_date(entry.day, "EEEE", locale=locale),
            _("làm việc") if entry.works else _("nghỉ"),
            entry.name,
            source_text(entry, _),
        ]
        for entry in schedule
    ]
    typer.echo(render_table([_("Ngày"), _("Thứ"), _("Làm hay nghỉ"), _("Tên"), _("Nguồn")], rows))
    if not official:
        typer.echo(missing_schedule_note(year, _))


def register(app: typer.Typer) -> None:
    """Add `dondoc calendar`."""

    @app.command("calendar")
    @friendly
    def calendar(
        year: Annotated[
            int | None,
            typer.Argument(help="The year (default: this year).", min=1900, max=2200),
        ] = None,
        output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.TABLE,
    ) -> None:
        """The year's days off and make-up working days, each with where it comes from."""
        from datetime import datetime

        settings = cli_settings()
        show_calendar(settings, year or datetime.now(settings.tz).year, output)
