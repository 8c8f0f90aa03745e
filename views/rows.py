"""What the text shows of the store: plain rows that services read and views render."""

from dataclasses import dataclass
from datetime import date, datetime

from domain.status import Status


@dataclass(frozen=True)
class AssignmentView:
    """One agency's share of a task (or one period of a recurring duty), ready to show."""

    handle: int
    occurrence_id: int | None
    period_label: str | None
    plan_label: str
    task_code: str
    title: str
    agency_id: int
    agency_code: str
    agency_name: str
    role: str
    status: Status
    progress: int
    blocked_reason: str | None
    due_date: date | None
    due_text: str | None
    last_update_at: datetime | None
    # The deadline as the plan set it, when an approved extension moved `due_date` on.
    original_due: date | None = None
    extension_count: int = 0
    # The code of the agency a blocked task waits on.
    blocked_by: str | None = None
    # Its plan's office confirms each completion (an officer's "xong" waits for it).
    confirms: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded status change."""

    at: datetime
    person_name: str | None
    channel: str
    from_status: Status
    to_status: Status
    to_progress: int
    note: str | None
    period_label: str | None
    undone: bool
    # The workflow step it records (models.enums.HistoryEvent), None for a status change.
    event: str | None = None


@dataclass(frozen=True)
class AssignmentDetail:
    """An assignment with its history, newest first."""

    view: AssignmentView
    history: tuple[HistoryEntry, ...]
    cooperating: tuple[str, ...]


@dataclass(frozen=True)
class ListResult:
    """Some views and how many more there were; a paged list says which page it is."""

    views: tuple[AssignmentView, ...]
    more: int
    page: int = 1
    pages: int = 1


@dataclass(frozen=True)
class Scope:
    """A filter for /overdue: some agencies or one plan."""

    kind: str  # "agency" or "plan"
    key: int  # the agency (possibly a group) or plan id
    label: str
    agency_ids: tuple[int, ...] = ()

    @property
    def token(self) -> str:
        """A compact form for button data: a17, p3."""
        return f"{self.kind[0]}{self.key}"


@dataclass(frozen=True)
class OverdueRow:
    """One overdue assignment or occurrence."""

    view: AssignmentView
    days_overdue: int


@dataclass(frozen=True)
class AgencyCount:
    """How many overdue items one agency has."""

    agency_id: int
    code: str
    name: str
    count: int


@dataclass(frozen=True)
class OverduePage:
    """One page of the overdue list with the totals of the whole list."""

    rows: tuple[OverdueRow, ...]
    total: int
    # How many agencies have overdue work; the counts of those this page's rows belong to.
    agencies: int
    groups: tuple[AgencyCount, ...]
    page: int
    pages: int
    as_of: date
    scope: Scope | None
