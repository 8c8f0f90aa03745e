"""What the bot says about indicators (chỉ tiêu) in reminders, escalations and replies.

Indicators are named by their key ("PL3.47"), which a reply may use ("PL3.47: 1,4"), and
figures are written the Vietnamese way ("116.442,134"). The lists and reports (/chitieu,
the summary's section) are views.indicator_lists.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.indicators.checkpoints import Verdict, checkpoint
from domain.indicators.collection import Figure, Standing
from domain.indicators.quantities import format_number
from domain.indicators.targets import Comparison, Target
from locales import N_, Translate
from views.buttons import explain_request
from views.messages import Button, IndicatorItem, Outgoing
from views.text import short_day, shorten

NAME_LENGTH = 80
_VERDICT_ICONS = {
    Verdict.MET: "🟢",
    Verdict.NEAR: "🟡",
    Verdict.MISSED: "🔴",
    Verdict.NOT_REPORTED: "⚪",
    Verdict.UNJUDGED: "⚪",
}


@dataclass(frozen=True)
class IndicatorInfo:
    """What a message shows about an indicator asked for at one checkpoint."""

    indicator_id: int
    key: str
    number: str
    name: str
    unit: str
    target: str
    plan_label: str
    agency_name: str
    year: int
    months: int
    report_by: date
    # Where it stands in its plan's tables: messages list indicators in table order.
    order: tuple[int, int] = (0, 0)

    @property
    def checkpoint_key(self) -> str:
        """The stored name of the checkpoint ("2023-06M")."""
        return f"{self.year}-{self.months:02d}M"


def checkpoint_name(year: int, months: int, _: Translate) -> str:
    """ "6 tháng 2023", "Quý I 2023", "Cả năm 2023"."""
    label = checkpoint(year, months).label.render(_)
    return _("{checkpoint} {year}").format(checkpoint=label, year=year)


def checkpoint_of_key(key: str, _: Translate) -> str:
    """The name of a stored checkpoint key ("2023-06M" → "6 tháng 2023")."""
    year, _sep, months = key.partition("-")
    if year.isdigit() and months[:-1].isdigit() and 1 <= int(months[:-1]) <= 12:
        return checkpoint_name(int(year), int(months[:-1]), _)
    return key


def verdict_icon(verdict: Verdict) -> str:
    """🟢 🟡 🔴 ⚪."""
    return _VERDICT_ICONS[verdict]


def verdict_text(verdict: Verdict, _: Translate) -> str:
    """ "🔴 chưa đạt"."""
    return f"{_VERDICT_ICONS[verdict]} {_(verdict.label)}"


def figure_text(value: Decimal, unit: str, *, estimate: bool, _: Translate) -> str:
    """ "7,5 %" / "7.300 1.000 lượt (ước)"."""
    text = format_number(value) + (f" {unit}" if unit else "")
    return text + " " + _("(ước)") if estimate else text


def figure_phrase(figure: Figure | None, unit: str, _: Translate) -> str:
    """A current figure, "chưa có số liệu" or "chưa báo cáo"."""
    if figure is None:
        return _("chưa báo cáo")
    if figure.value is None:
        return _("chưa có số liệu")
    return figure_text(figure.value, unit, estimate=figure.estimate, _=_)


def expected_text(target: Target | None, unit: str) -> str:
    """What a checkpoint's figure is held to, written as the plan would ("≥ 3.650")."""
    if target is None or target.comparison is None:
        return target.text if target is not None else ""
    low = format_number(target.low.quantize(Decimal("0.01")).normalize()) if target.low else ""
    high = format_number(target.high.quantize(Decimal("0.01")).normalize()) if target.high else ""
    shown = {
        Comparison.AT_LEAST: f"≥ {low}",
        Comparison.MORE_THAN: f"> {low}",
        Comparison.AT_MOST: f"≤ {high}",
        Comparison.LESS_THAN: f"< {high}",
        Comparison.BETWEEN: f"{low} - {high}",
        Comparison.PLAIN: low,
    }.get(target.comparison, target.text)
    return f"{shown} {unit}".strip()


