"""Button data of the conversation's own buttons: list pages and "which task?" choices.

Format: "n|o|<page>|<scope token or empty>" (a page of /overdue) and "n|w|<option>" (an
answer to "which task?"). Status buttons use handlers.actions instead.
"""

from dataclasses import dataclass

_PREFIX = "n"
_SEP = "|"
OVERDUE = "o"
WHICH = "w"


@dataclass(frozen=True)
class Nav:
    """A decoded navigation button."""

    kind: str
    number: int
    scope: str | None = None


def overdue_page(page: int, scope: str | None) -> str:
    """Data of a button that opens page `page` of /overdue."""
    return _SEP.join([_PREFIX, OVERDUE, str(page), scope or ""])


def which_option(number: int) -> str:
    """Data of a button that answers "which task?" with option `number`."""
    return _SEP.join([_PREFIX, WHICH, str(number)])


def decode_nav(data: str | None) -> Nav | None:
    """Read a navigation button; None for anything else (never raises)."""
    if not data:
        return None
    parts = data.split(_SEP)
    if len(parts) < 3 or parts[0] != _PREFIX or not parts[2].isdigit() or len(parts[2]) > 6:
        return None
    if parts[1] == OVERDUE and len(parts) == 4:
        return Nav(OVERDUE, int(parts[2]), parts[3] or None)
    if parts[1] == WHICH and len(parts) == 3:
        return Nav(WHICH, int(parts[2]))
    return None
