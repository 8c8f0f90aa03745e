"""Plans and tasks as read from a document, before anyone has reviewed or stored them."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from domain.agencies import CATCH_ALL_PREFIX, AgencyRegistry, Succession
from domain.deadlines import Deadline, DeadlineKind
from domain.problems import Problem, deadline_reason
from locales import N_

# Catch-all groups ("Các Sở, ban, ngành", "các cơ quan chủ trì nhiệm vụ", …) carry this prefix;
# named sets such as UBND-QUAN-HUYEN do not.
GENERIC_GROUP_PREFIX = CATCH_ALL_PREFIX
# Two groups name nobody by themselves, so nobody is assigned through them: "Các cơ quan chủ
# trì nhiệm vụ" means each task's own leads (the plan's leads are put in its place), and "Các
# cơ quan, tổ chức, đơn vị có liên quan" whoever turns out to be concerned.
TASK_LEADS_GROUP = "GRP-CQ-CHUTRI"
UNNAMED_GROUP = "GRP-LIENQUAN"
PSEUDO_GROUPS = frozenset({TASK_LEADS_GROUP, UNNAMED_GROUP})


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
    # The same key on a plan's prose duty and on a reporting-duties row that restates it
    # (see `restated_duties`): one obligation, one task per agency.
    obligation: str | None = None

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
        if not self.lead_codes and self.lead_named and set(self.lead_named) <= PSEUDO_GROUPS:
            found.append(_pseudo_lead_problem(self.lead_named))
        elif not self.lead_codes:
            found.append(Problem(N_("Không có cơ quan chủ trì")))
        elif all(
            code.startswith(GENERIC_GROUP_PREFIX) and code != TASK_LEADS_GROUP
            for code in self.lead_named
        ):
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


def _pseudo_lead_problem(named: tuple[str, ...]) -> Problem:
    if UNNAMED_GROUP in named:
        return Problem(
            N_(
                "Chủ trì chỉ ghi «các cơ quan, đơn vị có liên quan», không nêu tên cơ quan nào: "
                "cần xác định cơ quan chủ trì"
            )
        )
    return Problem(
        N_(
            "Chủ trì là «các cơ quan chủ trì nhiệm vụ» nhưng không có nhiệm vụ nào nêu cơ quan "
            "chủ trì để thay vào: cần xác định cơ quan chủ trì"
        )
    )


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


class SkipReason(StrEnum):
    """Why a sentence that names an agency with a duty or a time did not become a task."""

    UNDATED = "undated"
    ONGOING = "ongoing"
    RECURRING = "recurring"
    NO_AGENCY = "no-agency"
    INVITATION = "invitation"


_SKIP_REASONS: dict[SkipReason, str] = {
    SkipReason.UNDATED: N_("không ghi thời hạn nên chưa thành việc để nhắc"),
    SkipReason.ONGOING: N_("làm thường xuyên, không có hạn để nhắc"),
    SkipReason.RECURRING: N_("việc định kỳ: cần đưa vào bảng chế độ báo cáo để nhắc"),
    SkipReason.NO_AGENCY: N_("giao việc nhưng không nêu cơ quan nào"),
    SkipReason.INVITATION: N_("lời mời, đề nghị chứ không phải giao việc"),
}


@dataclass(frozen=True)
class SkippedSentence:
    """A sentence of the document that states a duty (or an invitation) but gave no task.

    `location` is where it stands ("3.2", "III.1.a"), `section` the heading above it, `text`
    the sentence verbatim, `agencies` the codes it names, `time` the time phrase it has.
    """

    location: str
    section: str
    text: str
    reason: SkipReason
    agencies: tuple[str, ...] = ()
    time: str | None = None

    @property
    def is_duty(self) -> bool:
        """Whether the sentence gives work (an invitation to a body outside the chain does not)."""
        return self.reason != SkipReason.INVITATION

    def problem(self) -> Problem:
        """The sentence, where it is and why it is not a task, for the reader."""
        return Problem.of(
            N_("{location}: «{text}»: {reason}"),
            location=self.location or "-",
            text=self.text,
            reason=Problem(_SKIP_REASONS[self.reason]),
        )


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
    skipped: list[SkippedSentence] = field(default_factory=list)

    def task(self, code: str) -> TaskDraft:
        """The task with this code; KeyError if the plan has none."""
        for task in self.tasks:
            if task.code == code:
                return task
        raise KeyError(code)

    @property
    def duties_found(self) -> int:
        """Every duty the document states: the tasks and the duties that gave none."""
        return len(self.tasks) + sum(sentence.is_duty for sentence in self.skipped)

    @property
    def deadlines_unread(self) -> int:
        """How many tasks have a time phrase that could not be read."""
        return sum(task.due.kind == DeadlineKind.UNREAD for task in self.tasks)

    def accounting(self) -> Problem:
        """One line for the reader: duties found, tasks made, what was left and why."""
        left = Counter(sentence.reason for sentence in self.skipped if sentence.is_duty)
        return Problem.of(
            N_(
                "Tìm thấy {found} nhiệm vụ: {tasks} thành việc cần nhắc, {left} chưa "
                "({undated} không ghi thời hạn, {ongoing} thường xuyên, {recurring} định kỳ, "
                "{no_agency} không nêu cơ quan); {unread} thời hạn không đọc được; "
                "{invitations} lời mời, đề nghị."
            ),
            found=self.duties_found,
            tasks=len(self.tasks),
            left=sum(left.values()),
            undated=left[SkipReason.UNDATED],
            ongoing=left[SkipReason.ONGOING],
            recurring=left[SkipReason.RECURRING],
            no_agency=left[SkipReason.NO_AGENCY],
            unread=self.deadlines_unread,
            invitations=sum(not sentence.is_duty for sentence in self.skipped),
        )


def assignable(codes: Iterable[str], registry: AgencyRegistry | None = None) -> tuple[str, ...]:
    """The codes that stand for agencies someone can be assigned as: no pseudo-groups and,
    given the registry, no catch-all group that has nobody in it ("Nhà đầu tư")."""
    return tuple(
        code
        for code in codes
        if code not in PSEUDO_GROUPS and not (registry is not None and registry.names_nobody(code))
    )


def settle_task_leads(tasks: Sequence[TaskDraft]) -> list[TaskDraft]:
    """Put the plan's own leads in place of "các cơ quan chủ trì nhiệm vụ".

    The leads are those of the plan's task lists (tables and structured items) or, when it
    has none, of its other tasks; a task that names the group keeps its other leads too.
    """
    naming = [TASK_LEADS_GROUP in task.lead_named for task in tasks]
    if not any(naming):
        return list(tasks)
    others = [task for task, names in zip(tasks, naming, strict=True) if not names]
    listed = [task for task in others if task.source_kind in _TASK_LISTS]
    sources = listed or [task for task in others if task.source_kind != SourceKind.REPORT_DUTY]
    leads = tuple(dict.fromkeys(code for task in sources for code in task.lead_codes))
    return [
        replace(task, lead_codes=tuple(dict.fromkeys(task.lead_codes + leads))) if names else task
        for task, names in zip(tasks, naming, strict=True)
    ]


_TASK_LISTS = frozenset(
    {
        SourceKind.APPENDIX_TABLE,
        SourceKind.PROJECT_TABLE,
        SourceKind.PROSE_ITEM,
        SourceKind.SHEET,
    }
)


def restated_duties(plan: PlanDraft, duties: Iterable[TaskDraft]) -> dict[str, str]:
    """Reporting-duty code → the code of the plan's task that states the same obligation.

    A row of the reporting-duties table belongs to the plan whose file it names (its
    `section`) and restates a prose duty of that plan when both carry the same `obligation`;
    the store keeps the plan's task and assigns nobody through the row.
    """
    keys = {
        task.obligation: task.code
        for task in plan.tasks
        if task.obligation is not None and task.source_kind != SourceKind.REPORT_DUTY
    }
    return {
        duty.code: keys[duty.obligation]
        for duty in duties
        if duty.section == plan.source_file and duty.obligation in keys
    }


_ROMAN = ("I", "II", "III", "IV")


def split_parts(task: TaskDraft) -> list[TaskDraft]:
    """A task whose deadline lists several ("tháng 3, tháng 9", "Quý II và Quý IV/2026") as
    one task per part, each reminded and reported on its own.

    Each keeps the phrase as written; its code gains the part's number ("III.4(2)") and its
    title the part's period ("… (quý IV/2026)").
    """
    parts = task.due.parts
    if len(parts) < 2:
        return [task]
    return [
        replace(
            task,
            code=f"{task.code}({number})",
            title=f"{task.title} ({_part_label(part)})",
            due=replace(part, original=task.due.original, parts=()),
        )
        for number, part in enumerate(parts, start=1)
    ]


def _part_label(part: Deadline) -> str:
    """The period one part of a listed deadline stands for, as the documents write it."""
    rule = part.recurrence
    if rule is not None:
        if rule.month is not None:
            return f"tháng {rule.month} hằng năm"
        if rule.quarter is not None:
            return f"quý {_ROMAN[rule.quarter - 1]} hằng năm"
        return rule.describe()
    due = part.due_date
    if due is None:
        return part.kind.value
    if part.strictly_before:
        named = due + timedelta(days=1)
        return f"trước ngày {named.day:02d}/{named.month:02d}/{named.year}"
    if part.kind == DeadlineKind.MONTH:
        return f"tháng {due.month}/{due.year}"
    if part.kind == DeadlineKind.QUARTER:
        return f"quý {_ROMAN[(due.month - 1) // 3]}/{due.year}"
    if part.kind == DeadlineKind.YEAR:
        return f"năm {due.year}"
    return f"{due.day:02d}/{due.month:02d}/{due.year}"


def succession_notes(notes: Iterable[Succession], registry: AgencyRegistry) -> list[Problem]:
    """What to tell a coordinator of bodies a document names that had ceased by its date."""
    found: list[Problem] = []
    for note in notes:
        name = _name(registry, note.code)
        ceased = note.ended + timedelta(days=1)
        day = f"{ceased.day:02d}/{ceased.month:02d}/{ceased.year}"
        successors = ", ".join(_name(registry, code) for code in note.successors)
        if not note.successors:
            found.append(
                Problem.of(
                    N_("{name} không còn từ {day} và không có cơ quan kế thừa"),
                    name=name,
                    day=day,
                )
            )
        elif note.needs_decision:
            found.append(
                Problem.of(
                    N_("{name} không còn từ {day}; việc được chia cho {successors}: cần chọn"),
                    name=name,
                    day=day,
                    successors=successors,
                )
            )
        else:
            found.append(
                Problem.of(
                    N_("{name} không còn từ {day}; việc nay thuộc {successors}"),
                    name=name,
                    day=day,
                    successors=successors,
                )
            )
    return found


def _name(registry: AgencyRegistry, code: str) -> str:
    agency = registry.get(code)
    return agency.name if agency is not None else code
