"""What the bot says about plan files sent in chat: the dry run, the import, the invites and
every way a file can be turned down."""

from collections.abc import Sequence
from dataclasses import dataclass

from domain.deadlines import DeadlineKind
from domain.plans import PlanDraft, TaskDraft
from locales import Translate
from views.buttons import UploadAction, upload_button
from views.messages import Button, Outgoing
from views.text import short_day, shorten

# How many tasks, and how many problems, a preview shows before "… and N more".
SHOWN_TASKS = 5
SHOWN_PROBLEMS = 5
# How many agencies with nobody registered the import's answer names.
SHOWN_AGENCIES = 10
_SHOWN_AGENCIES = 3
_TITLE = 70
_MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class ImportFigures:
    """What storing a plan changed (services.plans.SaveResult, as the wording needs it)."""

    added: int
    updated: int
    removed: int
    assigned: int
    restated: tuple[str, ...] = ()


def preview_message(
    draft: PlanDraft, *, token: str, updates: bool, locale: str, _: Translate
) -> Outgoing:
    """The dry run of a file, with buttons to import it or not."""
    lines = [
        _("📄 Xem trước «{title}» ({ref})").format(
            title=shorten(draft.title, _TITLE), ref=draft.ref or draft.source_file
        ),
        draft.accounting().render(_),
    ]
    checking = [task for task in draft.tasks if task.problems]
    if checking:
        lines.append(_("{count} nhiệm vụ cần kiểm tra, ví dụ:").format(count=len(checking)))
        problems = [
            f"• {task.code}: {problem.render(_)}" for task in checking for problem in task.problems
        ]
        lines += [shorten(line, 160) for line in problems[:SHOWN_PROBLEMS]]
    lines += [f"⚠️ {shorten(problem.render(_), 200)}" for problem in draft.problems[:3]]
    if draft.tasks:
        lines.append(_("Các nhiệm vụ đầu tiên:"))
        lines += [_task_line(task, locale=locale, _=_) for task in draft.tasks[:SHOWN_TASKS]]
        if len(draft.tasks) > SHOWN_TASKS:
            lines.append(
                _("… và {count} nhiệm vụ khác.").format(count=len(draft.tasks) - SHOWN_TASKS)
            )
    lines.append(
        _("Kế hoạch này đã có: nhập lại sẽ cập nhật theo tệp mới. Nhập không?")
        if updates
        else _("Nhập kế hoạch này?")
    )
    buttons = (
        Button(_("✅ Nhập"), upload_button(UploadAction.IMPORT, token)),
        Button(_("✖️ Không nhập"), upload_button(UploadAction.CANCEL, token)),
    )
    return Outgoing(text="\n".join(lines), buttons=(buttons,))


def _task_line(task: TaskDraft, *, locale: str, _: Translate) -> str:
    leads = ", ".join(task.lead_named[:_SHOWN_AGENCIES]) or _("chưa rõ chủ trì")
    if len(task.lead_named) > _SHOWN_AGENCIES:
        leads += "…"
    if task.due.due_date is not None:
        due = _("hạn {day}").format(day=short_day(task.due.due_date, locale=locale))
    elif task.due.kind == DeadlineKind.RECURRING:
        due = _("định kỳ")
    else:
        due = _("chưa có hạn")
    return f"• {task.code} {shorten(task.title, 60)} — {leads} · {due}"


def imported_message(
    draft: PlanDraft,
    figures: ImportFigures,
    *,
    unstaffed: Sequence[tuple[str, str]],
    token: str,
    _: Translate,
) -> Outgoing:
    """The import done: what changed, and which lead agencies have nobody to remind."""
    lines = [
        _(
            "✅ Đã nhập «{title}» ({ref}): {added} nhiệm vụ mới, {updated} cập nhật, "
            "{removed} gỡ bỏ; {assigned} phân công mới."
        ).format(
            title=shorten(draft.title, _TITLE),
            ref=draft.ref or draft.source_file,
            added=figures.added,
            updated=figures.updated,
            removed=figures.removed,
            assigned=figures.assigned,
        )
    ]
    if figures.restated:
        lines.append(
            _("Giao một lần (trùng với chế độ báo cáo): {codes}").format(
                codes=", ".join(figures.restated)
            )
        )
    if not unstaffed:
        lines.append(_("Mọi cơ quan chủ trì đã có cán bộ nhận nhắc việc."))
        return Outgoing(text="\n".join(lines))
    shown = ", ".join(f"{name} ({code})" for code, name in unstaffed[:SHOWN_AGENCIES])
    if len(unstaffed) > SHOWN_AGENCIES:
        shown += " " + _("và {count} cơ quan khác").format(count=len(unstaffed) - SHOWN_AGENCIES)
    lines.append(
        _("Cơ quan chủ trì chưa có cán bộ nhận nhắc việc ({count}): {agencies}").format(
            count=len(unstaffed), agencies=shown
        )
    )
    button = Button(
        _("📨 Tạo mã mời cho {count} cơ quan").format(count=len(unstaffed)),
        upload_button(UploadAction.INVITE, token),
    )
    return Outgoing(text="\n".join(lines), buttons=((button,),))


