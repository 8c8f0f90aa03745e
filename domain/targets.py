"""What reminders and replies are about: a *target*.

A target is one agency's share of a task (an assignment, "a:<assignment id>") or one period
of a recurring duty (an occurrence, "o:<occurrence id>"). The key is the form the reminder
ledger, snoozes and the planner use; notices about an agency with nobody registered use
an agency key instead ("agency:<agency id>").
"""

from collections.abc import Sequence
from dataclasses import dataclass


def target_key(assignment_id: int, occurrence_id: int | None = None) -> str:
    """The ledger and snooze form of a target: a:<assignment id> or o:<occurrence id>."""
    return f"o:{occurrence_id}" if occurrence_id is not None else f"a:{assignment_id}"


def agency_key(agency_id: int) -> str:
    """The ledger target of notices about an agency."""
    return f"agency:{agency_id}"


@dataclass(frozen=True)
class Target:
    """An assignment, or one period of a recurring one."""

    assignment_id: int
    occurrence_id: int | None = None

    @property
    def key(self) -> str:
        """The snooze/ledger form: a:<assignment id> or o:<occurrence id>."""
        return target_key(self.assignment_id, self.occurrence_id)

    @property
    def pair(self) -> tuple[int, int | None]:
        """(assignment id, occurrence id or None), as views are looked up."""
        return (self.assignment_id, self.occurrence_id)

    @classmethod
    def of_pair(cls, pair: Sequence[int | None]) -> "Target":
        """Back from the [assignment id, occurrence id] form a pending question keeps."""
        assignment_id, occurrence_id = pair[0], pair[1]
        if assignment_id is None:
            raise ValueError("a target needs an assignment")
        return cls(assignment_id, occurrence_id)
