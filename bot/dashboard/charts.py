"""The dashboard's charts as inline SVG: drawn on the server, no script, no external file.

Only attributes, never `style=`: the pages' Content-Security-Policy allows no inline style.
Every label is escaped.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from domain.indicators.checkpoints import Verdict
from domain.statistics import Bucket
from domain.status import Status
from locales import Translate
from services.dashboard.overview import AgencyCounts
from views.text import status_label

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 190
CHART_WIDTH = 640
# How many agencies the overview's chart shows (its table shows them all).
CHART_AGENCIES = 15
OVERDUE, BLOCKED, IN_TIME = "#c62828", "#ef6c00", "#1565c0"
VERDICT_COLOURS = {
    Verdict.MET: "#2e7d32",
    Verdict.NEAR: "#f9a825",
    Verdict.MISSED: "#c62828",
    Verdict.NOT_REPORTED: "#9e9e9e",
    Verdict.UNJUDGED: "#607d8b",
}
BUCKET_COLOURS = {
    Bucket.DONE_ON_TIME: "#2e7d32",
    Bucket.DONE_LATE: "#f9a825",
    Bucket.OPEN_IN_TIME: "#1565c0",
    Bucket.OPEN_OVERDUE: "#c62828",
}


@dataclass(frozen=True)
class Segment:
    """A part of a bar: its value, colour and what it is."""

    value: int
    colour: str
    label: str


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a name and its segments."""

    label: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> int:
        """The whole bar."""
        return sum(segment.value for segment in self.segments)


def stacked_bars(bars: Sequence[Bar], *, title: str, legend: Sequence[Segment]) -> Markup:
    """Horizontal stacked bars, one per row, scaled to the longest, with a legend."""
    longest = max((bar.total for bar in bars), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 50
    legend_height = 26 if legend else 4
    height = legend_height + len(bars) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    x = 0
    for item in legend:
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{escape(item.colour)}"/>'
            f'<text x="{x + 16}" y="14" font-size="12">{escape(item.label)}</text>'
        )
        x += 30 + 8 * len(item.label)
    for row, bar in enumerate(bars):
        y = legend_height + row * (BAR_HEIGHT + GAP)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(_clip(bar.label))}</text>"
        )
        left = float(LABEL_WIDTH)
        for segment in bar.segments:
            if not segment.value:
                continue
            width = span * segment.value / longest
            parts.append(
                f'<rect x="{left:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{escape(segment.colour)}"><title>{escape(segment.label)}: '
                f"{segment.value}</title></rect>"
            )
            left += width
        parts.append(f'<text x="{left + 4:.1f}" y="{y + 15}" font-size="12">{bar.total}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def buckets_chart(buckets: Sequence[tuple[Bucket, str, int]], _: Translate) -> Markup:
    """The period's four buckets, one bar each."""
    return stacked_bars(
        [
            Bar(name, (Segment(count, BUCKET_COLOURS[bucket], name),))
            for bucket, name, count in buckets
        ],
        title=_("Kết quả thực hiện nhiệm vụ trong kỳ"),
        legend=(),
    )


def agencies_chart(agencies: Sequence[AgencyCounts], _: Translate) -> Markup:
    """The open work of the agencies with most overdue: overdue, else blocked, else in time."""
    legend = (
        Segment(0, OVERDUE, _("Quá hạn")),
        Segment(0, BLOCKED, status_label(Status.BLOCKED, _)),
        Segment(0, IN_TIME, _("Còn hạn")),
    )
    bars = []
    for agency in agencies[:CHART_AGENCIES]:
        # An item both overdue and blocked counts as overdue: the parts add up to the bar.
        blocked = agency.blocked_in_time
        parts = (agency.overdue, blocked, agency.open - agency.overdue - blocked)
        bars.append(
            Bar(
                agency.name,
                tuple(
                    Segment(n, key.colour, key.label) for n, key in zip(parts, legend, strict=True)
                ),
            )
        )
    return stacked_bars(bars, title=_("Việc chưa hoàn thành theo cơ quan"), legend=legend)


def indicators_chart(verdicts: Sequence[tuple[Verdict, str, int, str]], _: Translate) -> Markup:
    """The indicators in one bar, by standing."""
    return stacked_bars(
        [
            Bar(
                _("Chỉ tiêu"),
                tuple(Segment(n, colour, label) for _v, label, n, colour in verdicts),
            )
        ],
        title=_("Chỉ tiêu theo mức đạt"),
        legend=[Segment(0, colour, label) for _v, label, _n, colour in verdicts],
    )


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
