"""Plans and tasks as read from a document, before anyone has reviewed or stored them."""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.deadlines import Deadline, DeadlineKind
from domain.problems import Problem, deadline_reason
from locales import N_

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
    notes: tuple[Problem, ...] = ()

    @property
    def problems(self) -> list[Problem]:
        """What a coordinator should check before this task is used for reminders."""
        found = [
            Problem.of(N_("Không nhận ra cơ quan chủ trì: «{name}»"), name=fragment)
            for fragment in self.unresolved_leads
        ]
        found += [
            Problem.of(N_("Không nhận ra cơ quan phối hợp: «{name}»"), name=fragment)
            for fragment in self.unresolved_cooperating
        ]
        found += [
            Problem.of(N_("Không nhận ra nơi nhận báo cáo: «{name}»"), name=fragment)
            for fragment in self.unresolved_recipients
        ]
        if not self.lead_codes:
            found.append(Problem(N_("Không có cơ quan chủ trì")))
        elif all(code.startswith(GENERIC_GROUP_PREFIX) for code in self.lead_named):
            found.append(
                Problem.of(
                    N_("Chủ trì chỉ là một nhóm chung ({groups}): cần xác định cơ quan chủ trì"),
                    groups=", ".join(self.lead_named),
                )
            )
            specific = [
                code
                for code in self.cooperating_named
                if not code.startswith(GENERIC_GROUP_PREFIX)
            ]
            if specific:
                found.append(
                    Problem.of(
                        N_("Có thể chủ trì và phối hợp bị đảo: ô phối hợp nêu {agencies}"),
                        agencies=", ".join(specific),
                    )
                )
        found += _deadline_problems(self.due, start=False)
        if self.due.kind == DeadlineKind.RECURRING and self.due.recurrence is None:
            found.append(
                Problem.of(
                    N_("Thời hạn lặp lại nhưng không nói rõ chu kỳ: «{phrase}»"),
                    phrase=self.due.original,
                )
            )
        if self.start is not None and self.start.kind == DeadlineKind.UNREAD:
            found += _deadline_problems(self.start, start=True)
        found += self.notes
        return found


def _deadline_problems(deadline: Deadline, *, start: bool) -> list[Problem]:
    if deadline.kind == DeadlineKind.UNREAD:
        text = (
            N_("Thời gian bắt đầu không đọc được: «{phrase}» ({reason})")
            if start
            else N_("Thời hạn không đọc được: «{phrase}» ({reason})")
        )
        reason = deadline_reason(deadline.reason)
        return [Problem.of(text, phrase=deadline.original, reason=reason)]
    if deadline.kind == DeadlineKind.EMPTY:
        return [Problem(N_("Không ghi thời gian bắt đầu") if start else N_("Không ghi thời hạn"))]
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
    problems: list[Problem] = field(default_factory=list)

    def task(self, code: str) -> TaskDraft:
        """The task with this code; KeyError if the plan has none."""
        for task in self.tasks:
            if task.code == code:
                return task
        raise KeyError(code)