def invites_message(
    invites: Sequence[tuple[str, str, str, str | None]], *, days: int, _: Translate
) -> str:
    """The invites made: (agency code, agency name, invite code, Telegram link or None)."""
    if not invites:
        return _("Mọi cơ quan chủ trì đã có cán bộ nhận nhắc việc: không cần mã mời.")
    lines = [
        _(
            "📨 Mã mời cán bộ đầu mối ({count}, mỗi mã dùng một lần, hết hạn sau {days} ngày). "
            "Gửi mỗi cơ quan mã của mình:"
        ).format(count=len(invites), days=days)
    ]
    for code, name, invite, link in invites:
        lines.append(f"• {name} ({code}): /start {invite}" + (f" · {link}" if link else ""))
    return "\n".join(lines)


def cancelled(_: Translate) -> str:
    """The sender chose not to import the file."""
    return _("Đã bỏ qua tệp này, không nhập gì.")


def not_allowed(_: Translate) -> str:
    """Someone who may not import sent a plan file."""
    return _(
        "Chỉ điều phối viên mới nhập được kế hoạch. Nếu đây là kế hoạch cần theo dõi, xin "
        "gửi tệp cho điều phối viên."
    )


def too_large(limit: int, _: Translate) -> str:
    """The file is over what the bot may download."""
    return _("Tệp quá lớn: bot chỉ nhận tệp đến {size} MB. Xin gửi bản nhỏ hơn.").format(
        size=limit // _MEGABYTE
    )


def not_a_plan_file(name: str, _: Translate) -> str:
    """A file whose kind no reader takes (a .pdf, a picture)."""
    return _(
        "«{name}» không phải tệp kế hoạch đọc được. Xin gửi tệp .docx, .xlsx, .csv hoặc .txt."
    ).format(name=shorten(name, 60))


def a_photo(_: Translate) -> str:
    """A photo sent instead of a plan file."""
    return _(
        "Ảnh không nhập được thành kế hoạch. Xin gửi tệp .docx, .xlsx, .csv hoặc .txt "
        "(dạng tệp, không phải ảnh)."
    )


def unreadable(name: str, reason: str, _: Translate) -> str:
    """A file that was read but holds no plan; `reason` says what was looked for."""
    return _("Không nhập được «{name}»: {reason}").format(name=shorten(name, 60), reason=reason)


def unavailable(_: Translate) -> str:
    """The file could not be fetched from the chat's platform."""
    return _("Chưa tải được tệp từ máy chủ chat. Xin gửi lại tệp sau ít phút.")


def no_files_here(_: Translate) -> str:
    """On a channel that carries no files (Zalo, the console)."""
    return _(
        "Kênh này không gửi được tệp. Để nhập kế hoạch, hãy gửi tệp cho bot trên Telegram, "
        "hoặc nhờ quản trị viên chạy lệnh: dondoc import TỆP"
    )


def how_to_import(_: Translate) -> str:
    """/import on a channel that carries files."""
    return _(
        "Gửi tệp kế hoạch (.docx, .xlsx, .csv hoặc .txt) vào đây: tôi đọc thử và cho xem "
        "trước, chỉ nhập khi bạn bấm «Nhập»."
    )


def stale(reason: str, _: Translate) -> str:
    """Why an upload button no longer acts (services.uploads.Stale's value)."""
    texts = {
        "imported": _("Tệp này đã được nhập rồi."),
        "invited": _("Mã mời cho kế hoạch này đã được tạo rồi."),
        "cancelled": _("Bạn đã chọn không nhập tệp này. Muốn nhập, xin gửi lại tệp."),
        "superseded": _("Đã có tệp mới hơn trong cuộc trò chuyện này; nút này không còn dùng."),
        "expired": _("Bản xem trước này đã quá một ngày. Xin gửi lại tệp."),
        "not-imported": _("Kế hoạch này chưa được nhập nên chưa tạo mã mời."),
    }
    return texts.get(reason, _("Nút này không còn dùng được. Xin gửi lại tệp."))
