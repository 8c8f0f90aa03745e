"""What /thongke says: the four buckets of a period, the on-time rate and the ranking.

Figures are counted against the extended deadline (an approved extension is the deadline the
office holds an agency to); when extensions change them, the figures against the original
deadline follow on one line, so both are shown as offices report them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from babel.numbers import format_percent

from domain.statistics import (
    BUCKET_NAMES,
    Basis,
    Bucket,
    Figures,
    Period,
    Ranked,
    Standing,
    Statistics,
    Tally,
    standing_of,
)
from locales import N_, Translate
from views.rows import Scope
from views.text import number, short_day

# The chat shows the best agencies and the weakest; the desk report lists them all.
RANKED_SHOWN = 10
WEAKEST_SHOWN = 5
PLANS_SHOWN = 8

_ICONS = {
    Bucket.DONE_ON_TIME: "✅",
    Bucket.DONE_LATE: "🕓",
    Bucket.OPEN_IN_TIME: "⏳",
    Bucket.OPEN_OVERDUE: "⏰",
}
_SHORT = {
    Bucket.DONE_ON_TIME: N_("{count} đúng hạn"),
    Bucket.DONE_LATE: N_("{count} HT quá hạn"),
    Bucket.OPEN_IN_TIME: N_("{count} trong hạn"),
    Bucket.OPEN_OVERDUE: N_("{count} chưa HT quá hạn"),
}


@dataclass(frozen=True)
class PeriodStatistics:
    """The figures of one period and the names they are keyed by."""

    statistics: Statistics
    agency_names: Mapping[str, str]  # code → name
    plan_titles: Mapping[str, str]  # plan label → title
    scope: Scope | None
    # Only the actor's own agency (an officer): no ranking of others.
    own_agency: bool


@dataclass(frozen=True)
class StatisticsReply:
    """What the /thongke answer shows of a period's figures: the whole, the ranking's ends
    and the first plans (the country's 12,500 agencies are counted, not all shown)."""

    period: Period
    cutoff: date
    overall: Figures
    agencies: int  # how many agencies have figures
    standing: Standing  # against the extended deadline
    plans: tuple[tuple[str, Tally], ...]  # the first PLANS_SHOWN by label, extended deadline
    plan_count: int
    agency_names: Mapping[str, str]  # code → name, of the agencies shown
    scope: Scope | None
    own_agency: bool


def reply_of(found: PeriodStatistics) -> StatisticsReply:
    """What the answer shows of the whole figures."""
    stats = found.statistics
    standing = standing_of(stats.ranking(Basis.EXTENDED), best=RANKED_SHOWN, weakest=WEAKEST_SHOWN)
    return StatisticsReply(
        period=stats.period,
        cutoff=stats.cutoff,
        overall=stats.overall,
        agencies=len(stats.by_agency),
        standing=standing,
        plans=tuple(
            (label, figures.extended)
            for label, figures in list(stats.by_plan.items())[:PLANS_SHOWN]
        ),
        plan_count=len(stats.by_plan),
        agency_names=shown_names(standing, found.agency_names),
        scope=found.scope,
        own_agency=found.own_agency,
    )


def shown_names(standing: Standing, names: Mapping[str, str]) -> dict[str, str]:
    """The names of the agencies a standing shows."""
    return {
        entry.agency_code: names[entry.agency_code]
        for entry in (*standing.best, *standing.weakest)
        if entry.agency_code in names
    }


def rate_text(rate: Fraction | None, *, locale: str) -> str:
    """An on-time rate as a percentage ("83,3 %"); "—" when nothing fell due."""
    if rate is None:
        return "—"
    return format_percent(float(rate), "#,##0.#%", locale=locale)


def _short(tally: Tally, _: Translate, locale: str) -> str:
    return " · ".join(
        _(_SHORT[bucket]).format(count=number(tally.count(bucket), locale=locale))
        for bucket in Bucket
    )


def _ranked_line(entry: Ranked, _: Translate, locale: str, names: Mapping[str, str]) -> str:
    tally = entry.tally
    return _("{rank}. {code} — {rate} ({on_time}/{due})").format(
        rank=entry.rank,
        code=entry.agency_code,
        rate=rate_text(tally.on_time_rate, locale=locale),
        on_time=number(tally.done_on_time, locale=locale),
        due=number(tally.fell_due, locale=locale),
    ) + (f" · {names[entry.agency_code]}" if entry.agency_code in names else "")


def _ranking(found: StatisticsReply, _: Translate, locale: str) -> list[str]:
    standing, names = found.standing, found.agency_names
    if not standing.best:
        return []
    lines = ["", _("🏆 Xếp hạng cơ quan theo tỷ lệ hoàn thành đúng hạn:")]
    lines.extend(_ranked_line(entry, _, locale, names) for entry in standing.best)
    if standing.weakest:
        lines.append(
            _("… {count} cơ quan khác …").format(count=number(standing.hidden, locale=locale))
        )
        lines.extend(_ranked_line(entry, _, locale, names) for entry in standing.weakest)
    if standing.unrated:
        lines.append(
            _("{count} cơ quan chưa có việc đến hạn.").format(
                count=number(standing.unrated, locale=locale)
            )
        )
    return lines


def render_statistics(found: StatisticsReply, *, locale: str, _: Translate) -> str:
    """The /thongke answer."""
    where = f" · {found.scope.label}" if found.scope else ""
    period = found.period.render(_)
    extended, original = found.overall.extended, found.overall.original
    if not extended.total and not original.total:
        return _("Không có nhiệm vụ nào đến hạn hoặc hoàn thành trong {period}{scope}.").format(
            period=period, scope=where
        )
    lines = [
        _("📊 Kết quả thực hiện nhiệm vụ · {period}{scope}").format(period=period, scope=where),
        _("Tính đến {date}: {count} nhiệm vụ").format(
            date=short_day(found.cutoff, locale=locale),
            count=number(extended.total, locale=locale),
        ),
    ]
    for bucket in Bucket:
        lines.append(
            f"{_ICONS[bucket]} {_(BUCKET_NAMES[bucket])}: "
            + number(extended.count(bucket), locale=locale)
        )
    lines.append(
        _("Tỷ lệ hoàn thành đúng hạn: {rate} ({on_time}/{due} việc đã đến hạn)").format(
            rate=rate_text(extended.on_time_rate, locale=locale),
            on_time=number(extended.done_on_time, locale=locale),
            due=number(extended.fell_due, locale=locale),
        )
    )
    if original != extended:
        lines.append(
            _("Theo hạn ban đầu (chưa tính gia hạn): {figures}; tỷ lệ {rate}").format(
                figures=_short(original, _, locale),
                rate=rate_text(original.on_time_rate, locale=locale),
            )
        )
    if not found.own_agency and found.agencies > 1:
        lines += _ranking(found, _, locale)
    if found.plan_count > 1:
        lines.append("")
        lines.append(_("📁 Theo kế hoạch:"))
        for label, tally in found.plans:
            lines.append(f"• {label}: {_short(tally, _, locale)}")
        if found.plan_count > PLANS_SHOWN:
            lines.append(
                _("… và {count} kế hoạch khác.").format(
                    count=number(found.plan_count - PLANS_SHOWN, locale=locale)
                )
            )
    lines.append("")
    lines.append(
        _("Kỳ khác: /thongke quý trước, /thongke năm 2025; một cơ quan: /thongke quý STTTT")
    )
    return "\n".join(lines)


def summary_lines(found: PeriodStatistics, *, locale: str, _: Translate) -> list[str]:
    """The weekly summary's lines on the quarter so far: the four buckets and the rate."""
    stats = found.statistics
    tally = stats.overall.extended
    if not tally.total:
        return []
    return [
        "",
        _("📊 {period} đến nay: {figures}; tỷ lệ hoàn thành đúng hạn {rate}").format(
            period=stats.period.render(_),
            figures=_short(tally, _, locale),
            rate=rate_text(tally.on_time_rate, locale=locale),
        ),
    ]
