"""The life cycle of an assignment or a report occurrence."""

from enum import StrEnum


class Status(StrEnum):
    """Where one agency stands on one task; stored as its value."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Whether the work is still owed (and so may be reminded and be overdue)."""
        return self not in (Status.DONE, Status.CANCELLED)
