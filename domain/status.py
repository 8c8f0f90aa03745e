"""The life cycle of an assignment or a report occurrence."""

from enum import StrEnum


class Status(StrEnum):
    """Where one agency stands on one task; stored as its value."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    # Reported done on a plan whose office confirms completions ("chờ xác nhận").
    AWAITING = "awaiting"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Whether the work is still owed (and so may be reminded and be overdue)."""
        return self not in (Status.DONE, Status.CANCELLED)

    @property
    def is_reminded(self) -> bool:
        """Whether its officers are still reminded: open, and not waiting for the office."""
        return self.is_open and self is not Status.AWAITING
