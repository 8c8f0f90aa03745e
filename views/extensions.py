"""What the bot says about requests for more time: to the officer, to the coordinator who
decides, and in /giahan."""

from collections.abc import Sequence
from datetime import date

from domain.extensions import EXTENSION_PROBLEMS, ResolvedExtension
from locales import Translate
from views.buttons import DecisionAction, decision_button
from views.messages import Button, Outgoing
from views.rows import AssignmentView
from views.text import short_day, view_line

_EXAMPLES = (
    "«gia hạn #57 đến 30/9: chờ phê duyệt dự toán», «gia hạn #57 thêm 10 ngày», "
    "«gia hạn #57 đến cuối quý»"
)


def _due(value: date | None, *, locale: str, _: Translate) -> str:
    return short_day(value, locale=locale) if value is not None else _("chưa có hạn")


def asked(
    view: AssignmentView,
    *,
    new_due: date,
    reason: str | None,
    told: int,
    locale: str,
    _: Translate,
) -> str:
    """The officer's confirmation that the request went to the office."""
    lines = [
        _("⏳ Đã gửi đề nghị gia hạn {task} đến {new} (hạn hiện tại {current}).").format(
            task=view_line(view, locale=locale, _=_),
            new=short_day(new_due, locale=locale),
            current=_due(view.due_date, locale=locale, _=_),
        )
    ]
    if reason:
        lines.append(_("Lý do: {reason}").format(reason=reason))
    if told:
        lines.append(_("Điều phối viên sẽ xem xét và báo lại cho anh/chị."))
    else:
        lines.append(
            _(
                "Chưa có điều phối viên nào đăng ký để nhận đề nghị; "
                "xin báo trực tiếp cơ quan chủ trì."
            )
        )
    return "\n".join(lines)


def unclear(
    view: AssignmentView, resolved: ResolvedExtension, *, locale: str, _: Translate
) -> str:
    """Why a request was not sent, and how to write one."""
    assert resolved.problem is not None
    why = _(EXTENSION_PROBLEMS[resolved.problem])
    if resolved.new_due is not None:
        why += " " + _("(đã hiểu là {day})").format(day=short_day(resolved.new_due, locale=locale))
    return _(
        "Chưa gửi đề nghị gia hạn việc #{handle} (hạn hiện tại {current}): {why}. "
        "Ví dụ: {examples}."
    ).format(
        handle=view.handle,
        current=_due(view.due_date, locale=locale, _=_),
        why=why,
        examples=_EXAMPLES,
    )


def already_pending(
    view: AssignmentView, requested_due: date, *, locale: str, _: Translate
) -> str:
    """A request for the same work is already waiting."""
    return _(
        "Việc #{handle} đã có đề nghị gia hạn đến {day} đang chờ điều phối viên xem xét."
    ).format(handle=view.handle, day=short_day(requested_due, locale=locale))


def no_target(_: Translate) -> str:
    """A request that names no task, where the bot cannot tell which."""
    return _("Xin gia hạn việc nào? Xin nêu số hiệu việc, ví dụ: {examples}.").format(
        examples=_EXAMPLES
    )


def closed(handle: int, _: Translate) -> str:
    """A request on finished or cancelled work."""
    return _("Việc #{handle} đã hoàn thành hoặc đã hủy nên không cần gia hạn.").format(
        handle=handle
    )


def ask_extension(handle: int, _: Translate) -> str:
    """After ⏳ Xin gia hạn: the date and the reason."""
    return _(
        "Xin gia hạn việc #{handle} đến ngày nào, vì sao? Ví dụ: «đến 30/9: chờ phê duyệt "
        "dự toán», «thêm 10 ngày», «đến cuối quý»."
    ).format(handle=handle)


def decision_buttons(request_id: int, _: Translate) -> tuple[Button, ...]:
    """✅ Duyệt · 📅 Duyệt đến ngày khác · ✖ Từ chối."""
    return (
        Button(_("✅ Duyệt"), decision_button(DecisionAction.APPROVE, request_id)),
        Button(
            _("📅 Duyệt đến ngày khác"), decision_button(DecisionAction.OTHER_DATE, request_id)
        ),
        Button(_("✖ Từ chối"), decision_button(DecisionAction.REFUSE, request_id)),
    )


def request_notice(
    view: AssignmentView,
    *,
    request_id: int,
    requested_due: date,
    reason: str | None,
    requester: str,
    locale: str,
    _: Translate,
) -> Outgoing:
    """The coordinator's copy of a request, with the buttons that decide it."""
    lines = [
        _("⏳ Đề nghị gia hạn từ {who} ({agency}):").format(
            who=requester, agency=view.agency_name
        ),
        view_line(view, locale=locale, _=_),
        _("Hạn hiện tại: {current} → đề nghị: {new}").format(
            current=_due(view.due_date, locale=locale, _=_),
            new=short_day(requested_due, locale=locale),
        ),
    ]
    if view.extension_count and view.original_due is not None:
        lines.append(
            _("Đã gia hạn {count} lần (hạn gốc {day}).").format(
                count=view.extension_count, day=short_day(view.original_due, locale=locale)
            )
        )
    lines.append(_("Lý do: {reason}").format(reason=reason or _("(không nêu)")))
    return Outgoing(text="\n".join(lines), buttons=(decision_buttons(request_id, _),))


