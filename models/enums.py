"""The stored enumerations, apart from the tables so that pure code can name them.

Each is stored as its string value, so a new value never needs a database type migration.
"""

from enum import StrEnum


class Channel(StrEnum):
    """Where a person talks to the bot."""

    TELEGRAM = "telegram"
    ZALO = "zalo"
    CONSOLE = "console"


class AssignmentRole(StrEnum):
    """Whether an agency leads a task or cooperates on it."""

    LEAD = "lead"
    COOPERATING = "cooperating"


class OutboxState(StrEnum):
    """Where an outgoing message is in its delivery."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxKind(StrEnum):
    """What an outbox row carries: replies may bind to reminders, and a delivery notice that
    cannot be delivered breeds no further notice."""

    MESSAGE = "message"
    REMINDER = "reminder"
    NOTICE = "notice"
    ESCALATION = "escalation"
    DELIVERY_NOTICE = "delivery-notice"
    MENU = "menu"
    SUMMARY = "summary"
    # A coordinator's "yêu cầu giải trình" to an indicator's owners; the reply explains.
    INDICATOR_REQUEST = "indicator-request"


class UploadState(StrEnum):
    """Where a plan file sent in chat is: previewed and waiting, then answered once."""

    PENDING = "pending"
    IMPORTED = "imported"
    INVITED = "invited"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"
