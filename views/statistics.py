"""What /thongke says: the four buckets of a period, the on-time rate and the ranking.

Figures are counted against the extended deadline (an approved extension is the deadline the
office holds an agency to); when extensions change them, the figures against the original
deadline follow on one line, so both are shown as offices report them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from babel.numbers import format_percent

from domain.statistics import BUCKET_NAMES, Basis, Bucket, Ranked, Statistics, Tally
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


def _ranked_line(entry: Ranked, _: Translate, locale: str, names: dict[str, str]) -> str:
    tally = entry.tally
    return _("{rank}. {code} — {rate} ({on_time}/{due})").format(
        rank=entry.rank,
        code=entry.agency_code,
        rate=rate_text(tally.on_time_rate, locale=locale),
        on_time=number(tally.done_on_time, locale=locale),
        due=number(tally.fell_due, locale=locale),
    ) + (f" · {names[entry.agency_code]}" if entry.agency_code in names else "")


def _ranking(stats: Statistics, _: Translate, locale: str, names: dict[str, str]) -> list[str]:
    ranking = stats.ranking(Basis.EXTENDED)
    rated = [entry for entry in ranking if entry.rank is not None]
    unrated = len(ranking) - len(rated)
    if not rated:
        return []
    lines = ["", _("🏆 Xếp hạng cơ quan theo tỷ lệ hoàn thành đúng hạn:")]
    shown: Sequence[Ranked] = rated
    weakest: Sequence[Ranked] = ()
    if len(rated) > RANKED_SHOWN + WEAKEST_SHOWN:
        shown, weakest = rated[:RANKED_SHOWN], rated[-WEAKEST_SHOWN:]
    lines.extend(_ranked_line(entry, _, locale, names) for entry in shown)
    if weakest:
        hidden = len(rated) - len(shown) - len(weakest)
        lines.append(_("… {count} cơ quan khác …").format(count=number(hidden, locale=locale)))
        lines.extend(_ranked_line(entry, _, locale, names) for entry in weakest)
    if unrated:
        lines.append(
            _("{count} cơ quan chưa có việc đến hạn.").format(count=number(unrated, locale=locale))
        )
    return lines


def render_statistics(found: PeriodStatistics, *, locale: str, _: Translate) -> str:
    """The /thongke answer."""
    stats = found.statistics
    where = f" · {found.scope.label}" if found.scope else ""
    period = stats.period.render(_)
    extended, original = stats.overall.extended, stats.overall.original
    if not extended.total and not original.total:
        return _("Không có nhiệm vụ nào đến hạn hoặc hoàn thành trong {period}{scope}.").format(
            period=period, scope=where
        )
    lines = [
        _("📊 Kết quả thực hiện nhiệm vụ · {period}{scope}").format(period=period, scope=where),
        _("Tính đến {date}: {count} nhiệm vụ").format(
            date=short_day(stats.cutoff, locale=locale),
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
    names = dict(found.agency_names)
    if not found.own_agency and len(stats.by_agency) > 1:
        lines += _ranking(stats, _, locale, names)
    plans = list(stats.by_plan.items())
    if len(plans) > 1:
        lines.append("")
        lines.append(_("📁 Theo kế hoạch:"))
        for label, figures in plans[:PLANS_SHOWN]:
            lines.append(f"• {label}: {_short(figures.extended, _, locale)}")
        if len(plans) > PLANS_SHOWN:
            lines.append(
                _("… và {count} kế hoạch khác.").format(
                    count=number(len(plans) - PLANS_SHOWN, locale=locale)
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