def indicator_line(info: IndicatorInfo, *, number: int | None, _: Translate) -> str:
    """ "4. PL3.47 Tổng tỷ suất sinh (Con/phụ nữ) · mục tiêu: 14,35"."""
    head = f"{number}. " if number is not None else ""
    unit = f" ({info.unit})" if info.unit else ""
    line = f"{head}{info.key} {shorten(info.name, NAME_LENGTH)}{unit}"
    if info.target:
        line += " · " + _("mục tiêu: {target}").format(target=info.target)
    return line


def reminder_section(
    items: Sequence[tuple[int, IndicatorInfo]], *, deadline: str, overdue: bool, _: Translate
) -> list[str]:
    """A reminder's indicators of one checkpoint: a heading with the report day, one line each."""
    first = items[0][1]
    lines = [
        _("📈 Số liệu chỉ tiêu {checkpoint}").format(
            checkpoint=checkpoint_name(first.year, first.months, _)
        ),
        "   " + deadline,
    ]
    if overdue:
        lines.append("   " + _("Đã quá hạn báo cáo: xin gửi số liệu (hoặc «chưa có số liệu»)."))
    lines.extend(indicator_line(info, number=number, _=_) for number, info in items)
    return lines


def reminder_hint(numbers: Sequence[int], *, tasks: bool, _: Translate) -> str:
    """How to answer a reminder's indicators (after the tasks' hint when it has tasks)."""
    first = numbers[0]
    if len(numbers) == 1 and not tasks:
        return _("Trả lời số liệu: 7,5 · ước 7,5 · chưa có số liệu")
    if len(numbers) == 1:
        return _("Số liệu chỉ tiêu: {a}. 7,5").format(a=first)
    return _("Số liệu chỉ tiêu: {a}. 7,5 · {b}. ước 120 · {b}. chưa có số liệu").format(
        a=first, b=numbers[1]
    )


def escalation_line(
    info: IndicatorInfo, *, number: int, agency: str, day: str, late: int, _: Translate
) -> list[str]:
    """An indicator whose figure is late, in a coordinator's or leader's digest."""
    return [
        indicator_line(info, number=number, _=_),
        "   "
        + _("{agency} · {checkpoint}, hạn {day} · quá hạn {days} ngày làm việc").format(
            agency=agency,
            checkpoint=checkpoint_name(info.year, info.months, _),
            day=day,
            days=late,
        ),
    ]


EXPLAIN_BUTTON = N_("📨 Yêu cầu giải trình {key}")


def explain_button(info: IndicatorInfo, *, _: Translate) -> tuple[Button, ...]:
    """The one button that asks an indicator's owners why its figure is short or missing."""
    data = explain_request(info.indicator_id, info.checkpoint_key)
    return (Button(_(EXPLAIN_BUTTON).format(key=info.key), data),)


@dataclass(frozen=True)
class FigureEcho:
    """A figure just stored, as the confirmation shows it."""

    key: str
    name: str
    unit: str
    year: int
    months: int
    figure: Figure | None
    verdict: Verdict
    expected: Target | None = None
    note: str | None = None
    on_behalf_of: str | None = None


def echo_figures(
    echoes: Sequence[FigureEcho], questions: Sequence[tuple[str, str]], *, _: Translate
) -> str:
    """The confirmation of a reply with figures: each one stored (with its colour against the
    checkpoint's target), each question asked back, and how to take it back."""
    lines: list[str] = []
    by_checkpoint: dict[tuple[int, int], list[FigureEcho]] = {}
    for echo in echoes:
        by_checkpoint.setdefault((echo.year, echo.months), []).append(echo)
    for (year, months), group in by_checkpoint.items():
        lines.append(
            _("✅ Đã ghi số liệu {checkpoint}:").format(
                checkpoint=checkpoint_name(year, months, _)
            )
        )
        for echo in group:
            shown = figure_phrase(echo.figure, echo.unit, _)
            line = f"• {echo.key} {shorten(echo.name, NAME_LENGTH // 2)}: {shown}"
            if echo.figure is not None and echo.figure.value is not None:
                line += " · " + verdict_text(echo.verdict, _)
                if echo.expected is not None and echo.expected.comparison is not None:
                    line += " " + _("(mục tiêu kỳ này: {target})").format(
                        target=expected_text(echo.expected, echo.unit)
                    )
            lines.append(line)
            if echo.note:
                lines.append("  " + echo.note)
            if echo.on_behalf_of:
                lines.append("  " + _("Ghi thay {agency}.").format(agency=echo.on_behalf_of))
    for written, reason in questions:
        lines.append(
            _("❓ «{written}»: {reason}").format(written=shorten(written, 60), reason=reason)
        )
    if questions:
        lines.append(_("Phần có dấu ❓ chưa được ghi; xin gửi lại, ví dụ «PL3.7: 3.700»."))
    if echoes:
        lines.append(_("Gõ /undo trong 10 phút nếu cần hoàn tác."))
    return "\n".join(lines)


