"""What coordinators are told when the work of dissolved bodies passes to their successors."""

from dataclasses import dataclass

from locales import Translate
from views.messages import Outgoing


@dataclass(frozen=True)
class HandOver:
    """One succession run: (from, to, assignments) moved; splits still waiting for a choice
    (body, its successors, open assignments); bodies dissolved without a successor."""

    moved: tuple[tuple[str, str, int], ...] = ()
    waiting: tuple[tuple[str, tuple[str, ...], int], ...] = ()
    dissolved: tuple[tuple[str, int], ...] = ()


def handover_notice(handover: HandOver, _: Translate) -> Outgoing:
    """The notice every coordinator gets after `dondoc agencies succession --apply`."""
    lines = [_("📦 Bàn giao việc của các cơ quan đã sắp xếp lại")]
    lines += [
        _("• {count} việc của {old} nay thuộc {new}").format(count=count, old=old, new=new)
        for old, new, count in handover.moved
    ]
    if handover.waiting:
        lines.append(_("Cần điều phối viên chọn cơ quan tiếp nhận:"))
        lines += [
            _("• {old} ({count} việc): {options}").format(
                old=old, count=count, options=", ".join(options)
            )
            for old, options, count in handover.waiting
        ]
    if handover.dissolved:
        lines.append(_("Không có cơ quan kế thừa, cần giao lại:"))
        lines += [
            _("• {old} ({count} việc)").format(old=old, count=count)
            for old, count in handover.dissolved
        ]
    lines.append(
        _("Lịch sử của từng việc ghi lại lần bàn giao; cán bộ của cơ quan mới được nhắc từ nay.")
    )
    return Outgoing(text="\n".join(lines))
