"""What the bot says about confirmed completion: the result asked of the officer, the
office's copy with ✅ / ↩, and the news of the decision."""

from datetime import date
from typing import Any

from domain.references import DocumentKind, DocumentReference
from locales import Translate
from views.buttons import DecisionAction, decision_button
from views.messages import Button, Outgoing
from views.rows import AssignmentView
from views.text import short_day, view_line


def ask_evidence(handle: int, *, files: bool, _: Translate) -> str:
    """After "xong" on a plan whose office confirms: the result, in one reply."""
    text = _(
        "📝 Việc #{handle} chuyển sang «chờ xác nhận». Xin gửi kết quả trong một tin: số "
        "văn bản (ví dụ «theo KH 123/KH-STTTT ngày 05/6/2023») hoặc một ghi chú ngắn"
    ).format(handle=handle)
    if files:
        text += _(", hoặc gửi tệp/ảnh kết quả")
    return text + "."


def ask_cause(handle: int, due: date | None, *, locale: str, _: Translate) -> str:
    """Late work: why, and whether it was outside the agency's control."""
    return _(
        "Việc #{handle} hoàn thành sau hạn {due}. Nguyên nhân là gì? Xin mở đầu bằng «khách "
        "quan:» nếu do yếu tố ngoài cơ quan, hoặc «chủ quan:» nếu không."
    ).format(handle=handle, due=short_day(due, locale=locale) if due else "—")


def cause_unclear(_: Translate) -> str:
    """A cause that says neither khách quan nor chủ quan."""
    return _(
        "Xin ghi rõ nguyên nhân là «khách quan» hay «chủ quan», ví dụ «khách quan: chờ Bộ "
        "hướng dẫn»."
    )


def reference_from(stored: dict[str, Any]) -> DocumentReference:
    """A document reference back from the form a report keeps it in."""
    issued = stored.get("issued_on")
    return DocumentReference(
        kind=DocumentKind(stored["kind"]),
        number=stored["number"],
        symbol=stored["symbol"],
        issuer=stored.get("issuer"),
        issued_on=date.fromisoformat(issued) if issued else None,
        year=stored.get("year"),
        text=stored.get("text") or "",
    )


def result_line(
    *,
    reference: dict[str, Any] | None,
    note: str | None,
    file_name: str | None,
    link: str | None,
    _: Translate,
) -> str:
    """The result as read: "📄 Kế hoạch số 123/KH-STTTT ngày 05/06/2023", a note, a file."""
    parts = []
    if reference is not None:
        parts.append("📄 " + reference_from(reference).render(_))
    if note:
        parts.append(_("Ghi chú: {note}").format(note=note))
    if file_name:
        parts.append(_("📎 Tệp: {name}").format(name=file_name) + (f" {link}" if link else ""))
    return "\n".join(parts) or _("(không có kết quả kèm theo)")


def sent_to_office(told: int, _: Translate) -> str:
    """The officer's confirmation that the report went to the office."""
    if told:
        return _("Đã gửi kết quả; điều phối viên sẽ xác nhận.")
    return _("Đã ghi kết quả; chưa có điều phối viên nào đăng ký để xác nhận.")


def for_office(
    view: AssignmentView,
    *,
    report_id: int,
    reporter: str,
    result: str,
    late: bool,
    cause: str | None,
    objective: bool | None,
    locale: str,
    _: Translate,
) -> Outgoing:
    """The coordinator's copy: the work, the result, the cause if late; ✅ Xác nhận · ↩ Trả
    lại."""
    lines = [
        _("📝 {agency} báo hoàn thành ({who}):").format(agency=view.agency_name, who=reporter),
        view_line(view, locale=locale, _=_),
        result,
    ]
    if late:
        kind = _("khách quan") if objective else _("chủ quan")
        lines.append(
            _("Hoàn thành sau hạn; nguyên nhân ({kind}): {cause}").format(
                kind=kind, cause=cause or ""
            )
        )
    buttons = (
        Button(_("✅ Xác nhận"), decision_button(DecisionAction.CONFIRM, report_id)),
        Button(_("↩ Trả lại"), decision_button(DecisionAction.RETURN, report_id)),
    )
    return Outgoing(text="\n".join(lines), buttons=(buttons,))


def ask_return_reason(handle: int, _: Translate) -> str:
    """After ↩ Trả lại."""
    return _("Vì sao trả lại kết quả việc #{handle}? Xin nêu ngắn gọn.").format(handle=handle)


def confirmed_notice(view: AssignmentView, *, locale: str, _: Translate) -> str:
    """The officer's news of a confirmation."""
    return _("✅ Kết quả {task} đã được xác nhận: việc hoàn thành.").format(
        task=view_line(view, locale=locale, _=_)
    )


def returned_notice(view: AssignmentView, *, reason: str | None, locale: str, _: Translate) -> str:
    """The officer's news of a return."""
    return _("↩ Kết quả {task} bị trả lại: {reason}. Việc trở lại trạng thái trước.").format(
        task=view_line(view, locale=locale, _=_), reason=reason or _("(không nêu lý do)")
    )


def decided(handle: int, *, confirmed: bool, told: bool, _: Translate) -> str:
    """The coordinator's confirmation of a decision."""
    text = (
        _("✅ Đã xác nhận hoàn thành việc #{handle}.")
        if confirmed
        else _("↩ Đã trả lại kết quả việc #{handle}.")
    ).format(handle=handle)
    return text + (" " + _("Đã báo cán bộ.") if told else "")


def decided_before(handle: int, _: Translate) -> str:
    """A report decided before (or withdrawn): nothing changes."""
    return _("Kết quả việc #{handle} đã được xử lý trước đó.").format(handle=handle)


def unknown_report(_: Translate) -> str:
    """A button whose report no longer exists."""
    return _("Không tìm thấy báo cáo hoàn thành này.")


def file_refused(limit_mb: int, _: Translate) -> str:
    """A file that is too large, of a kind not taken, or could not be fetched."""
    return _(
        "Không nhận được tệp này (tối đa {limit} MB; PDF, ảnh, Word hoặc Excel). Xin gửi lại "
        "hoặc gửi số văn bản."
    ).format(limit=limit_mb)


def still_waiting(handle: int, _: Translate) -> str:
    """ "xong" again on work whose result already waits for the office."""
    return _("Kết quả việc #{handle} đã gửi, đang chờ điều phối viên xác nhận.").format(
        handle=handle
    )
