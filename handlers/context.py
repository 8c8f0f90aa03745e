"""What a handler gets for one incoming message, and where it puts its answers."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.access import Actor
from domain.calendar import WorkCalendar
from domain.reminders import OfficeHours
from locales import Translate, gettext_for
from models.tables import Person
from services.quotas import CappedBot
from services.report_config import ReportConfig
from services.unit_of_work import UnitOfWork
from views.messages import Button, Incoming, MenuChange, Outgoing


@dataclass(frozen=True)
class ConversationConfig:
    """What the conversation needs of the configuration (built from bot.settings)."""

    tz: ZoneInfo
    calendar: WorkCalendar
    default_locale: str
    data_dir: Path
    report: ReportConfig
    # The Telegram bot's username, for invite links (None: links are not offered).
    bot_username: str | None = None
    # Bots whose platform plan caps their users (each Zalo bot), in the configured order.
    capped_bots: tuple[CappedBot, ...] = ()
    # When reminders may go out (DONDOC_SEND_WINDOW): a snooze ends inside it.
    send_window: tuple[time, time] = (time(8, 0), time(17, 0))
    # The dashboard's public address (DONDOC_DASHBOARD_URL; None: no dashboard).
    dashboard_url: str | None = None

    @property
    def hours(self) -> OfficeHours:
        """The send window on the working days of the calendar, in the configured zone."""
        start, end = self.send_window
        return OfficeHours(self.calendar, start, end, self.tz)


class FileTooLarge(Exception):
    """The file is bigger than `limit` bytes (or than the channel serves); nothing was read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit} bytes")
        self.limit = limit


class FileUnavailable(Exception):
    """The file could not be fetched (expired, refused, the network); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileSource(Protocol):
    """Where the conversation fetches the content of a file sent to the bot."""

    async def fetch(self, channel: str, file_id: str, *, limit: int) -> bytes:
        """The file's bytes; FileTooLarge over `limit`, FileUnavailable when it cannot be had."""
        ...


# Renders a notification in its recipient's language.
Render = Callable[[Translate], Outgoing]


@dataclass(frozen=True)
class Fetched:
    """A file fetched for a message, or why it could not be (FileTooLarge, FileUnavailable)."""

    content: bytes | None = None
    error: Exception | None = None


@dataclass(frozen=True)
class Notice:
    """A message for someone other than the sender, rendered in their own language."""

    person: Person
    render: Render


@dataclass
class Context:
    """One incoming message being answered, inside one unit of work."""

    session: UnitOfWork
    incoming: Incoming
    actor: Actor | None
    now: datetime
    config: ConversationConfig
    calendar: WorkCalendar
    locale: str
    # This update was recorded as handled in this unit of work: nothing can carry its id yet.
    fresh: bool = False
    # Where the files people send are fetched from (None: no channel here can fetch them).
    files: FileSource | None = None
    # The file this message brought (or the one its button names), fetched before this unit
    # of work began (handlers.documents.fetch_first); None when there was none to fetch.
    fetched: "Fetched | None" = None
    replies: list[Outgoing] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    # Messages to chats that no longer belong to a person (a revoked officer's last word).
    farewells: list[tuple[str, str, Outgoing]] = field(default_factory=list)
    # Command menus to change: (channel, chat id, change).
    menus: list[tuple[str, str, MenuChange]] = field(default_factory=list)

    @property
    def _(self) -> Translate:
        """The sender's translator."""
        return gettext_for(self.locale)

    @property
    def today(self) -> date:
        """Today's date in the configured time zone."""
        return self.now.astimezone(self.config.tz).date()

    def reply(self, text: str, *buttons: tuple[Button, ...]) -> None:
        """Answer the sender, with rows of buttons if given."""
        self.replies.append(Outgoing(text=text, buttons=tuple(row for row in buttons if row)))

    def change_menu(
        self,
        *,
        role: str | None,
        locale: str,
        channel: str | None = None,
        chat_id: str | None = None,
    ) -> None:
        """Give a chat (the sender's unless named) the menu of this role in this language."""
        self.menus.append(
            (
                channel or self.incoming.channel,
                chat_id or self.incoming.chat_id,
                MenuChange(role=role, locale=locale),
            )
        )

    def notify(self, person: Person, render: Render) -> None:
        """Tell someone else, in their language."""
        self.notices.append(Notice(person=person, render=render))
