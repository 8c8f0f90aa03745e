"""What reminders, agency notices and escalation digests say, in each reader's language.

A day's first sweep words thousands of items over a few hundred due dates, so each phrase
is worked out once per locale and day (ReminderWording) and dates are formatted once.
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import NamedTuple, TypeVar

from domain.reminders import OfficeHours, Reason, Reminder
from domain.status import Status
from locales import Translate, gettext_for
from views.indicators import (
    IndicatorInfo,
    reminder_hint,
    reminder_section,
)
from views.messages import IndicatorItem, Outgoing, ReminderItem, StatusKeyboard
from views.text import day, render_item_line, status_phrase

# Telegram allows 4096 characters a message; 15 items of about 200 stay well inside, and
# 15 rows of 4 buttons inside its keyboard limits.
MAX_ITEMS_PER_MESSAGE = 15
# Indicators are one line each and have no buttons: a source owner's twenty fit one message.
MAX_INDICATORS_PER_MESSAGE = 25
REASON_LENGTH = 120

T = TypeVar("T")


class TargetInfo(NamedTuple):
    """What a message shows about a target (a tuple: a day's first sweep at a million
    assignments makes 115,000, three times faster than frozen dataclasses)."""

    handle: int
    task_code: str
    title: str
    plan_label: str
    period: str | None
    progress: int
    blocked_reason: str | None


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@lru_cache(maxsize=4096)
def _long_day(value: date, locale: str) -> str:
    # Babel formatting is slow enough to matter across thousands of bundles; dates repeat.
    return day(value, locale=locale)


def _distance(_: Translate, *, due: date, today: date, hours: OfficeHours) -> str:
    calendar = hours.calendar
    if today <= due:
        left = calendar.working_days_between(today, due)
        if left == 0:
            return _("hôm nay là ngày làm việc cuối cùng")
        if left == 1:
            return _("còn 1 ngày làm việc")
        return _("còn {days} ngày làm việc").format(days=left)
    late = calendar.working_days_between(due, today)
    if late <= 1:
        return _("quá hạn 1 ngày làm việc")
    return _("quá hạn {days} ngày làm việc").format(days=late)


def _headline(info: TargetInfo, *, number: int, locale: str, _: Translate) -> str:
    return render_item_line(
        handle=info.handle,
        task_code=info.task_code,
        title=info.title,
        due_date=None,
        locale=locale,
        _=_,
        number=number,
        period_label=info.period,
    )


class ReminderWording:
    """One locale's reminder phrases on one day, each worked out once: a day's first sweep
    words thousands of items over a few hundred due dates and a handful of statuses."""

    def __init__(self, locale: str, *, today: date, hours: OfficeHours) -> None:
        self.locale = locale
        self._ = gettext_for(locale)
        self._today = today
        self._hours = hours
        self._deadlines: dict[date, str] = {}
        self._statuses: dict[tuple[Status, int], str] = {}

    def deadline(self, due: date) -> str:
        """The due date and the working days left or overdue."""
        text = self._deadlines.get(due)
        if text is None:
            _ = self._
            text = self._deadlines[due] = " · ".join(
                [
                    _("Hạn: {day}").format(day=_long_day(due, self.locale)),
                    _distance(_, due=due, today=self._today, hours=self._hours),
                ]
            )
        return text

    def status(self, status: Status, progress: int) -> str:
        """The status of work under way, as the item shows it."""
        text = self._statuses.get((status, progress))
        if text is None:
            text = self._statuses[(status, progress)] = status_phrase(
                status, progress, None, _=self._, locale=self.locale
            )
        return text


def _reminder_line(
    reminder: Reminder, info: TargetInfo, *, number: int, wording: ReminderWording
) -> str:
    _ = wording._
    target = reminder.target
    assert target.due is not None, "only dated targets are reminded"
    details = wording.deadline(target.due)
    if target.status in (Status.IN_PROGRESS, Status.BLOCKED):
        details += " · " + wording.status(target.status, info.progress)
    lines = [_headline(info, number=number, locale=wording.locale, _=_), "   " + details]
    if reminder.reason is Reason.CHECK:
        lines.append("   " + _("Đã quá hạn: việc này đã hoàn thành chưa?"))
    elif reminder.reason is Reason.SNOOZED:
        lines.append("   " + _("Nhắc lại theo yêu cầu của anh/chị."))
    if target.informational:
        lines.append("   " + _("Đơn vị phối hợp: để biết và phối hợp."))
    return "\n".join(lines)


def _parts(
    tasks: Sequence[Reminder], indicators: Sequence[Reminder]
) -> list[tuple[Sequence[Reminder], Sequence[Reminder]]]:
    """Tasks and indicators split into messages: at most MAX_ITEMS_PER_MESSAGE tasks (their
    buttons) and MAX_INDICATORS_PER_MESSAGE indicators (one line each) in any one."""
    task_parts = list(_chunks(tasks, MAX_ITEMS_PER_MESSAGE)) or [()]
    indicator_parts = list(_chunks(indicators, MAX_INDICATORS_PER_MESSAGE)) or [()]
    count = max(len(task_parts), len(indicator_parts))
    task_parts += [()] * (count - len(task_parts))
    # The indicators go with the last messages, after the tasks.
    indicator_parts = [()] * (count - len(indicator_parts)) + indicator_parts
    return list(zip(task_parts, indicator_parts, strict=True))


def reminder_messages(
    reminders: Sequence[Reminder],
    *,
    info: Mapping[str, TargetInfo],
    wording: ReminderWording,
    indicators: Mapping[str, IndicatorInfo] | None = None,
) -> list[tuple[Outgoing, list[Reminder]]]:
    """One person's reminders as numbered messages (several only past the size limits): the
    tasks first, then the indicators whose figures are due, numbered on from the tasks."""
    _ = wording._
    indicators = indicators or {}
    tasks = [r for r in reminders if r.target.key in info]
    asked = sorted(
        (r for r in reminders if r.target.key in indicators),
        key=lambda r: indicators[r.target.key].order,
    )
    parts = _parts(tasks, asked)
    messages = []
    for index, (part, wanted) in enumerate(parts, start=1):
        size = len(part) + len(wanted)
        many = size > 1
        if part:
            header = (
                _("🔔 Nhắc việc: {count} nhiệm vụ").format(count=len(part))
                if len(part) > 1
                else _("🔔 Nhắc việc")
            )
        else:
            header = _("🔔 Nhắc báo cáo số liệu: {count} chỉ tiêu").format(count=len(wanted))
        if len(parts) > 1:
            header += " " + _("(phần {part}/{parts})").format(part=index, parts=len(parts))
        lines = [header]
        items = []
        for number, reminder in enumerate(part, start=1):
            target = reminder.target
            lines.append(
                _reminder_line(reminder, info[target.key], number=number, wording=wording)
            )
            item = ReminderItem(number, target.assignment_id, target.occurrence_id)
            items.append(item)
        numbered = list(enumerate(wanted, start=len(part) + 1))
        lines += _indicator_lines(numbered, indicators=indicators, wording=wording)
        hints = []
        if len(part) > 1:
            hints.append(_("Xin gia hạn: {a} gia hạn đến <ngày>: <lý do>").format(a=1))
            hints.append(
                _("Trả lời: {a} xong · {b} 50% · {c} vướng <lý do>").format(
                    a=1, b=2, c=min(3, len(part))
                )
            )
        elif part:
            hints.append(
                _("Trả lời: {a} xong · {a} 50% · {a} vướng <lý do>").format(a=1)
                if many
                else _(
                    "Trả lời: xong · 50% · vướng <lý do> · nhắc sau 3 ngày · "
                    "gia hạn đến <ngày>: <lý do>"
                )
            )
        if wanted:
            hints.append(reminder_hint([n for n, _r in numbered], tasks=bool(part), _=_))
        message = Outgoing(
            text="\n".join(lines),
            items=tuple(items),
            indicators=tuple(
                IndicatorItem(
                    number, r.target.assignment_id, indicators[r.target.key].checkpoint_key
                )
                for number, r in numbered
            ),
            status_keyboard=StatusKeyboard(wording.locale, many) if items else None,
            reply_hint="\n".join(hints),
        )
        messages.append((message, [*part, *wanted]))
    return messages


def _indicator_lines(
    numbered: Sequence[tuple[int, Reminder]],
    *,
    indicators: Mapping[str, IndicatorInfo],
    wording: ReminderWording,
) -> list[str]:
    """The indicators of a reminder, grouped by checkpoint under its report day."""
    groups: dict[tuple[str, date], list[tuple[int, Reminder]]] = {}
    for number, reminder in numbered:
        shown = indicators[reminder.target.key]
        groups.setdefault((shown.checkpoint_key, shown.report_by), []).append((number, reminder))
    lines = []
    for (_key, due), group in groups.items():
        lines += reminder_section(
            [(number, indicators[r.target.key]) for number, r in group],
            deadline=wording.deadline(due),
            overdue=any(r.reason is Reason.CHECK for _n, r in group),
            _=wording._,
        )
    return lines
