"""The digests coordinators and leaders get: escalations, and agencies nobody registered for.

Each is one message (domain.digests: a task shared by many agencies is one line, the rest by
agency, totals first), cut into numbered parts "(2/3)" only when the text is over what the
reader's channel takes. Late indicators follow the tasks, one line per agency once there are
more than a few.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from domain.digests import DigestItem, DigestKind, group_digest, render_digest, split_numbered
from domain.indicators.collection import indicator_of
from domain.reminders import Escalation, EscalationReason, Notice
from domain.text import one_unit, utf16_units
from locales import N_, Translate, gettext_for
from models.enums import Channel
from views.indicators import IndicatorInfo, escalation_line, explain_button
from views.messages import Button, Outgoing
from views.reminders import TargetInfo
from views.text import day, shorten

# What one message may hold on each kind of channel, less room for what the renderers add:
# Telegram counts UTF-16 units up to 4096 (bot.channels.telegram.render), Zalo takes 2000
# characters (bot.channels.zalo.client) and appends the buttons as numbered options.
_LIMITS: dict[Channel, tuple[int, Callable[[str], int]]] = {
    Channel.TELEGRAM: (4000, utf16_units),
    Channel.ZALO: (1800, one_unit),
}
# Items listed under one agency before "… (+N)"; agencies nobody registered for list none.
ITEMS_PER_AGENCY = 8
# Late indicators are listed one by one up to this many, then one line per agency.
INDICATORS_LISTED = 5
INDICATOR_KEYS_SHOWN = 6
# "Yêu cầu giải trình" buttons under a digest, for its most overdue indicators.
EXPLAIN_BUTTONS = 5
LABEL_LENGTH = 70

_KINDS = {
    EscalationReason.BLOCKED: DigestKind.BLOCKED,
    EscalationReason.OVERDUE: DigestKind.OVERDUE,
    EscalationReason.LONG_OVERDUE: DigestKind.LONG_OVERDUE,
}
_LATE_HEADERS = {
    EscalationReason.OVERDUE: N_(
        "📈 Chỉ tiêu chưa báo cáo số liệu, quá hạn từ {days} ngày làm việc ({count})"
    ),
    EscalationReason.LONG_OVERDUE: N_(
        "📈 Chỉ tiêu chưa báo cáo số liệu kéo dài, từ {days} ngày làm việc ({count})"
    ),
}


def split_for_channel(text: str, *, channel: str) -> list[str]:
    """The text as the parts the channel takes, numbered "(1/2)" when there are several."""
    kind = Channel.of(channel)
    if kind not in _LIMITS:
        return [text]
    limit, units = _LIMITS[kind]
    return split_numbered(text, limit=limit, units=units)


def _max_items(kind: DigestKind) -> int:
    return 0 if kind is DigestKind.UNREGISTERED else ITEMS_PER_AGENCY


def _task_label(info: TargetInfo) -> str:
    label = f"{info.task_code} {shorten(info.title, LABEL_LENGTH)}"
    return f"{label} ({info.period})" if info.period else label


def _task_key(info: TargetInfo) -> str:
    return f"{info.plan_label}:{info.task_code}:{info.period or ''}"


@dataclass(frozen=True)
class _Part:
    outgoing: Outgoing
    first: bool


def _parts(text: str, *, channel: str, buttons: Sequence[tuple[Button, ...]]) -> list[_Part]:
    """The digest's parts; its buttons go under the last one."""
    texts = split_for_channel(text, channel=channel)
    return [
        _Part(
            Outgoing(text=part, buttons=tuple(buttons) if index == len(texts) - 1 else ()),
            first=index == 0,
        )
        for index, part in enumerate(texts)
    ]


def escalation_digest(
    escalations: Sequence[Escalation],
    *,
    info: Mapping[str, TargetInfo],
    agencies: Mapping[int, tuple[str, str]],
    indicators: Mapping[str, IndicatorInfo],
    locale: str,
    channel: str,
    escalate_after_days: int,
    long_overdue_days: int,
) -> list[tuple[Outgoing, list[Escalation]]]:
    """A coordinator's or leader's digest of blocked, overdue and long-overdue work: one
    message (more, numbered, only past the channel's limit); the first carries every item."""
    _ = gettext_for(locale)
    items = []
    for escalation in escalations:
        shown = info.get(escalation.target.key)
        if shown is None:
            continue
        code, name = agencies.get(escalation.target.agency_id, ("?", "?"))
        items.append(
            DigestItem(
                kind=_KINDS[escalation.reason],
                task_key=_task_key(shown),
                task_label=_task_label(shown),
                agency_code=code,
                agency_name=name,
                handle=shown.handle,
                due=escalation.target.due,
                overdue_days=escalation.overdue_days,
                reason=shown.blocked_reason,
            )
        )
    limits = {
        EscalationReason.OVERDUE: escalate_after_days,
        EscalationReason.LONG_OVERDUE: long_overdue_days,
    }
    sections = []
    if items:
        sections.append(
            _(
                "📣 Việc cần đôn đốc (quá hạn từ {days} ngày làm việc, kéo dài từ {long} ngày)"
            ).format(days=escalate_after_days, long=long_overdue_days)
            + "\n"
            + render_digest(group_digest(items), translate=_, max_items=_max_items)
        )
    late, buttons = _late_figures(
        escalations, indicators=indicators, agencies=agencies, limits=limits, locale=locale
    )
    sections += late
    if not sections:
        return []
    carried = [e for e in escalations if e.target.key in info or e.target.key in indicators]
    parts = _parts("\n\n".join(sections), channel=channel, buttons=buttons)
    return [(part.outgoing, carried if part.first else []) for part in parts]


