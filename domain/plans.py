"""Plans and tasks as read from a document, before anyone has reviewed or stored them."""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.deadlines import Deadline, DeadlineKind

# Catch-all groups ("Các Sở, ban, ngành", "các cơ quan chủ trì nhiệm vụ", …) carry this prefix;
# named sets such as UBND-QUAN-HUYEN do not.
GENERIC_GROUP_PREFIX = "GRP-"


class SourceKind(StrEnum):
    """Where in a document a task was found; stored as its value."""

    APPENDIX_TABLE = "appendix-table"
    PROSE_ITEM = "prose-item"
    PROSE_DUTY = "prose-duty"
    PROJECT_TABLE = "project-table"
    REPORT_DUTY = "report-duty"
    SHEET = "sheet"


@dataclass(frozen=True)
class TaskDraft:
    """One task as the document states it: verbatim title, who leads, by when.

    `lead_named`/`cooperating_named` are the codes as the cell wrote them (groups not yet
    expanded); `lead_codes`/`cooperating_codes` are the agencies to contact. `notes` holds what
    the importer noticed about the row itself; `problems` adds what the data shows.
    """

    code: str
    section: str
    title: str
    due: Deadline
    start: Deadline | None = None
    funding: str | None = None
    lead_codes: tuple[str, ...] = ()
    cooperating_codes: tuple[str, ...] = ()
    unresolved_leads: tuple[str, ...] = ()
    unresolved_cooperating: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    source_kind: SourceKind = SourceKind.APPENDIX_TABLE
    recipients: tuple[str, ...] = ()
    unresolved_recipients: tuple[str, ...] = ()
    lead_named: tuple[str, ...] = ()
    cooperating_named: tuple[str, ...] = ()
    lead_scopes: tuple[tuple[str, str], ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def problems(self) -> list[str]:
        """What a coordinator should check before this task is used for reminders."""
        found = [f"lead not recognised: {fragment!r}" for fragment in self.unresolved_leads]
        found += [
            f"cooperating body not recognised: {fragment!r}"
            for fragment in self.unresolved_cooperating
        ]
        found += [
            f"report recipient not recognised: {fragment!r}"
            for fragment in self.unresolved_recipients
        ]
        if not self.lead_codes:
            found.append("no lead agency")
        elif all(code.startswith(GENERIC_GROUP_PREFIX) for code in self.lead_named):
            found.append(
                "the lead is only a generic group ("
                + ", ".join(self.lead_named)
                + "): check which agency leads"
            )
            specific = [
                code
                for code in self.cooperating_named
                if not code.startswith(GENERIC_GROUP_PREFIX)
            ]
            if specific:
                found.append(
                    "lead and cooperating may be swapped: the cooperating cell names "
                    + ", ".join(specific)
                )
        found += _deadline_problems("deadline", self.due)
        if self.due.kind == DeadlineKind.RECURRING and self.due.recurrence is None:
            found.append(
                f"the deadline recurs but its cadence is not stated: {self.due.original!r}"
            )
        if self.start is not None and self.start.kind == DeadlineKind.UNREAD:
            found += _deadline_problems("start time", self.start)
        found += self.notes
        return found


def _deadline_problems(label: str, deadline: Deadline) -> list[str]:
    if deadline.kind == DeadlineKind.UNREAD:
        return [f"{label} not understood: {deadline.original!r} ({deadline.reason})"]
    if deadline.kind == DeadlineKind.EMPTY:
        return [f"no {label} given"]
    return []


@dataclass
class PlanDraft:
    """A plan (kế hoạch, chỉ thị, or an imported sheet) and the tasks read from it."""

    ref: str | None
    title: str
    issue_date: date | None
    issuer: str | None
    hub_code: str | None
    source_file: str
    plan_year: int | None
    tasks: list[TaskDraft] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def task(self, code: str) -> TaskDraft:
        """The task with this code; KeyError if the plan has none."""
        for task in self.tasks:
            if task.code == code:
                return task
        raise KeyError(code)
