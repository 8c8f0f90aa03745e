"""Button data: the compact strings a button carries back, for reminders and the conversation.

Format: "s|<action>|<assignment id>|<occurrence id or empty>|<value or empty>", e.g.
"s|d|57||" (done), "s|p|57||50" (50%), "s|z|57|3|7" (snooze occurrence 3 for 7 days).
Always well under Telegram's 64 bytes.
"""

from dataclasses import dataclass
from enum import StrEnum

_PREFIX = "s"
_SEP = "|"


class ButtonAction(StrEnum):
    """What a status button asks for."""

    DONE = "d"
    PROGRESS = "p"
    BLOCKED = "b"
    SNOOZE = "z"


@dataclass(frozen=True)
class ButtonPress:
    """A decoded status button."""

    action: ButtonAction
    assignment_id: int
    occurrence_id: int | None = None
    value: int | None = None


def encode(press: ButtonPress) -> str:
    """The data string for a status button."""
    return _SEP.join(
        [
            _PREFIX,
            press.action.value,
            str(press.assignment_id),
            "" if press.occurrence_id is None else str(press.occurrence_id),
            "" if press.value is None else str(press.value),
        ]
    )


def decode(data: str | None) -> ButtonPress | None:
    """Read a status button's data; None for anything else (never raises)."""
    if not data:
        return None
    parts = data.split(_SEP)
    if len(parts) != 5 or parts[0] != _PREFIX:
        return None
    _, action, assignment, occurrence, value = parts
    try:
        return ButtonPress(
            action=ButtonAction(action),
            assignment_id=int(assignment),
            occurrence_id=int(occurrence) if occurrence else None,
            value=int(value) if value else None,
        )
    except ValueError:
        return None