def approved_notice(view: AssignmentView, *, new_due: date, locale: str, _: Translate) -> str:
    """The officer's news of an approval."""
    text = _("✅ Đề nghị gia hạn đã được duyệt: {task}, hạn mới {new}.").format(
        task=view_line(view, locale=locale, _=_), new=short_day(new_due, locale=locale)
    )
    if view.original_due is not None:
        text += " " + _("Hạn gốc: {day}.").format(day=short_day(view.original_due, locale=locale))
    return text + " " + _("Lời nhắc sẽ tính theo hạn mới.")


def refused_notice(view: AssignmentView, *, reason: str | None, locale: str, _: Translate) -> str:
    """The officer's news of a refusal."""
    text = _("✖ Đề nghị gia hạn việc {task} không được duyệt; hạn vẫn là {due}.").format(
        task=view_line(view, locale=locale, _=_), due=_due(view.due_date, locale=locale, _=_)
    )
    if reason:
        text += " " + _("Lý do: {reason}").format(reason=reason)
    return text


def decided(
    view: AssignmentView,
    *,
    approved: bool,
    new_due: date | None,
    told: bool,
    locale: str,
    _: Translate,
) -> str:
    """The coordinator's confirmation of a decision."""
    if approved:
        assert new_due is not None
        text = _("✅ Đã duyệt gia hạn việc #{handle} đến {day}.").format(
            handle=view.handle, day=short_day(new_due, locale=locale)
        )
    else:
        text = _("✖ Đã từ chối đề nghị gia hạn việc #{handle}.").format(handle=view.handle)
    if told:
        text += " " + _("Đã báo cán bộ đề nghị.")
    return text


def decided_before(handle: int, state: str, _: Translate) -> str:
    """A request decided before: a second decision changes nothing."""
    if state == "approved":
        return _("Đề nghị gia hạn việc #{handle} đã được duyệt trước đó.").format(handle=handle)
    return _("Đề nghị gia hạn việc #{handle} đã bị từ chối trước đó.").format(handle=handle)


def not_after(view: AssignmentView, day: date, *, locale: str, _: Translate) -> str:
    """An approval to a day not after the deadline in force."""
    return _(
        "Ngày {day} không sau hạn hiện tại ({current}) của việc #{handle}. Xin nêu ngày khác."
    ).format(
        day=short_day(day, locale=locale),
        current=_due(view.due_date, locale=locale, _=_),
        handle=view.handle,
    )


def ask_date(handle: int, requested_due: date, *, locale: str, _: Translate) -> str:
    """After 📅 Duyệt đến ngày khác."""
    return _(
        "Duyệt gia hạn việc #{handle} đến ngày nào? (cán bộ đề nghị {day}). Ví dụ: «15/9», "
        "«thêm 5 ngày», «cuối quý»."
    ).format(handle=handle, day=short_day(requested_due, locale=locale))


def ask_refusal(handle: int, _: Translate) -> str:
    """After ✖ Từ chối."""
    return _("Vì sao từ chối đề nghị gia hạn việc #{handle}? Xin nêu ngắn gọn lý do.").format(
        handle=handle
    )


def unknown_request(_: Translate) -> str:
    """A decision button whose request no longer exists."""
    return _("Không tìm thấy đề nghị gia hạn này.")


def bad_date(_: Translate) -> str:
    """A date that could not be read."""
    return _("Chưa đọc được ngày. Xin nêu một ngày, ví dụ «30/9», «thêm 10 ngày», «cuối quý».")


def pending_list(
    rows: Sequence[tuple[AssignmentView, date, str | None, str | None, int]],
    *,
    deciding: bool,
    locale: str,
    _: Translate,
) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """/giahan: the requests waiting, oldest first, with their buttons for who decides."""
    if not rows:
        return _("Không có đề nghị gia hạn nào đang chờ."), ()
    lines = [_("⏳ Đề nghị gia hạn đang chờ ({count}):").format(count=len(rows))]
    buttons: list[tuple[Button, ...]] = []
    for number, (view, requested_due, reason, requester, request_id) in enumerate(rows, 1):
        lines.append(
            _("{number}. {task} — {agency}: {current} → {new}").format(
                number=number,
                task=view_line(view, locale=locale, _=_),
                agency=view.agency_code,
                current=_due(view.due_date, locale=locale, _=_),
                new=short_day(requested_due, locale=locale),
            )
        )
        details = [d for d in (requester, reason) if d]
        if details:
            lines.append("   " + " · ".join(details))
        if deciding:
            buttons.append(
                tuple(
                    Button(f"{number}. {button.label}", button.data)
                    for button in decision_buttons(request_id, _)
                )
            )
    if not deciding:
        lines.append(_("Lãnh đạo xem để biết; điều phối viên là người duyệt."))
    return "\n".join(lines), tuple(buttons)
