"""Any list of the dashboard as the .xlsx officials use: the weekly summary's layout
(services.report_files), one row per item, or one per agency for the overview."""

import asyncio
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.access import Actor, require_dashboard
from domain.statistics import Period
from locales import gettext_for
from services.dashboard.items import ItemLine
from services.report_files import _ITEM_COLUMNS as ITEM_COLUMNS
from services.report_files import PERCENT_COLUMN
from services.sheets import PERCENT, PLAIN, Workbook
from services.statistics import period_report
from services.statistics_files import write_period_workbook
from services.unit_of_work import UnitOfWork
from views.rows import Scope
from views.text import short_date, status_label


def items_workbook(
    items: Sequence[ItemLine],
    *,
    title: str,
    cooperating: Mapping[int, Sequence[str]],
    locale: str,
    tz: tzinfo,
) -> bytes:
    """The items on one sheet in the officials' layout."""
    _ = gettext_for(locale)
    with tempfile.TemporaryDirectory(prefix="dondoc-export-") as folder:
        path = Path(folder) / "items.xlsx"
        workbook = Workbook(path)
        sheet = workbook.sheet(
            title[:31] or _("Tổng hợp"), widths=[width for _h, width in ITEM_COLUMNS]
        )
        sheet.header([_(header) for header, _width in ITEM_COLUMNS])
        styles = [
            PERCENT if column == PERCENT_COLUMN else PLAIN for column in range(len(ITEM_COLUMNS))
        ]
        for number, item in enumerate(items, start=1):
            sheet.append(_item_values(number, item, cooperating, locale=locale, tz=tz), styles)
        sheet.filter(len(ITEM_COLUMNS))
        workbook.close()
        return path.read_bytes()


def _item_values(
    number: int,
    item: ItemLine,
    cooperating: Mapping[int, Sequence[str]],
    *,
    locale: str,
    tz: tzinfo,
) -> list[object]:
    _ = gettext_for(locale)
    deadline = []
    if item.period_label:
        deadline.append(_("Kỳ {period}").format(period=item.period_label))
    if item.due_date:
        deadline.append(short_date(item.due_date, locale=locale))
    if item.extended_due:
        deadline.append(
            _("Gia hạn đến {date}").format(date=short_date(item.extended_due, locale=locale))
        )
    status = status_label(item.status, _)
    if item.overdue:
        status = _("{status}, quá hạn").format(status=status)
    notes = []
    if item.blocked_reason:
        notes.append(_("Vướng: {reason}").format(reason=item.blocked_reason))
    if item.last_update_at:
        day = item.last_update_at.astimezone(tz).date()
        notes.append(_("Cập nhật {date}").format(date=short_date(day, locale=locale)))
    return [
        number,
        f"{item.task_code} – {item.title}",
        item.agency_name,
        "; ".join(cooperating.get(item.task_id, ())),
        "\n".join(deadline),
        status,
        (100 if item.status.value == "done" else item.progress) / 100,
        "\n".join(notes),
    ]


async def period_workbook(
    session: UnitOfWork,
    *,
    actor: Actor,
    period: Period,
    plan_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    locale: str,
) -> bytes:
    """The office's period report (`dondoc report period`'s spreadsheet) for the overview."""
    require_dashboard(actor)
    report = await period_report(
        session,
        actor=actor,
        period=period,
        as_of=now.astimezone(tz).date(),
        tz=tz,
        scope=None if plan_id is None else Scope("plan", plan_id, ""),
    )
    with tempfile.TemporaryDirectory(prefix="dondoc-export-") as folder:
        path = Path(folder) / "report.xlsx"
        await asyncio.to_thread(write_period_workbook, report, path=path, locale=locale)
        return path.read_bytes()
