"""Button data: the compact strings a button carries back to the conversation.

Status buttons under a reminder item: "s|<action>|<assignment id>|<occurrence id or
empty>|<value or empty>", e.g. "s|d|57||" (done), "s|p|57||50" (50%), "s|z|57|3|7" (snooze
occurrence 3 for 7 days). Navigation buttons: "n|o|<page>|<scope token or empty>" (a page of
/overdue) and "n|w|<option>" (an answer to "which task?"). Upload buttons under a plan file's
preview: "u|<action>|<token>" (i: import it, c: do not, v: invite its leads' officers). A
request for an explanation of an indicator's figure at a checkpoint: "x|<indicator id>|
<checkpoint key>" ("x|57|2023-06M"). Always well under Telegram's 64 bytes.
"""

from dataclasses import dataclass
from enum import StrEnum

_STATUS = "s"
_NAV = "n"
_UPLOAD = "u"
# The longest upload token a button carries (services.uploads makes 12-character ones).
_TOKEN_LENGTH = 16
_SEP = "|"
OVERDUE = "o"
WHICH = "w"


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
            _STATUS,
            press.action.value,
            str(press.assignment_id),
            "" if press.occurrence_id is None else str(press.occurrence_id),
            "" if press.value is None else str(press.value),
        ]
    )


def status_template(action: ButtonAction) -> str:
    """`encode`'s data for `action` as a format string taking the assignment id and the
    occurrence id or "" (no value): a keyboard fills it in rather than encode each press."""
    return _SEP.join([_STATUS, action.value, "{}", "{}", ""])


def decode(data: str | None) -> ButtonPress | None:
    """Read a status button's data; None for anything else (never raises)."""
    if not data:
        return None
    parts = data.split(_SEP)
    if len(parts) != 5 or parts[0] != _STATUS:
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


@dataclass(frozen=True)
class Nav:
    """A decoded navigation button."""

    kind: str
    number: int
    scope: str | None = None


def overdue_page(page: int, scope: str | None) -> str:
    """Data of a button that opens page `page` of /overdue."""
    return _SEP.join([_NAV, OVERDUE, str(page), scope or ""])


def which_option(number: int) -> str:
    """Data of a button that answers "which task?" with option `number`."""
    return _SEP.join([_NAV, WHICH, str(number)])


def decode_nav(data: str | None) -> Nav | None:
    """Read a navigation button; None for anything else (never raises)."""
    if not data:
        return None
    parts = data.split(_SEP)
    if len(parts) < 3 or parts[0] != _NAV or not parts[2].isdigit() or len(parts[2]) > 6:
        return None
    if parts[1] == OVERDUE and len(parts) == 4:
        return Nav(OVERDUE, int(parts[2]), parts[3] or None)
    if parts[1] == WHICH and len(parts) == 3:
        return Nav(WHICH, int(parts[2]))
    return None


class UploadAction(StrEnum):
    """What a button under a plan file's preview asks for."""

    IMPORT = "i"
    CANCEL = "c"
    INVITE = "v"


@dataclass(frozen=True)
class UploadPress:
    """A decoded upload button: the action and the upload's token."""

    action: UploadAction
    token: str


def upload_button(action: UploadAction, token: str) -> str:
    """Data of a button acting on the upload with this token."""
    return _SEP.join([_UPLOAD, action.value, token])


def decode_upload(data: str | None) -> UploadPress | None:
    """Read an upload button; None for anything else (never raises)."""
    if not data:
        return None
    parts = data.split(_SEP)
    if len(parts) != 3 or parts[0] != _UPLOAD:
        return None
    token = parts[2]
    if not token or len(token) > _TOKEN_LENGTH or not token.isalnum() or not token.isascii():
        return None
    try:
        return UploadPress(UploadAction(parts[1]), token)
    except ValueError:
        return None


_EXPLAIN = "x"


@dataclass(frozen=True)
class ExplainPress:
    """A decoded "yêu cầu giải trình" button."""

    indicator_id: int
    checkpoint: str


def explain_request(indicator_id: int, checkpoint: str) -> str:
    """Data of a button that asks an indicator's owners why its figure is short or missing."""
    return _SEP.join([_EXPLAIN, str(indicator_id), checkpoint])


def decode_explain(data: str | None) -> ExplainPress | None:
    """Read an explanation-request button; None for anything else (never raises)."""
    if not data:
        return None
    parts = data.split(_SEP)
    if len(parts) != 3 or parts[0] != _EXPLAIN or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    year, dash, months = parts[2].partition("-")
    if not (dash and year.isdigit() and len(year) == 4 and months[:-1].isdigit()):
        return None
    if not months.endswith("M") or not 1 <= int(months[:-1]) <= 12:
        return None
    return ExplainPress(int(parts[1]), parts[2])