def _late_figures(
    escalations: Sequence[Escalation],
    *,
    indicators: Mapping[str, IndicatorInfo],
    agencies: Mapping[int, tuple[str, str]],
    limits: Mapping[EscalationReason, int],
    locale: str,
) -> tuple[list[str], list[tuple[Button, ...]]]:
    """The indicators whose figures are late: each on its own while few, else by agency."""
    _ = gettext_for(locale)
    sections: list[str] = []
    buttons: list[tuple[Button, ...]] = []
    for reason, header in _LATE_HEADERS.items():
        late = [e for e in escalations if e.reason is reason and e.target.key in indicators]
        if not late:
            continue
        lines = [_(header).format(count=len(late), days=limits.get(reason, 0))]
        if len(late) <= INDICATORS_LISTED:
            for number, escalation in enumerate(late, start=1):
                shown = indicators[escalation.target.key]
                lines += escalation_line(
                    shown,
                    number=number,
                    agency=agencies.get(escalation.target.agency_id, ("?", "?"))[1],
                    day=day(shown.report_by, locale=locale),
                    late=escalation.overdue_days,
                    _=_,
                )
        else:
            lines += _late_by_agency(late, indicators=indicators, agencies=agencies, _=_)
        if reason is EscalationReason.OVERDUE:
            most_late = sorted(late, key=lambda e: -e.overdue_days)[:EXPLAIN_BUTTONS]
            buttons += [explain_button(indicators[e.target.key], _=_) for e in most_late]
        sections.append("\n".join(lines))
    return sections, buttons


def _late_by_agency(
    late: Iterable[Escalation],
    *,
    indicators: Mapping[str, IndicatorInfo],
    agencies: Mapping[int, tuple[str, str]],
    _: Translate,
) -> list[str]:
    by_agency: dict[int, list[Escalation]] = {}
    for escalation in late:
        by_agency.setdefault(escalation.target.agency_id, []).append(escalation)
    lines = []
    for agency_id, found in sorted(by_agency.items(), key=lambda e: (-len(e[1]), e[0])):
        code, name = agencies.get(agency_id, ("?", "?"))
        keys = [indicators[e.target.key].key for e in found]
        shown = ", ".join(keys[:INDICATOR_KEYS_SHOWN])
        if len(keys) > INDICATOR_KEYS_SHOWN:
            shown += f", … (+{len(keys) - INDICATOR_KEYS_SHOWN})"
        lines.append(
            _(
                "▸ {agency} ({code}) — {count} chỉ tiêu, quá hạn đến {days} ngày làm việc: {keys}"
            ).format(
                agency=name,
                code=code,
                count=len(found),
                days=max(e.overdue_days for e in found),
                keys=shown,
            )
        )
    return lines


def notice_digest(
    notices: Sequence[Notice],
    *,
    info: Mapping[str, TargetInfo],
    agencies: Mapping[int, tuple[str, str]],
    locale: str,
    channel: str,
) -> list[Outgoing]:
    """Tell a coordinator which agencies have nobody to receive their reminders: tasks shared
    by many such agencies once, then each agency with its count; indicators by agency."""
    _ = gettext_for(locale)
    items = []
    figures: dict[int, int] = {}
    for notice in notices:
        code, name = agencies.get(notice.agency_id, ("?", "?"))
        for target in notice.targets:
            if indicator_of(target.key) is not None:
                figures[notice.agency_id] = figures.get(notice.agency_id, 0) + 1
                continue
            shown = info.get(target.key)
            items.append(
                DigestItem(
                    kind=DigestKind.UNREGISTERED,
                    task_key=_task_key(shown) if shown else target.key,
                    task_label=_task_label(shown) if shown else f"#{target.assignment_id}",
                    agency_code=code,
                    agency_name=name,
                    handle=target.assignment_id,
                    due=target.due,
                )
            )
    lines = [_("⚠️ Cơ quan chưa có cán bộ nhận nhắc việc")]
    if items:
        lines.append(render_digest(group_digest(items), translate=_, max_items=_max_items))
    if figures:
        lines.append("")
        for agency_id, count in sorted(figures.items(), key=lambda e: (-e[1], e[0])):
            code, name = agencies.get(agency_id, ("?", "?"))
            lines.append(
                _("• {agency} ({code}): {count} chỉ tiêu chờ báo cáo số liệu").format(
                    agency=name, code=code, count=count
                )
            )
        lines.append(_("Điều phối viên có thể nhập số liệu thay: /chitieu MÃ SỐ_LIỆU"))
    lines.append("")
    lines.append(_("Đề nghị cơ quan cử cán bộ đầu mối đăng ký bằng mã mời (dondoc invite MÃ)."))
    return [part.outgoing for part in _parts("\n".join(lines), channel=channel, buttons=())]
