"""The weekly summary as a short phone message, and the files that go with it."""

from collections.abc import Callable, Sequence
from pathlib import Path

from babel.dates import format_datetime
from babel.numbers import format_decimal

from domain.summary import ItemState, WeeklySummary, short_agency_name
from locales import Translate, gettext_for, normalise_locale
from views.messages import Attachment
from views.text import short_date

TOP_WORST = 5
TOP_BLOCKED = 5
TOP_UPCOMING = 8
TOP_SILENT = 8
SCOPE_NAMES = 3
_REASON_LIMIT = 80
_LONG_DATE = {"vi": "HH:mm EEEE, dd/MM/yyyy", "en": "HH:mm EEEE, d MMMM yyyy"}


def _number(value: int, locale: str) -> str:
    return format_decimal(value, locale=locale)


def _delta(value: int | None, locale: str, _: Translate, *, points: bool = False) -> str:
    if value is None:
        return ""
    if value == 0:
        return " (=)"
    arrow = "▲" if value > 0 else "▼"
    amount = _number(abs(value), locale)
    if points:
        return " " + _("({arrow}{points} điểm)").format(arrow=arrow, points=amount)
    return f" ({arrow}{amount})"


def _more(count: int, _: Translate, locale: str) -> list[str]:
    if count <= 0:
        return []
    return [_("và {count} việc khác.").format(count=_number(count, locale))]


def _item_label(state: ItemState) -> str:
    row = state.row
    period = f" ({row.period_label})" if row.period_label else ""
    return f"#{row.assignment_id} {row.task_code}{period} · {short_agency_name(row.agency_name)}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_summary_text(summary: WeeklySummary, *, locale: str, extra: Sequence[str] = ()) -> str:
    """The summary as a short message that fits a phone screen, in the reader's language;
    `extra` lines (the indicators' section) come before the closing line."""
    locale = normalise_locale(locale)
    _ = gettext_for(locale)
    figures, deltas = summary.figures, summary.deltas
    year, week, _weekday = summary.week_start.isocalendar()
    lines = [
        _("📊 Tổng hợp tiến độ nhiệm vụ, tuần {week}/{year}").format(week=week, year=year),
        _("Số liệu đến {moment}.").format(
            moment=format_datetime(
                summary.as_of, _LONG_DATE[locale], tzinfo=summary.tz, locale=locale
            )
        ),
    ]
    if summary.scope_plans or summary.scope_agencies:
        named = [*summary.scope_plans, *map(short_agency_name, summary.scope_agencies)]
        scope = "; ".join(named[:SCOPE_NAMES])
        if len(named) > SCOPE_NAMES:
            scope += " " + _("và {count} cơ quan khác.").format(
                count=_number(len(named) - SCOPE_NAMES, locale)
            )
        lines.append(_("Phạm vi: {scope}").format(scope=scope))
    if not summary.items:
        lines += ["", _("Chưa có nhiệm vụ nào trong phạm vi này."), *extra]
        return "\n".join(lines)

    percent = figures.on_time_percent
    on_time = (
        _("{percent}% ({on_time}/{done})").format(
            percent=_number(percent, locale),
            on_time=_number(figures.on_time, locale),
            done=_number(figures.done_with_due, locale),
        )
        if percent is not None
        else _("chưa có số liệu")
    )
    lines += [
        "",
        _("• Chưa hoàn thành: {count}").format(count=_number(figures.active, locale))
        + _delta(deltas.active, locale, _),
        _("• Hoàn thành trong 7 ngày qua: {count}").format(
            count=_number(figures.completed_week, locale)
        )
        + _delta(deltas.completed_week, locale, _),
        _("• Đúng hạn (lũy kế): {share}").format(share=on_time)
        + _delta(deltas.on_time_points, locale, _, points=True),
        _("• Quá hạn: {count}").format(count=_number(figures.overdue, locale))
        + _delta(deltas.overdue, locale, _),
        _("• Vướng mắc: {count}").format(count=_number(figures.blocked, locale))
        + _delta(deltas.blocked, locale, _),
    ]
    worst = summary.worst
    if worst:
        lines += ["", _("⚠️ Cơ quan chậm nhất:")]
        lines += [
            _("{rank}. {agency}: {count} việc quá hạn, tổng {days} ngày làm việc").format(
                rank=rank,
                agency=short_agency_name(agency.name),
                count=_number(agency.overdue, locale),
                days=_number(agency.overdue_days, locale),
            )
            for rank, agency in enumerate(worst[:TOP_WORST], start=1)
        ]
    if summary.blocked:
        lines += ["", _("⛔ Đang vướng mắc:")]
        lines += [
            _("• {item}: {reason}").format(
                item=_item_label(state),
                reason=_shorten(state.blocked_reason or _("chưa nêu lý do"), _REASON_LIMIT),
            )
            + (
                " " + _("(chờ {agency})").format(agency=state.row.blocked_by)
                if state.row.blocked_by
                else ""
            )
            for state in summary.blocked[:TOP_BLOCKED]
        ]
        lines += _more(summary.figures.blocked - TOP_BLOCKED, _, locale)
    if summary.upcoming:
        lines += ["", _("📅 Đến hạn trong 14 ngày tới:")]
        lines += [
            _("• {date}: {item}").format(
                date=short_date(state.row.due_date, locale=locale),
                item=_item_label(state),
            )
            for state in summary.upcoming[:TOP_UPCOMING]
            if state.row.due_date is not None
        ]
        lines += _more(summary.upcoming_total - TOP_UPCOMING, _, locale)
    if summary.silent:
        lines += ["", _("🔕 Chưa cập nhật trong 30 ngày:")]
        for agency in summary.silent[:TOP_SILENT]:
            name = short_agency_name(agency.name)
            if agency.last_activity is None:
                lines.append(_("• {agency} (chưa cập nhật lần nào)").format(agency=name))
            else:
                day = agency.last_activity.astimezone(summary.tz).date()
                lines.append(
                    _("• {agency} (lần cuối {date})").format(
                        agency=name, date=short_date(day, locale=locale)
                    )
                )
        hidden = len(summary.silent) - TOP_SILENT
        if hidden > 0:
            lines.append(_("và {count} cơ quan khác.").format(count=_number(hidden, locale)))
    lines += [*extra, "", _("Chi tiết trong biểu đồ và tệp Excel kèm theo.")]
    return "\n".join(lines)


