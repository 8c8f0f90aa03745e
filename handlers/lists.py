"""Queries people ask: /tasks, /task, /overdue, /upcoming."""

from domain.text import MAX_ID, read_int
from handlers.context import Context
from models.enums import AssignmentRole
from services import queries
from services.queries import UnknownAssignmentError
from services.summary import weekly_summary
from views import buttons as button_data
from views.messages import Button
from views.rows import AssignmentDetail, AssignmentView
from views.text import (
    day,
    event_label,
    extended_line,
    moment,
    number,
    short_day,
    status_label,
    status_phrase,
    view_line,
    waiting_on,
)

DEFAULT_UPCOMING_DAYS = 14
# Lines of /tasks a page: each is a title and a status, so a page stays well inside one message.
TASKS_PAGE_SIZE = 20
MAX_UPCOMING_DAYS = 366


def _status(ctx: Context, view: AssignmentView) -> str:
    said = status_phrase(
        view.status, view.progress, view.blocked_reason, _=ctx._, locale=ctx.locale
    )
    return said + waiting_on(view, ctx._)


def _more(ctx: Context, more: int) -> str:
    return ctx._("… và {count} việc khác.").format(count=number(more, locale=ctx.locale))


async def tasks(ctx: Context, args: str, *, page: int = 1) -> None:
    """/tasks [PAGE]: the open assignments of the sender's agency, nearest deadline first,
    a page at a time."""
    assert ctx.actor is not None
    _ = ctx._
    if ctx.actor.agency_id is None:
        ctx.reply(_("Bạn không thuộc cơ quan nào. Dùng /quahan hoặc /sapden để xem chung."))
        return
    wanted = args.strip()
    if wanted:
        if not wanted.isdigit() or len(wanted) > 4:
            ctx.reply(_("Cách dùng: /viec hoặc /viec 2 (trang thứ hai)."))
            return
        page = int(wanted)
    found = await queries.my_open_assignments(
        ctx.session, actor=ctx.actor, today=ctx.today, limit=TASKS_PAGE_SIZE, page=page
    )
    if not found.views:
        ctx.reply(_("🎉 Cơ quan của bạn không có việc nào đang mở."))
        return
    lines = [_("📋 Việc đang mở của cơ quan bạn (chủ trì trước, hạn gần nhất trước):")]
    for view in found.views:
        line = f"{view_line(view, locale=ctx.locale, _=_)} · {_status(ctx, view)}"
        if view.role == AssignmentRole.COOPERATING.value:
            line += " · " + _("🤝 phối hợp")
        lines.append(line)
    buttons: list[Button] = []
    if found.pages > 1:
        total = (found.page - 1) * TASKS_PAGE_SIZE + len(found.views) + found.more
        lines.append(
            _("Trang {page}/{pages} · {count} việc").format(
                page=found.page, pages=found.pages, count=number(total, locale=ctx.locale)
            )
        )
        if found.page > 1:
            buttons.append(Button(_("« Trước"), button_data.tasks_page(found.page - 1)))
        if found.page < found.pages:
            buttons.append(Button(_("Sau »"), button_data.tasks_page(found.page + 1)))
    lines.append(_("Trả lời: «#57 xong», «#57 60%»; chi tiết: /chitiet 57"))
    ctx.reply("\n".join(lines), tuple(buttons))


async def task(ctx: Context, args: str) -> None:
    """/task CODE: one assignment's detail and history (a handle, or a task code)."""
    assert ctx.actor is not None
    _ = ctx._
    wanted = args.strip().lstrip("#")
    if not wanted:
        ctx.reply(_("Cách dùng: /task 57 (số hiệu việc) hoặc /task III.12 (mã nhiệm vụ)."))
        return
    if wanted.isascii() and wanted.isdigit():
        handle = read_int(wanted, high=MAX_ID)
        if handle is None:
            ctx.reply(_("Không tìm thấy việc #{handle}.").format(handle=wanted[:12]))
            return
        try:
            detail = await queries.assignment_detail(
                ctx.session, actor=ctx.actor, assignment_id=handle
            )
        except UnknownAssignmentError:
            ctx.reply(_("Không tìm thấy việc #{handle}.").format(handle=wanted))
            return
        ctx.reply(_detail_text(ctx, detail))
        return
    found = await queries.find_by_code(ctx.session, actor=ctx.actor, code=wanted[:40])
    if not found:
        ctx.reply(_("Không tìm thấy nhiệm vụ mã {code}.").format(code=wanted[:40]))
    elif len(found) == 1:
        detail = await queries.assignment_detail(
            ctx.session, actor=ctx.actor, assignment_id=found[0].handle
        )
        ctx.reply(_detail_text(ctx, detail))
    else:
        lines = [_("Có {count} việc mang mã {code}:").format(count=len(found), code=wanted[:40])]
        lines.extend(
            f"{view_line(v, locale=ctx.locale, _=_)} · {v.plan_label} · {v.agency_code}"
            for v in found
        )
        lines.append(
            _("Xem một việc: /task SỐ_HIỆU, ví dụ /task {handle}").format(handle=found[0].handle)
        )
        ctx.reply("\n".join(lines))


