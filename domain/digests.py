"""Digests that do not flood: many agencies late on one task read as one line, not thirty-five.

A coordinator's digest lists blocked, overdue, long-overdue and nobody-registered items. When
a task was given to many agencies at once (a group lead such as "Ủy ban nhân dân các quận,
huyện"), its items become one line, "III.1.2 Trước ngày 15/02 … — 35 cơ quan quá hạn: SXD,
SNN, …"; the rest are listed by agency. Totals come first, so the reader knows the size of the
problem before its detail. `split_numbered` then cuts the text for a channel's length limit at
line boundaries and numbers the parts "(1/3)", "(2/3)", "(3/3)".
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.text import one_unit, split_text, utf16_units
from locales import N_

SHARED_AT_LEAST = 3
MAX_CODES_SHOWN = 12
REASON_LENGTH = 120


class DigestKind(StrEnum):
    """Why an item is in a digest; sections appear in this order."""

    BLOCKED = "blocked"
    OVERDUE = "overdue"
    LONG_OVERDUE = "long-overdue"
    UNREGISTERED = "unregistered"


_KIND_NAMES: dict[DigestKind, str] = {
    DigestKind.BLOCKED: N_("Báo vướng"),
    DigestKind.OVERDUE: N_("Quá hạn"),
    DigestKind.LONG_OVERDUE: N_("Quá hạn kéo dài"),
    DigestKind.UNREGISTERED: N_("Chưa có cán bộ nhận nhắc việc"),
}
_KIND_ICONS: dict[DigestKind, str] = {
    DigestKind.BLOCKED: "⚠️",
    DigestKind.OVERDUE: "📋",
    DigestKind.LONG_OVERDUE: "📌",
    DigestKind.UNREGISTERED: "👤",
}
_SHARED_LINES: dict[DigestKind, str] = {
    DigestKind.BLOCKED: N_("• {task} — {count} cơ quan báo vướng: {agencies}"),
    DigestKind.OVERDUE: N_("• {task} — {count} cơ quan quá hạn: {agencies}"),
    DigestKind.LONG_OVERDUE: N_("• {task} — {count} cơ quan quá hạn kéo dài: {agencies}"),
    DigestKind.UNREGISTERED: N_("• {task} — {count} cơ quan chưa có người nhận: {agencies}"),
}


@dataclass(frozen=True)
class DigestItem:
    """One line's worth of a digest: an agency's task, and why it is reported."""

    kind: DigestKind
    task_key: str  # the same for every agency given the task, e.g. "12:III.1.2"
    task_label: str  # "III.1.2 Trước ngày 15/02 …"
    agency_code: str
    agency_name: str
    handle: int | None = None
    due: date | None = None
    overdue_days: int = 0  # working days
    reason: str | None = None  # BLOCKED: the officer's reason


@dataclass(frozen=True)
class TaskGroup:
    """One task shared by several agencies, reported once."""

    task_key: str
    task_label: str
    due: date | None
    items: tuple[DigestItem, ...]

    @property
    def agency_codes(self) -> tuple[str, ...]:
        """The agencies concerned, most overdue first, each once."""
        return tuple(dict.fromkeys(item.agency_code for item in self.items))


@dataclass(frozen=True)
class AgencyGroup:
    """An agency's remaining items."""

    agency_code: str
    agency_name: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True)
class Section:
    """All items of one kind: shared tasks first, then agency by agency."""

    kind: DigestKind
    items: int
    agencies: int
    tasks: tuple[TaskGroup, ...]
    by_agency: tuple[AgencyGroup, ...]


