"""What the bot answers to status replies: the confirmation, the questions it asks back,
and the short refusals."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.binding import Expect, Question
from domain.replies import ReplyAction
from domain.targets import Target
from locales import Translate
from views.buttons import which_option
from views.keyboards import progress_buttons, snooze_buttons
from views.messages import Button
from views.rows import AssignmentView
from views.text import status_phrase, view_line


@dataclass
class Outcome:
    """What one message did, to be confirmed in one answer."""

    changed: list[tuple[AssignmentView, str]] = field(default_factory=list)
    unchanged: list[AssignmentView] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unclear: tuple[str, ...] = ()
    question: str | None = None
    question_buttons: tuple[Button, ...] = ()
    pending: Question | None = None
    applied: int = 0


def render_outcome(outcome: Outcome, *, locale: str, _: Translate) -> str:
    """The confirmation: what changed, what did not, what was unclear, and the question."""
    lines: list[str] = []
    if len(outcome.changed) == 1 and not outcome.unchanged:
        view, phrase = outcome.changed[0]
        lines.append(
            _("✅ Đã ghi nhận {task} → {status}").format(
                task=view_line(view, locale=locale, _=_), status=phrase
            )
        )
    elif outcome.changed:
        lines.append(_("✅ Đã ghi nhận:"))
        lines.extend(f"• {view_line(v, locale=locale, _=_)} → {p}" for v, p in outcome.changed)
    for view in outcome.unchanged:
        lines.append(
            _("{task}: không đổi ({status}).").format(
                task=view_line(view, locale=locale, _=_),
                status=status_phrase(
                    view.status, view.progress, view.blocked_reason, _=_, locale=locale
                ),
            )
        )
    lines.extend(outcome.problems)
    if outcome.unclear:
        quoted = ", ".join(f"«{u}»" for u in outcome.unclear)
        lines.append(
            _(
                "❓ Chưa rõ: {parts}. Phần này không thay đổi gì; xin viết lại, ví dụ "
                "«2 xong» hoặc «#57 60%»."
            ).format(parts=quoted)
        )
    if outcome.changed:
        lines.append(_("Gõ /undo trong 10 phút nếu nhầm."))
    if outcome.question:
        lines.append(outcome.question)
    if not lines:
        lines.append(_("Không có gì thay đổi."))
    return "\n".join(lines)


def phrase(view: AssignmentView, *, locale: str, _: Translate) -> str:
    """A view's status as the confirmation says it."""
    return status_phrase(view.status, view.progress, view.blocked_reason, _=_, locale=locale)


def not_understood(_: Translate) -> str:
    """Text with no update in it."""
    return _(
        "Xin lỗi, tôi chưa hiểu. Bạn có thể trả lời: «xong», «50%», «vướng: lý do», "
        "«nhắc lại sau 3 ngày», hoặc nêu số hiệu: «#57 xong». Gõ /help để xem thêm."
    )


def follow_up(expect: Expect, target: Target, _: Translate) -> tuple[str, tuple[Button, ...]]:
    """The question asking for the figure or the reason a short answer left out."""
    handle = target.assignment_id
    if expect is Expect.REASON:
        text = _("Vướng mắc gì ở việc #{handle}? Xin nêu ngắn gọn lý do.")
        return text.format(handle=handle), ()
    if expect is Expect.PERCENT:
        text = _("Việc #{handle} đã được bao nhiêu phần trăm?")
        buttons = progress_buttons(assignment_id=handle, occurrence_id=target.occurrence_id, _=_)
        return text.format(handle=handle), buttons
    text = _("Nhắc lại việc #{handle} sau bao nhiêu ngày?")
    buttons = snooze_buttons(assignment_id=handle, occurrence_id=target.occurrence_id, _=_)
    return text.format(handle=handle), buttons


def which_question(
    views: Sequence[AssignmentView | None], *, locale: str, _: Translate
) -> tuple[str, tuple[Button, ...]]:
    """ "Which task?", with the candidates numbered from 1 (a view not found is skipped)."""
    lines = [_("Bạn muốn cập nhật việc nào? Trả lời bằng số thứ tự:")]
    buttons = []
    for number, view in enumerate(views, 1):
        if view is not None:
            lines.append(view_line(view, locale=locale, _=_, number=number))
            buttons.append(Button(f"{number}. #{view.handle}", which_option(number)))
    return "\n".join(lines), tuple(buttons)


def nothing_open(_: Translate) -> str:
    """Nothing to bind a reply to."""
    return _("Bạn không có việc nào đang mở để cập nhật. Nêu số hiệu nếu cần, ví dụ «#57 xong».")


def not_found(handle: int, _: Translate) -> str:
    """No task has this handle."""
    return _("Không tìm thấy việc #{handle}.").format(handle=handle)


def denied(handle: int, _: Translate) -> str:
    """The sender may not update this task."""
    return _("Bạn không có quyền cập nhật việc #{handle}.").format(handle=handle)


def cancelled(handle: int, _: Translate) -> str:
    """The task was cancelled."""
    return _("Việc #{handle} đã bị hủy, không nhận cập nhật.").format(handle=handle)


def usage(action: ReplyAction, _: Translate) -> str:
    """How to write a status command."""
    return {
        ReplyAction.DONE: _("Cách dùng: /xong 57 (số hiệu việc)."),
        ReplyAction.PROGRESS: _("Cách dùng: /tiendo 57 60 (số hiệu việc, phần trăm 0-100)."),
        ReplyAction.BLOCKED: _("Cách dùng: /vuong 57 chưa có kinh phí (số hiệu việc, lý do)."),
        ReplyAction.SNOOZE: _("Cách dùng: /nhaclai 57 3 (số hiệu việc, số ngày)."),
    }[action]


def undone(views: Sequence[AssignmentView], *, locale: str, _: Translate) -> str:
    """/undo took the last reply back: the tasks' status now."""
    lines = [_("↩️ Đã hoàn tác. Trạng thái hiện tại:")]
    lines.extend(
        f"• {view_line(v, locale=locale, _=_)} → {phrase(v, locale=locale, _=_)}" for v in views
    )
    return "\n".join(lines)


def blocker_told(code: str, officers: bool, _: Translate) -> str:
    """Added to a blocked reply's confirmation: whom the bot told."""
    if officers:
        return _("(đã báo {agency} và điều phối viên)").format(agency=code)
    return _("(chờ {agency}; cơ quan này chưa có cán bộ đăng ký, đã báo điều phối viên)").format(
        agency=code
    )


def unknown_blocker(name: str | None, _: Translate) -> str:
    """Added to a blocked reply's confirmation when it names an agency nobody knows."""
    return _("(chưa nhận ra cơ quan «{name}»)").format(name=name or "")


def waits_on_you(view: AssignmentView, *, reporter: str, locale: str, _: Translate) -> str:
    """To the focal officers of the agency blocked work waits on."""
    return _(
        "⚠️ Việc {task} của {agency} đang chờ cơ quan anh/chị: «{reason}» (báo bởi {who})."
    ).format(
        task=view_line(view, locale=locale, _=_),
        agency=view.agency_name,
        reason=view.blocked_reason or "",
        who=reporter,
    )


def blocked_for_coordinator(
    view: AssignmentView, *, reporter: str, locale: str, _: Translate
) -> str:
    """To the plan's hub coordinators: whose work waits on whom."""
    return _("⚠️ {agency} báo vướng ở {task}, chờ {blocker}: «{reason}» ({who}).").format(
        agency=view.agency_code,
        task=view_line(view, locale=locale, _=_),
        blocker=view.blocked_by or "",
        reason=view.blocked_reason or "",
        who=reporter,
    )