def _detail_text(ctx: Context, detail: AssignmentDetail) -> str:
    _ = ctx._
    view = detail.view
    tz = ctx.config.tz
    lines = [
        f"#{view.handle} · {view.plan_label} · {view.task_code}",
        view.title,
        _("Chủ trì: {agency}").format(agency=view.agency_name)
        if view.role == "lead"
        else _("Phối hợp: {agency}").format(agency=view.agency_name),
    ]
    if detail.cooperating:
        lines.append(_("Phối hợp: {agencies}").format(agencies=", ".join(detail.cooperating)))
    if view.due_date is not None:
        lines.append(
            _("Hạn: {date}").format(date=day(view.due_date, locale=ctx.locale))
            + (f" ({view.due_text})" if view.due_text else "")
        )
        if view.extension_count and view.original_due is not None:
            lines.append(extended_line(view, locale=ctx.locale, _=_))
    elif view.due_text:
        lines.append(_("Hạn: {text}").format(text=view.due_text))
    lines.append(_("Trạng thái: {status}").format(status=_status(ctx, view)))
    if detail.history:
        lines.append(_("Lịch sử:"))
        for entry in detail.history:
            change = f"{status_label(entry.from_status, _)} → {status_label(entry.to_status, _)}"
            if entry.event is not None:
                change = event_label(entry.event, _)
            elif entry.to_progress and entry.to_progress < 100:
                change += f" {entry.to_progress}%"
            if entry.note:
                change += f": {entry.note}"
            period = f" [{entry.period_label}]" if entry.period_label else ""
            undone = " " + _("(đã hoàn tác)") if entry.undone else ""
            who = entry.person_name or "—"
            when = moment(entry.at, locale=ctx.locale, tz=tz)
            lines.append(f"• {when} {who} ({entry.channel}){period}: {change}{undone}")
    else:
        lines.append(_("Chưa có cập nhật nào."))
    return "\n".join(lines)


async def overdue(
    ctx: Context, args: str, *, page: int = 1, scope_token: str | None = None
) -> None:
    """/overdue [AGENCY|PLAN]: what is late, grouped by agency, one page at a time."""
    assert ctx.actor is not None
    _ = ctx._
    scope = None
    if scope_token:
        scope = await queries.scope_from_token(ctx.session, token=scope_token)
    elif args:
        scope = await queries.resolve_scope(ctx.session, text=args[:200])
        if scope is None:
            ctx.reply(
                _("Không tìm thấy cơ quan hay kế hoạch «{text}». Ví dụ: /quahan STTTT").format(
                    text=args[:60]
                )
            )
            return
    result = await queries.overdue_page(
        ctx.session,
        actor=ctx.actor,
        as_of=ctx.today,
        calendar=ctx.calendar,
        scope=scope,
        page=page,
    )
    when = day(result.as_of, locale=ctx.locale)
    where = f" · {scope.label}" if scope else ""
    if not result.total:
        ctx.reply(
            _("🎉 Không có việc quá hạn tính đến {date}{scope}.").format(date=when, scope=where)
        )
        return
    lines = [
        _("⏰ Việc quá hạn tính đến {date}{scope}: {count} việc ở {agencies} cơ quan.").format(
            date=when,
            scope=where,
            count=number(result.total, locale=ctx.locale),
            agencies=number(result.agencies, locale=ctx.locale),
        ),
        _("(số ngày quá hạn tính theo ngày làm việc)"),
    ]
    counts = {c.agency_id: c for c in result.groups}
    current = None
    for row in result.rows:
        view = row.view
        if view.agency_id != current:
            current = view.agency_id
            group = counts[view.agency_id]
            lines.append("")
            lines.append(
                f"▸ {group.code} — {group.name} ({number(group.count, locale=ctx.locale)})"
            )
        last = (
            _("cập nhật {date}").format(
                date=short_day(
                    view.last_update_at.astimezone(ctx.config.tz).date(), locale=ctx.locale
                )
            )
            if view.last_update_at
            else _("chưa cập nhật")
        )
        lines.append(
            "• "
            + view_line(view, locale=ctx.locale, _=_)
            + " · "
            + _("quá {days} ngày").format(days=number(row.days_overdue, locale=ctx.locale))
            + f" · {_status(ctx, view)} · {last}"
        )
    buttons: list[Button] = []
    if result.pages > 1:
        lines.append("")
        lines.append(_("Trang {page}/{pages}").format(page=result.page, pages=result.pages))
        token = scope.token if scope else None
        if result.page > 1:
            buttons.append(Button(_("« Trước"), button_data.overdue_page(result.page - 1, token)))
        if result.page < result.pages:
            buttons.append(Button(_("Sau »"), button_data.overdue_page(result.page + 1, token)))
    ctx.reply("\n".join(lines), tuple(buttons))


async def upcoming(ctx: Context, args: str) -> None:
    """/upcoming [DAYS]: open work due in the coming days (14 unless told)."""
    assert ctx.actor is not None
    _ = ctx._
    days = DEFAULT_UPCOMING_DAYS
    if args:
        asked = read_int(args, low=1, high=MAX_UPCOMING_DAYS)
        if asked is None:
            ctx.reply(_("Cách dùng: /upcoming 14 (số ngày, từ 1 đến 366)."))
            return
        days = asked
    found = await queries.upcoming(ctx.session, actor=ctx.actor, today=ctx.today, days=days)
    if not found.views:
        ctx.reply(_("Không có việc nào đến hạn trong {days} ngày tới.").format(days=days))
        return
    lines = [_("📅 Việc đến hạn trong {days} ngày tới:").format(days=days)]
    for view in found.views:
        owner = f" · {view.agency_code}" if ctx.actor.sees_everything else ""
        lines.append(f"• {view_line(view, locale=ctx.locale, _=_)}{owner} · {_status(ctx, view)}")
    if found.more:
        lines.append(_more(ctx, found.more))
    ctx.reply("\n".join(lines))


async def summary(ctx: Context, args: str) -> None:
    """/summary: the weekly summary now (leaders and coordinators)."""
    assert ctx.actor is not None
    ctx.replies.append(
        await weekly_summary(
            ctx.session,
            actor=ctx.actor,
            now=ctx.now,
            config=ctx.config.report,
            out_dir=ctx.config.data_dir,
        )
    )