@dataclass(frozen=True)
class Digest:
    """A digest's sections, in `DigestKind` order, empty ones left out."""

    sections: tuple[Section, ...]

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing to report."""
        return not self.sections


def _item_order(item: DigestItem) -> tuple[int, date, str, str]:
    return (-item.overdue_days, item.due or date.max, item.task_label, item.agency_code)


def group_digest(items: Iterable[DigestItem], *, shared_at_least: int = SHARED_AT_LEAST) -> Digest:
    """Group items by task where `shared_at_least` agencies or more share one, then by agency.

    Shared tasks come by the number of agencies (most first), then the earliest deadline;
    agencies by their number of items, then their longest delay, then code.
    """
    if shared_at_least < 2:
        raise ValueError("a task is shared by at least two agencies")
    by_kind: dict[DigestKind, list[DigestItem]] = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    sections = []
    for kind in DigestKind:
        found = sorted(by_kind.get(kind, []), key=_item_order)
        if found:
            sections.append(_section(kind, found, shared_at_least))
    return Digest(sections=tuple(sections))


def _section(kind: DigestKind, items: list[DigestItem], shared_at_least: int) -> Section:
    by_task: dict[str, list[DigestItem]] = defaultdict(list)
    for item in items:
        by_task[item.task_key].append(item)
    shared = {
        key
        for key, found in by_task.items()
        if len({item.agency_code for item in found}) >= shared_at_least
    }
    tasks = sorted(
        (
            TaskGroup(
                task_key=key,
                task_label=by_task[key][0].task_label,
                due=min((i.due for i in by_task[key] if i.due), default=None),
                items=tuple(by_task[key]),
            )
            for key in shared
        ),
        key=lambda g: (-len(g.agency_codes), g.due or date.max, g.task_label, g.task_key),
    )
    by_agency: dict[str, list[DigestItem]] = defaultdict(list)
    for item in items:
        if item.task_key not in shared:
            by_agency[item.agency_code].append(item)
    agencies = sorted(
        (
            AgencyGroup(code, found[0].agency_name, tuple(found))
            for code, found in by_agency.items()
        ),
        key=lambda g: (-len(g.items), -max(i.overdue_days for i in g.items), g.agency_code),
    )
    return Section(
        kind=kind,
        items=len(items),
        agencies=len({item.agency_code for item in items}),
        tasks=tuple(tasks),
        by_agency=tuple(agencies),
    )


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def render_digest(
    digest: Digest,
    *,
    translate: Callable[[str], str],
    day: Callable[[date], str] = _dmy,
    max_codes: int = MAX_CODES_SHOWN,
    max_items: Callable[[DigestKind], int | None] = lambda _kind: None,
) -> str:
    """The digest as text: totals, then each section's shared tasks and agencies; an agency
    lists at most `max_items(kind)` of its items (None: all), then how many more."""
    _ = translate
    lines = [_(N_("Tổng hợp"))]
    for section in digest.sections:
        lines.append(
            _(N_("• {kind}: {items} việc · {agencies} cơ quan")).format(
                kind=_(_KIND_NAMES[section.kind]), items=section.items, agencies=section.agencies
            )
        )
    for section in digest.sections:
        lines.append("")
        lines.append(
            f"{_KIND_ICONS[section.kind]} {_(_KIND_NAMES[section.kind])} ({section.items})"
        )
        for group in section.tasks:
            codes = group.agency_codes
            shown = ", ".join(codes[:max_codes])
            if len(codes) > max_codes:
                shown += f", … (+{len(codes) - max_codes})"
            lines.append(
                _(_SHARED_LINES[section.kind]).format(
                    task=group.task_label, count=len(codes), agencies=shown
                )
            )
        for agency in section.by_agency:
            lines.append(
                _(N_("▸ {agency} ({code}) — {count} việc")).format(
                    agency=agency.agency_name, code=agency.agency_code, count=len(agency.items)
                )
            )
            limit = max_items(section.kind)
            listed = agency.items if limit is None else agency.items[:limit]
            lines.extend("   " + _item_line(item, _, day) for item in listed)
            if 0 < len(listed) < len(agency.items):
                lines.append("   " + f"… (+{len(agency.items) - len(listed)})")
    return "\n".join(lines)


def _item_line(item: DigestItem, _: Callable[[str], str], day: Callable[[date], str]) -> str:
    task = f"#{item.handle} {item.task_label}" if item.handle is not None else item.task_label
    if item.kind is DigestKind.BLOCKED:
        reason = item.reason or _(N_("chưa nêu lý do"))
        if len(reason) > REASON_LENGTH:
            reason = reason[: REASON_LENGTH - 1].rstrip() + "…"
        return f"{task}: {reason}"
    if item.kind in (DigestKind.OVERDUE, DigestKind.LONG_OVERDUE) and item.due is not None:
        return _(N_("{task} · hạn {day} · quá hạn {days} ngày làm việc")).format(
            task=task, day=day(item.due), days=item.overdue_days
        )
    return task


def split_numbered(text: str, *, limit: int, units: Callable[[str], int] = one_unit) -> list[str]:
    """Cut `text` into parts of at most `limit` units at line boundaries and number them.

    With more than one part, the first part's first line ends " (1/n)" and each later part
    starts "(k/n) ". A line longer than a part can hold is cut at words (see `split_text`).
    """
    text = text.strip()
    if not text:
        return []
    if _width(text, units) <= limit:
        return [text]
    count = 2
    while True:
        room = limit - _width(f" ({count}/{count})", units)
        if room < 1:
            raise ValueError(f"a limit of {limit} leaves no room for text")
        parts = _pack(text, room, units)
        if len(str(len(parts))) <= len(str(count)):
            break
        count = len(parts)
    total = len(parts)
    numbered = []
    for index, part in enumerate(parts, start=1):
        if index == 1:
            first, _newline, rest = part.partition("\n")
            numbered.append(f"{first} (1/{total})" + (f"\n{rest}" if rest else ""))
        else:
            numbered.append(f"({index}/{total}) {part.lstrip()}")
    return numbered


def _width(text: str, units: Callable[[str], int]) -> int:
    # The two measures the channels use are counted in C: character by character through
    # `units`, splitting the escalation digests of 200,000 assignments took a second.
    if units is one_unit:
        return len(text)
    if units is utf16_units:
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return sum(units(char) for char in text)


def _pack(text: str, room: int, units: Callable[[str], int]) -> list[str]:
    """Whole lines into parts of at most `room` units; an over-long line is cut at words."""
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for line in _fitting_lines(text.split("\n"), room, units):
        cost = _width(line, units) + (1 if current else 0)
        if current and used + cost > room:
            parts.append("\n".join(current).strip("\n"))
            current, used = [], 0
            cost = _width(line, units)
        if not current and not line.strip():
            continue  # a part never starts with a blank line
        current.append(line)
        used += cost
    if current and "\n".join(current).strip():
        parts.append("\n".join(current).strip("\n"))
    return [part for part in parts if part.strip()]


def _fitting_lines(lines: Sequence[str], room: int, units: Callable[[str], int]) -> list[str]:
    fitted: list[str] = []
    for line in lines:
        if _width(line, units) <= room:
            fitted.append(line)
        else:
            fitted.extend(split_text(line, limit=room, units=units))
    return fitted
