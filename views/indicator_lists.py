"""/chitieu and the summary's indicators: lists coloured against target, one indicator's
history, and the section of the weekly summary."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.indicators.checkpoints import Verdict
from domain.indicators.collection import IndicatorLine, IndicatorOverview, Standing
from domain.indicators.model import Accumulation, IndicatorRule
from locales import Translate
from views.indicators import (
    checkpoint_name,
    checkpoint_of_key,
    expected_text,
    figure_phrase,
    figure_text,
    verdict_icon,
    verdict_text,
)
from views.text import moment, number, short_day, shorten

MAX_LINES = 30
MAX_BUTTONS = 5
NAME_LENGTH = 45
TOP_REDS = 5
TOP_MISSING = 6
_REASON_LENGTH = 90


def counts_text(counts: dict[Verdict, int], *, locale: str) -> str:
    """ "🔴 2 · 🟡 1 · ⚪ 15 · 🟢 4" (unjudged ones counted with the greys)."""
    shown = dict(counts)
    shown[Verdict.NOT_REPORTED] = shown.get(Verdict.NOT_REPORTED, 0) + shown.pop(
        Verdict.UNJUDGED, 0
    )
    return " · ".join(
        f"{verdict_icon(v)} {number(shown.get(v, 0), locale=locale)}"
        for v in (Verdict.MISSED, Verdict.NEAR, Verdict.NOT_REPORTED, Verdict.MET)
    )


def standing_phrase(found: Standing, unit: str, *, locale: str, _: Translate) -> str:
    """ "3.000 1.000 lượt (mục tiêu kỳ này: 3.650 1.000 lượt)" or "chưa báo cáo, hạn 20/06"."""
    figure = found.figure
    if figure is None or figure.value is None:
        text = figure_phrase(figure, unit, _)
        return (
            text
            + ", "
            + _("hạn {day}").format(day=short_day(found.checkpoint.report_by, locale=locale))
        )
    text = figure_text(figure.value, unit, estimate=figure.estimate, _=_)
    expected = found.judgement.expected
    if expected is not None and expected.comparison is not None:
        text += " " + _("(mục tiêu kỳ này: {target})").format(target=expected_text(expected, unit))
    return text


def list_line(line: IndicatorLine, *, owner: bool, locale: str, _: Translate) -> str:
    """One indicator of /chitieu, its colour first."""
    found = line.standing
    shown = standing_phrase(found, line.unit, locale=locale, _=_)
    text = f"{verdict_icon(found.verdict)} {line.key} {shorten(line.name, NAME_LENGTH)}: {shown}"
    if not owner and line.agency_code:
        text += f" · {line.agency_code}"
    return text


def list_text(
    lines: Sequence[IndicatorLine],
    counts: dict[Verdict, int],
    *,
    scope: str | None,
    owner: bool,
    locale: str,
    _: Translate,
    total: int | None = None,
) -> str:
    """/chitieu: the counts by colour, then the indicators (the first MAX_LINES of `total`,
    which defaults to the lines given)."""
    total = len(lines) if total is None else total
    if not lines:
        if owner:
            return _("Cơ quan của bạn không theo dõi chỉ tiêu nào.")
        return _("Chưa có chỉ tiêu nào. Nhập bảng chỉ tiêu bằng: dondoc import TỆP")
    checkpoints = {(i.standing.checkpoint.year, i.standing.checkpoint.months) for i in lines}
    when = (
        checkpoint_name(*next(iter(checkpoints)), _) if len(checkpoints) == 1 else _("kỳ hiện tại")
    )
    if owner:
        head = _("📈 Chỉ tiêu của cơ quan bạn, {checkpoint}:").format(checkpoint=when)
    elif scope:
        head = _("📈 Chỉ tiêu ({scope}), {checkpoint}:").format(scope=scope, checkpoint=when)
    else:
        head = _("📈 Chỉ tiêu, {checkpoint}:").format(checkpoint=when)
    out = [head, counts_text(counts, locale=locale), ""]
    out += [list_line(line, owner=owner, locale=locale, _=_) for line in lines[:MAX_LINES]]
    if total > min(len(lines), MAX_LINES):
        out.append(
            _("… và {count} chỉ tiêu khác.").format(
                count=number(total - min(len(lines), MAX_LINES), locale=locale)
            )
        )
    out.append("")
    if owner:
        out.append(_("Báo số liệu: «PL3.7: 3.700» · lịch sử một chỉ tiêu: /chitieu PL3.7"))
    else:
        out.append(
            _(
                "Lọc: /chitieu STTTT · /chitieu PL3 · lịch sử: /chitieu PL3.7 · "
                "nhập thay cơ quan: /chitieu PL1.12 3,4"
            )
        )
    return "\n".join(out)


def chase_lines(lines: Sequence[IndicatorLine]) -> list[IndicatorLine]:
    """The indicators a coordinator may ask to explain, reds first (at most MAX_BUTTONS)."""
    return [line for line in lines if line.standing.wants_explanation][:MAX_BUTTONS]


@dataclass(frozen=True)
class HistoryRow:
    """One figure (or explanation) reported for an indicator."""

    checkpoint: str
    at: datetime
    kind: str
    value: Decimal | None
    estimate: bool
    explanation: str | None
    by: str
    agency: str
    on_behalf: bool
    undone: bool


def _rule_text(rule: IndicatorRule, _: Translate) -> str:
    if rule.accumulation is Accumulation.CUMULATIVE:
        return _("Cộng dồn: mỗi kỳ so với phần mục tiêu tương ứng thời gian đã qua.")
    return _("Chỉ tiêu thời điểm: mỗi kỳ so với mục tiêu cả năm.")


def history_text(
    *,
    key: str,
    name: str,
    unit: str,
    target: str,
    year: int | None,
    plan_label: str,
    owners: Sequence[str],
    rule: IndicatorRule,
    standings: Sequence[Standing],
    rows: Sequence[HistoryRow],
    locale: str,
    tz: ZoneInfo,
    _: Translate,
) -> str:
    """/chitieu PL3.7: the indicator, its standing at each checkpoint, every figure given
    (the last 15 of `rows`, oldest first)."""
    lines = [f"📈 {key} {name}" + (f" ({unit})" if unit else "")]
    lines.append(
        _("Kế hoạch {plan} · mục tiêu{year}: {target}").format(
            plan=plan_label, year=f" {year}" if year else "", target=target or "—"
        )
    )
    if owners:
        lines.append(_("Theo dõi, đánh giá: {owners}").format(owners=", ".join(owners)))
    lines.append(_rule_text(rule, _))
    if standings:
        lines.append("")
    for found in standings:
        at = found.checkpoint
        name = checkpoint_name(at.year, at.months, _)
        shown = standing_phrase(found, unit, locale=locale, _=_)
        lines.append(f"• {name}: {shown} · {verdict_text(found.verdict, _)}")
        if found.figure is not None and found.figure.explanation:
            lines.append(
                "  "
                + _("Giải trình: {text}").format(
                    text=shorten(found.figure.explanation, _REASON_LENGTH * 2)
                )
            )
    if rows:
        lines += ["", _("Lịch sử báo cáo:")]
    for row in rows[-15:]:
        if row.explanation:
            what = _("giải trình: {text}").format(text=shorten(row.explanation, _REASON_LENGTH))
        elif row.value is not None and row.kind == "value":
            what = figure_text(row.value, unit, estimate=row.estimate, _=_)
        else:
            what = _("chưa có số liệu")
        who = row.by + (f", {row.agency}" if row.agency else "")
        if row.on_behalf:
            who = _("{person} ghi thay {agency}").format(person=row.by, agency=row.agency)
        when = moment(row.at, locale=locale, tz=tz)
        line = f"• {when} · {checkpoint_of_key(row.checkpoint, _)} · {what} ({who})"
        if row.undone:
            line += " " + _("(đã hoàn tác)")
        lines.append(line)
    return "\n".join(lines)


def summary_section(overview: IndicatorOverview, *, locale: str, _: Translate) -> list[str]:
    """The weekly summary's indicators: counts by colour, the reds with their explanations,
    and who has figures missing near (or past) a checkpoint's report day."""
    if not overview.lines:
        return []
    lines = [
        "",
        _("📈 Chỉ tiêu: {counts}").format(counts=counts_text(overview.counts(), locale=locale)),
    ]
    reds = overview.reds()
    if reds:
        lines.append(_("🔴 Chưa đạt:"))
        for line in reds[:TOP_REDS]:
            found = line.standing
            shown = standing_phrase(found, line.unit, locale=locale, _=_)
            name = shorten(line.name, NAME_LENGTH)
            owner = f" ({line.agency_code})" if line.agency_code else ""
            lines.append(f"• {line.key} {name}{owner}: {shown}")
            why = found.figure.explanation if found.figure is not None else None
            lines.append(
                "  "
                + (
                    _("Giải trình: {text}").format(text=shorten(why, _REASON_LENGTH))
                    if why
                    else _("Chưa có giải trình.")
                )
            )
        if len(reds) > TOP_REDS:
            lines.append(_("… và {count} chỉ tiêu khác.").format(count=len(reds) - TOP_REDS))
    missing = overview.missing()
    if missing:
        lines.append(_("⚪ Chưa báo cáo số liệu:"))
        for item in missing[:TOP_MISSING]:
            lines.append(
                _("• {agency}: {count} chỉ tiêu (hạn {day})").format(
                    agency=shorten(item.name, 40) if item.name else _("chưa có cơ quan theo dõi"),
                    count=number(item.count, locale=locale),
                    day=short_day(item.report_by, locale=locale),
                )
            )
        if len(missing) > TOP_MISSING:
            lines.append(_("và {count} cơ quan khác.").format(count=len(missing) - TOP_MISSING))
    return lines