def dashboard_line(url: str, _: Translate) -> str:
    """Where the summary's period can be looked at on the web dashboard."""
    return _("🖥 Xem trên bảng theo dõi (gửi /dashboard để nhận liên kết đăng nhập): {url}").format(
        url=url
    )


def summary_attachments(
    *,
    chart: Path,
    spreadsheet: Path,
    locale: str,
    url: Callable[[Path], str | None],
    indicator_chart: Path | None = None,
) -> tuple[Attachment, ...]:
    """The chart (and the indicators' chart) as photos and the spreadsheet as a document,
    with captions and the public link `url` gives each (None: it has none)."""
    _ = gettext_for(locale)
    indicators = (
        (
            Attachment(
                kind="photo",
                path=str(indicator_chart.resolve()),
                caption=_("Chỉ tiêu so với mục tiêu, theo nhóm"),
                public_url=url(indicator_chart),
            ),
        )
        if indicator_chart is not None
        else ()
    )
    return (
        Attachment(
            kind="photo",
            path=str(chart.resolve()),
            caption=_("Tình trạng nhiệm vụ theo cơ quan"),
            public_url=url(chart),
        ),
        *indicators,
        Attachment(
            kind="document",
            path=str(spreadsheet.resolve()),
            caption=_("Danh sách nhiệm vụ (Excel)"),
            public_url=url(spreadsheet),
        ),
    )


def summary_refused(_: Translate) -> str:
    """/summary from someone who does not read every agency's work."""
    return _(
        "Báo cáo tổng hợp chỉ dành cho lãnh đạo và điều phối viên. "
        "Gõ /tasks để xem việc của cơ quan mình."
    )
