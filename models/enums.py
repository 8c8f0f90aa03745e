"""The stored enumerations, apart from the tables so that pure code can name them.

Each is stored as its string value, so a new value never needs a database type migration.
"""

from enum import StrEnum


class Channel(StrEnum):
    """Where a person talks to the bot.

    A deployment may run several Zalo bots (each plan's user cap is per bot): the first is
    the channel "zalo", each further one "zalo-<its id>" (`zalo_channel`), so that ledger,
    outbox, pacing and chat identities are per bot. `of` tells the kind of any channel name.
    """

    TELEGRAM = "telegram"
    ZALO = "zalo"
    CONSOLE = "console"

    @classmethod
    def of(cls, name: str) -> "Channel | None":
        """The kind of a channel name ("zalo-123" is a Zalo bot), or None for an unknown one."""
        if name.startswith(f"{cls.ZALO.value}-"):
            return cls.ZALO
        try:
            return cls(name)
        except ValueError:
            return None


# Channel names are stored in 20 characters: "zalo-" and the end of the bot's id.
_BOT_KEY_LENGTH = 15


def zalo_channel(index: int, bot_key: str) -> str:
    """The channel of the `index`-th configured Zalo bot (0: "zalo"), keyed by its id."""
    if index == 0:
        return Channel.ZALO.value
    return f"{Channel.ZALO.value}-{bot_key[-_BOT_KEY_LENGTH:]}"


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


class ExtensionState(StrEnum):
    """Where a request for more time is: waiting for the office, then decided once."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class CompletionState(StrEnum):
    """Where an officer's "xong" on a plan that confirms completions is: waiting for its
    evidence (or, when late, its cause), waiting for the office, then confirmed or returned."""

    EVIDENCE = "evidence"
    CAUSE = "cause"
    AWAITING = "awaiting"
    CONFIRMED = "confirmed"
    RETURNED = "returned"


class HistoryEvent(StrEnum):
    """The workflow step a history row records (a plain status change has none)."""

    EXTENSION_REQUESTED = "extension-requested"
    EXTENSION_APPROVED = "extension-approved"
    EXTENSION_REFUSED = "extension-refused"
    COMPLETION_REPORTED = "completion-reported"
    COMPLETION_CONFIRMED = "completion-confirmed"
    COMPLETION_RETURNED = "completion-returned"
