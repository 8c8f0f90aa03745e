"""Button data: the compact strings a button carries back to the conversation.

Status buttons under a reminder item: "s|<action>|<assignment id>|<occurrence id or
empty>|<value or empty>", e.g. "s|d|57||" (done), "s|p|57||50" (50%), "s|z|57|3|7" (snooze
occurrence 3 for 7 days). Navigation buttons: "n|o|<page>|<scope token or empty>" (a page of
/overdue), "n|t|<page>" (a page of /tasks) and "n|w|<option>" (an answer to "which
task?"). Upload buttons under a plan file's preview: "u|<action>|<token>" (i: import it,
c: do not, v: invite its leads' officers). A request for an explanation of an indicator's
figure at a checkpoint: "x|<indicator id>|<checkpoint key>" ("x|57|2023-06M"). A
coordinator's decision on an extension request or a completion report: "g|<action>|<id>"
("g|a|12": approve request 12). Always well under Telegram's 64 bytes.
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from domain.replies import MAX_SNOOZE_DAYS
from domain.text import MAX_ID, read_int
from locales import N_, Translate

_STATUS = "s"
_NAV = "n"
_UPLOAD = "u"
# The longest upload token a button carries (services.uploads makes 12-character ones).
_TOKEN_LENGTH = 16
_SEP = "|"
OVERDUE = "o"
TASKS = "t"
WHICH = "w"


class ButtonAction(StrEnum):
    """What a status button asks for."""

    DONE = "d"
    PROGRESS = "p"
    BLOCKED = "b"
    SNOOZE = "z"
    EXTEND = "e"


# The figure each action's button may carry (done and blocked carry none).
_VALUES = {ButtonAction.PROGRESS: (0, 100), ButtonAction.SNOOZE: (1, MAX_SNOOZE_DAYS)}


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


# The five status buttons under a reminder item, in order: what each asks for and its label.
_STATUS_BUTTONS = (
    (ButtonAction.DONE, N_("✅ Xong")),
    (ButtonAction.PROGRESS, N_("🔄 Đang làm")),
    (ButtonAction.BLOCKED, N_("⚠️ Vướng mắc")),
    (ButtonAction.SNOOZE, N_("⏰ Nhắc lại sau")),
    (ButtonAction.EXTEND, N_("⏳ Xin gia hạn")),
)


@lru_cache(maxsize=256)
def status_row(_: Translate, number: int | None) -> tuple[tuple[str, str], ...]:
    """✅ Xong · 🔄 Đang làm · ⚠️ Vướng mắc · ⏰ Nhắc lại sau · ⏳ Xin gia hạn: each status
    button's label in one language (starting with the item's number, if given) and its data
    as a `status_template`. Made once per language and number; a keyboard fills in the ids."""
    prefix = "" if number is None else f"{number}. "
    return tuple((prefix + _(label), status_template(action)) for action, label in _STATUS_BUTTONS)


def decode(data: str | None) -> ButtonPress | None:
    """Read a status button's data; None for anything else (never raises)."""
    if not data:
        return None
    parts = data.split(_SEP)
    if len(parts) != 5 or parts[0] != _STATUS:
        return None
    _, action, assignment, occurrence, value = parts
    try:
        kind = ButtonAction(action)
    except ValueError:
        return None
    # Data comes back from the client as typed input does: a forged press is read as
    # strictly as a typed one, and the handler checks the presser's right to its target.
    assignment_id = read_int(assignment, low=1, high=MAX_ID)
    occurrence_id = read_int(occurrence, low=1, high=MAX_ID) if occurrence else None
    low, high = _VALUES.get(kind, (0, -1))
    figure = read_int(value, low=low, high=high) if value else None
    unreadable = (occurrence and occurrence_id is None) or (value and figure is None)
    if assignment_id is None or unreadable:
        return None
    return ButtonPress(kind, assignment_id, occurrence_id, figure)


@dataclass(frozen=True)
class Nav:
    """A decoded navigation button."""

    kind: str
    number: int
    scope: str | None = None


def overdue_page(page: int, scope: str | None) -> str:
    """Data of a button that opens page `page` of /overdue."""
    return _SEP.join([_NAV, OVERDUE, str(page), scope or ""])


def tasks_page(page: int) -> str:
    """Data of a button that opens page `page` of /tasks."""
    return _SEP.join([_NAV, TASKS, str(page)])


def which_option(number: int) -> str:
    """Data of a button that answers "which task?" with option `number`."""
    return _SEP.join([_NAV, WHICH, str(number)])


def decode_nav(data: str | None) -> Nav | None:
    """Read a navigation button; None for anything else (never raises)."""
    if not data:
        return None
    parts = data.split(_SEP)
    number = read_int(parts[2], low=1, high=999_999) if len(parts) >= 3 else None
    if parts[0] != _NAV or number is None:
        return None
    if parts[1] == OVERDUE and len(parts) == 4:
        return Nav(OVERDUE, number, parts[3] or None)
    if parts[1] in (WHICH, TASKS) and len(parts) == 3:
        return Nav(parts[1], number)
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
    if len(parts) != 3 or parts[0] != _EXPLAIN:
        return None
    indicator_id = read_int(parts[1], low=1, high=MAX_ID)
    year, dash, months = parts[2].partition("-")
    if indicator_id is None or not dash or len(year) != 4 or read_int(year, high=9999) is None:
        return None
    if not months.endswith("M") or read_int(months[:-1], low=1, high=12) is None:
        return None
    return ExplainPress(indicator_id, parts[2])


_DECIDE = "g"


class DecisionAction(StrEnum):
    """What a coordinator's button under a request or a completion decides."""

    APPROVE = "a"
    OTHER_DATE = "d"
    REFUSE = "r"
    CONFIRM = "c"
    RETURN = "t"


@dataclass(frozen=True)
class DecisionPress:
    """A decoded decision button: the action and the request's (or report's) id."""

    action: DecisionAction
    record: int


def decision_button(action: DecisionAction, record: int) -> str:
    """Data of a button deciding on extension request (or completion report) `record`."""
    return _SEP.join([_DECIDE, action.value, str(record)])


def decode_decision(data: str | None) -> DecisionPress | None:
    """Read a decision button; None for anything else (never raises)."""
    if not data:
        return None
    parts = data.split(_SEP)
    record = read_int(parts[2], low=1, high=MAX_ID) if len(parts) == 3 else None
    if parts[0] != _DECIDE or record is None:
        return None
    try:
        return DecisionPress(DecisionAction(parts[1]), record)
    except ValueError:
        return None
