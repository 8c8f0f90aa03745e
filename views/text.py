"""Turning views into short, polite text in the reader's language.

Dates and numbers go through Babel in the reader's locale ("Thứ Hai, 20/11/2023");
times are shown in the configured time zone.
"""

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from domain.access import Role
from domain.deadlines import DeadlineKind
from domain.status import Status
from locales import N_, Translate, normalise_locale
from models.enums import Channel, HistoryEvent
from views.rows import AssignmentView

TITLE_LENGTH = 70

# The one name of each status, in chat, chart and spreadsheet alike.
STATUS_LABELS = {
    Status.NOT_STARTED: N_("Chưa bắt đầu"),
    Status.IN_PROGRESS: N_("Đang làm"),
    Status.BLOCKED: N_("Vướng mắc"),
    Status.AWAITING: N_("Chờ xác nhận"),
    Status.DONE: N_("Hoàn thành"),
    Status.CANCELLED: N_("Đã hủy"),
}
_STATUS_ICONS = {
    Status.NOT_STARTED: "⚪",
    Status.IN_PROGRESS: "🔄",
    Status.BLOCKED: "⚠️",
    Status.AWAITING: "📝",
    Status.DONE: "✅",
    Status.CANCELLED: "✖️",
}


# Dates repeat (a plan's tasks share a few deadlines) and Babel parses its locale and pattern
# on every call, so each distinct date is formatted once per locale.
@lru_cache(maxsize=4096)
def day(value: date, *, locale: str) -> str:
    """A date with its weekday: "Thứ Hai, 20/11/2023" / "Monday, 20/11/2023"."""
    return format_date(value, "EEEE, dd/MM/yyyy", locale=normalise_locale(locale))


@lru_cache(maxsize=4096)
def short_day(value: date, *, locale: str) -> str:
    """A date as officials write it: 20/11/2023."""
    return format_date(value, "dd/MM/yyyy", locale=normalise_locale(locale))


def moment(value: datetime, *, locale: str, tz: ZoneInfo) -> str:
    """A time in the configured time zone: 20/11/2023 09:15."""
    return format_datetime(value, "dd/MM/yyyy HH:mm", tzinfo=tz, locale=normalise_locale(locale))


def number(value: int, *, locale: str) -> str:
    """A whole number with the locale's grouping (12.345 / 12,345)."""
    if -1000 < value < 1000:
        return str(value)  # nothing to group: every reply's percentage takes this way
    return format_decimal(value, locale=normalise_locale(locale))


_ROLE_LABELS = {
    Role.OFFICER: N_("cán bộ đầu mối"),
    Role.COORDINATOR: N_("điều phối viên"),
    Role.LEADER: N_("lãnh đạo"),
    Role.ADMIN: N_("quản trị"),
}
_DEADLINE_KIND_LABELS = {
    DeadlineKind.DATE: N_("ngày"),
    DeadlineKind.MONTH: N_("tháng"),
    DeadlineKind.QUARTER: N_("quý"),
    DeadlineKind.YEAR: N_("năm"),
    DeadlineKind.RECURRING: N_("định kỳ"),
    DeadlineKind.ONGOING: N_("thường xuyên"),
    DeadlineKind.CONDITIONAL: N_("có điều kiện"),
    DeadlineKind.MILESTONE: N_("mốc"),
    DeadlineKind.UNREAD: N_("chưa đọc được"),
    DeadlineKind.EMPTY: N_("không ghi"),
}
# The kinds of agency in the registry (bot/data/agencies.csv, docs/registry-format.md).
_AGENCY_KIND_LABELS = {
    "so": N_("sở"),
    "ban-nganh": N_("ban, ngành"),
    "ubnd-quan-huyen": N_("UBND quận, huyện"),
    "trung-uong": N_("cơ quan trung ương"),
    "doanh-nghiep": N_("doanh nghiệp"),
    "group": N_("nhóm"),
    "other": N_("khác"),
}


def channel_label(channel: str, _: Translate) -> str:
    """Where someone talks to the bot, as people know it: "Telegram", "Zalo", "dòng lệnh"."""
    kind = Channel.of(channel)
    if kind is Channel.TELEGRAM:
        return "Telegram"
    if kind is Channel.ZALO:
        return "Zalo"
    if kind is Channel.CONSOLE:
        return _("dòng lệnh")
    return channel


def role_label(role: Role | str, _: Translate) -> str:
    """A role in words: "điều phối viên" / "coordinator"."""
    return _(_ROLE_LABELS[Role(role)])