def explain_request_message(
    info: IndicatorInfo, found: Standing, *, item: IndicatorItem, requester: str, _: Translate
) -> Outgoing:
    """ "Yêu cầu giải trình" to an owner: which figure, against what, and how to answer."""
    name = checkpoint_name(info.year, info.months, _)
    lines = [
        _("📨 Yêu cầu giải trình ({requester})").format(requester=requester),
        indicator_line(info, number=None, _=_),
    ]
    figure = found.figure
    if figure is not None and figure.value is not None:
        lines.append(
            _("Số liệu {checkpoint}: {figure} · {verdict} (mục tiêu kỳ này: {target}).").format(
                checkpoint=name,
                figure=figure_text(figure.value, info.unit, estimate=figure.estimate, _=_),
                verdict=verdict_text(found.verdict, _),
                target=expected_text(found.judgement.expected, info.unit),
            )
        )
    else:
        lines.append(
            _("Chưa có số liệu {checkpoint} (hạn báo cáo {day}).").format(
                checkpoint=name, day=short_day(info.report_by, locale="vi")
            )
        )
    lines.append(_("Xin trả lời tin này bằng lý do và giải pháp khắc phục."))
    return Outgoing(
        text="\n".join(lines),
        indicators=(item,),
        reply_hint=_("Trả lời: lý do, ví dụ «do giá nhiên liệu tăng, đã đề xuất…»"),
    )


def explain_requested(
    key: str, sent_to: Sequence[str], already: Sequence[str], _: Translate
) -> str:
    """The coordinator's confirmation of a request for an explanation."""
    if sent_to:
        text = _("📨 Đã gửi yêu cầu giải trình {key} tới: {people}.").format(
            key=key, people=", ".join(sent_to)
        )
        if already:
            text += " " + _("(Đã gửi trước đó: {people}.)").format(people=", ".join(already))
        return text
    if already:
        return _("Yêu cầu giải trình {key} đã được gửi trước đó tới: {people}.").format(
            key=key, people=", ".join(already)
        )
    return _(
        "Cơ quan theo dõi chỉ tiêu {key} chưa có cán bộ đăng ký nhận tin; yêu cầu chưa gửi được."
    ).format(key=key)


def nothing_to_explain(key: str, verdict: Verdict, _: Translate) -> str:
    """Refusal: the figure meets its target or is not due yet."""
    return _("Chỉ tiêu {key} đang {verdict}: chưa cần giải trình.").format(
        key=key, verdict=verdict_text(verdict, _)
    )


def explained(key: str, year: int, months: int, _: Translate) -> str:
    """The owner's confirmation that the explanation is stored."""
    return _(
        "✅ Đã ghi giải trình chỉ tiêu {key} ({checkpoint}). "
        "Gõ /undo trong 10 phút nếu cần hoàn tác."
    ).format(key=key, checkpoint=checkpoint_name(year, months, _))


def explanation_notice(
    key: str, name: str, agency: str, text: str, year: int, months: int, _: Translate
) -> Outgoing:
    """Tell the coordinator who asked that the explanation has come."""
    return Outgoing(
        text=_("💬 {agency} giải trình chỉ tiêu {key} {name} ({checkpoint}): {text}").format(
            agency=agency,
            key=key,
            name=shorten(name, NAME_LENGTH // 2),
            checkpoint=checkpoint_name(year, months, _),
            text=text,
        )
    )


def figures_undone(keys: Sequence[str], _: Translate) -> str:
    """/undo of figures."""
    return _("↩️ Đã hoàn tác số liệu: {keys}.").format(keys=", ".join(keys))
