"""Any list of the dashboard as the .xlsx officials use: the weekly summary's layout
(services.report_files), one row per item, or one per agency for the overview."""

from collections.abc import Iterable, Sequence
from datetime import tzinfo
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from locales import N_, gettext_for
from models.enums import AssignmentRole
from models.tables import Agency, Assignment
from services.dashboard.items import ItemLine
from services.dashboard.overview import AgencyCounts
from services.report_files import _ITEM_COLUMNS as ITEM_COLUMNS
from services.report_files import _Cells, _finish_sheet, _start_sheet
from services.unit_of_work import UnitOfWork
from views.text import short_date, status_label

AGENCY_COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("Cơ quan"), 45),
    (N_("Mã"), 16),
    (N_("Chưa hoàn thành"), 14),
    (N_("Quá hạn"), 12),
    (N_("Vướng mắc"), 12),
)


async def cooperating_names(
    session: UnitOfWork, *, task_ids: Iterable[int]
) -> dict[int, list[str]]:
    """The cooperating agencies' names of each task."""
    wanted = sorted(set(task_ids))
    found: dict[int, list[str]] = {}
    if not wanted:
        return found
    statement: Any = (
        sa.select(col(Assignment.task_id), col(Agency.name))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(
            col(Assignment.role) == AssignmentRole.COOPERATING.value,
            col(Assignment.task_id).in_(wanted),
        )
        .order_by(col(Assignment.task_id), col(Agency.code))
    )
    for task_id, name in await session.exec(statement):
        found.setdefault(task_id, []).append(name)
    return found


def items_workbook(
    items: Sequence[ItemLine],
    *,
    title: str,
    cooperating: dict[int, list[str]],
    locale: str,
    tz: tzinfo,
) -> bytes:
    """The items on one sheet in the officials' layout."""
    from openpyxl import Workbook

    _ = gettext_for(locale)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or _("Tổng hợp"))
    _start_sheet(sheet, [(_(header), width) for header, width in ITEM_COLUMNS])
    cell = _Cells(sheet)
    for number, item in enumerate(items, start=1):
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
        sheet.append(
            [
                cell(number),
                cell(f"{item.task_code} – {item.title}"),
                cell(item.agency_name),
                cell("; ".join(cooperating.get(item.task_id, ()))),
                cell("\n".join(deadline)),
                cell(status),
                cell((100 if item.status.value == "done" else item.progress) / 100, percent=True),
                cell("\n".join(notes)),
            ]
        )
    _finish_sheet(sheet, columns=len(ITEM_COLUMNS), rows=len(items))
    return _saved(workbook)


def agencies_workbook(agencies: Sequence[AgencyCounts], *, title: str, locale: str) -> bytes:
    """The agencies' open, overdue and blocked work on one sheet."""
    from openpyxl import Workbook

    _ = gettext_for(locale)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or _("Theo cơ quan"))
    _start_sheet(sheet, [(_(header), width) for header, width in AGENCY_COLUMNS])
    cell = _Cells(sheet)
    for agency in agencies:
        sheet.append(
            [cell(agency.name), cell(agency.code), agency.open, agency.overdue, agency.blocked]
        )
    _finish_sheet(sheet, columns=len(AGENCY_COLUMNS), rows=len(agencies))
    return _saved(workbook)


def _saved(workbook: Any) -> bytes:
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