def deadline_kind_label(kind: DeadlineKind, _: Translate) -> str:
    """What sort of deadline a task has, in words: "định kỳ" / "recurring"."""
    return _(_DEADLINE_KIND_LABELS[kind])


def agency_kind_label(kind: str, _: Translate) -> str:
    """An agency's kind in words; a kind the registry invented is shown as written."""
    label = _AGENCY_KIND_LABELS.get(kind)
    return _(label) if label is not None else kind


def status_label(status: Status, _: Translate) -> str:
    """The status in words."""
    return _(STATUS_LABELS[status])


def status_phrase(
    status: Status, progress: int, reason: str | None, *, _: Translate, locale: str
) -> str:
    """The status as a reader sees it: "Đang làm 60%", "Vướng mắc: chưa có kinh phí"."""
    label = f"{_STATUS_ICONS[status]} {status_label(status, _)}"
    if status in (Status.IN_PROGRESS, Status.BLOCKED) and progress:
        label += " " + _("{percent}%").format(percent=number(progress, locale=locale))
    if status is Status.BLOCKED and reason:
        label += ": " + reason
    return label


def shorten(text: str, limit: int = TITLE_LENGTH) -> str:
    """One line of at most `limit` characters, cut at a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def render_item_line(
    *,
    handle: int,
    task_code: str,
    title: str,
    due_date: date | None,
    locale: str,
    _: Translate,
    number: int | None = None,
    period_label: str | None = None,
) -> str:
    """One task on one line, the same everywhere: "2. #57 III.12 Xây dựng… (hạn 31/12/2023)"."""
    parts = [f"{number}." if number is not None else "", f"#{handle}", task_code, shorten(title)]
    line = " ".join(p for p in parts if p)
    if period_label:
        line += f" [{period_label}]"
    if due_date is not None:
        line += " " + _("(hạn {date})").format(date=short_day(due_date, locale=locale))
    return line


def view_line(
    view: AssignmentView, *, locale: str, _: Translate, number: int | None = None
) -> str:
    """`render_item_line` for a stored assignment view."""
    return render_item_line(
        handle=view.handle,
        task_code=view.task_code,
        title=view.title,
        due_date=view.due_date,
        locale=locale,
        _=_,
        number=number,
        period_label=view.period_label,
    )


_DATE_PATTERN = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def short_date(day: date, *, locale: str) -> str:
    """A date as officials write it: 30/06/2023 (Vietnamese) or 30 Jun 2023 (English)."""
    return _short_date(day, normalise_locale(locale))


@lru_cache(maxsize=4096)
def _short_date(day: date, locale: str) -> str:
    # A spreadsheet repeats the same few hundred dates thousands of times.
    return format_date(day, _DATE_PATTERN[locale], locale=locale)


_EVENT_LABELS = {
    HistoryEvent.EXTENSION_REQUESTED: N_("⏳ đề nghị gia hạn"),
    HistoryEvent.EXTENSION_APPROVED: N_("✅ duyệt gia hạn"),
    HistoryEvent.EXTENSION_REFUSED: N_("✖ từ chối gia hạn"),
    HistoryEvent.COMPLETION_REPORTED: N_("📝 báo hoàn thành, chờ xác nhận"),
    HistoryEvent.COMPLETION_CONFIRMED: N_("✅ xác nhận hoàn thành"),
    HistoryEvent.COMPLETION_RETURNED: N_("↩ trả lại kết quả"),
}


def event_label(event: str, _: Translate) -> str:
    """A workflow step of the history in words: "⏳ đề nghị gia hạn"."""
    try:
        return _(_EVENT_LABELS[HistoryEvent(event)])
    except ValueError:
        return event


def extended_line(view: AssignmentView, *, locale: str, _: Translate) -> str:
    """ "Đã gia hạn 1 lần; hạn gốc 30/06/2023", for work whose deadline was extended."""
    assert view.original_due is not None
    return _("Đã gia hạn {count} lần; hạn gốc {day}").format(
        count=view.extension_count, day=short_day(view.original_due, locale=locale)
    )


def waiting_on(view: AssignmentView, _: Translate) -> str:
    """ " (chờ STC)" after the status of blocked work that waits on another agency."""
    if view.status is not Status.BLOCKED or not view.blocked_by:
        return ""
    return " " + _("(chờ {agency})").format(agency=view.blocked_by)
