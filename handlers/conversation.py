"""The conversation core: one plain incoming message in, outbox rows out.

Every channel calls `Conversation.handle`. The answer, the change it confirms and the
record that this update was handled commit together; a redelivered update finds that
record and is not answered twice. Errors the sender causes get a polite answer; errors
the system causes are logged and the sender is told to try again later.
"""

import logging
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.settings import Settings
from domain.replies import ReplyAction
from handlers import lists, people, replies
from handlers.commands import parse_command
from handlers.context import Context
from handlers.messages import Incoming, Outgoing
from locales import gettext_for, normalise_locale
from models.db import transaction
from models.tables import HandledUpdate
from services.access import AccessDenied, identify
from services.clock import Clock
from services.outbox import Wake, enqueue, enqueue_for_person

log = logging.getLogger(__name__)

Handler = Callable[[Context, str], Awaitable[None]]


def _status_command(action: ReplyAction) -> Handler:
    async def handler(ctx: Context, args: str) -> None:
        await replies.by_handles(ctx, args, action)

    return handler


# command → (handler, whether the sender must be registered)
COMMANDS: dict[str, tuple[Handler, bool]] = {
    "start": (people.start, False),
    "register": (people.register, False),
    "help": (people.show_help, False),
    "whoami": (people.whoami, True),
    "lang": (people.language, True),
    "people": (people.people, True),
    "revoke": (people.revoke, True),
    "tasks": (lists.tasks, True),
    "task": (lists.task, True),
    "overdue": (lists.overdue, True),
    "upcoming": (lists.upcoming, True),
    "summary": (lists.summary, True),
    "undo": (replies.undo, True),
    "cancel": (replies.cancel, True),
    "done": (_status_command(ReplyAction.DONE), True),
    "progress": (_status_command(ReplyAction.PROGRESS), True),
    "blocked": (_status_command(ReplyAction.BLOCKED), True),
    "snooze": (_status_command(ReplyAction.SNOOZE), True),
}


class Conversation:
    """The one entry point every channel adapter calls."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        wake: Wake | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._wake = wake
        self._calendar = settings.work_calendar()

    async def handle(self, incoming: Incoming) -> None:
        """Answer one incoming message; never raises for anything the sender wrote."""
        try:
            wrote = await self._answer(incoming)
        except IntegrityError:
            if await self._was_handled(incoming):
                log.info("replayed update %s ignored", incoming.source_id)
                return
            log.exception("could not store the answer to %s", incoming.source_id)
            wrote = await self._apologise(incoming)
        except Exception:
            log.exception(
                "failed to answer %s on %s chat %s",
                incoming.source_id,
                incoming.channel,
                incoming.chat_id,
            )
            wrote = await self._apologise(incoming)
        if wrote and self._wake is not None:
            self._wake()

    async def _answer(self, incoming: Incoming) -> bool:
        now = self._clock()
        async with transaction(self._sessions) as session:
            source = incoming.source_id
            if source is not None:
                # No look-up first: a replay breaks the unique source id here and `handle`
                # recognises it, so the common case costs one plain INSERT. Writing first
                # also takes SQLite's write lock before anything is read.
                await session.exec(sa.insert(HandledUpdate).values(source_id=source[:160], at=now))
            actor = await identify(
                session, channel=incoming.channel, chat_id=incoming.chat_id, now=now
            )
            locale = (
                actor.locale
                if actor
                else normalise_locale(incoming.language or self._settings.default_locale)
            )
            ctx = Context(
                session=session,
                incoming=incoming,
                actor=actor,
                now=now,
                settings=self._settings,
                calendar=self._calendar,
                locale=locale,
            )
            try:
                await route(ctx)
            except AccessDenied:
                ctx.replies.clear()
                ctx.reply(ctx._("Bạn không có quyền thực hiện việc này."))
            for message in ctx.replies:
                await enqueue(
                    session,
                    channel=incoming.channel,
                    chat_id=incoming.chat_id,
                    message=message,
                    now=now,
                    person_id=actor.person_id if actor else None,
                )
            for notice in ctx.notices:
                assert notice.person.id is not None
                await enqueue_for_person(
                    session,
                    person_id=notice.person.id,
                    message=notice.render(gettext_for(notice.person.locale)),
                    now=now,
                )
            for channel, chat_id, message in ctx.farewells:
                await enqueue(session, channel=channel, chat_id=chat_id, message=message, now=now)
            return bool(ctx.replies or ctx.notices or ctx.farewells)

    async def _was_handled(self, incoming: Incoming) -> bool:
        if incoming.source_id is None:
            return False
        async with self._sessions() as session:
            found = await session.exec(
                select(HandledUpdate.id).where(HandledUpdate.source_id == incoming.source_id)
            )
            return found.first() is not None

    async def _apologise(self, incoming: Incoming) -> bool:
        _ = gettext_for(incoming.language or self._settings.default_locale)
        text = _(
            "Xin lỗi, hệ thống đang gặp sự cố nên chưa ghi nhận được tin của bạn. "
            "Vui lòng gửi lại sau ít phút."
        )
        try:
            async with transaction(self._sessions) as session:
                await enqueue(
                    session,
                    channel=incoming.channel,
                    chat_id=incoming.chat_id,
                    message=Outgoing(text=text),
                    now=self._clock(),
                )
        except Exception:
            log.exception(
                "could not even apologise to %s chat %s", incoming.channel, incoming.chat_id
            )
            return False
        return True


async def route(ctx: Context) -> None:
    """Send the message to the handler it is for."""
    incoming = ctx.incoming
    _ = ctx._
    if incoming.button is not None:
        if ctx.actor is None:
            people.stranger(ctx)
        else:
            await replies.on_button(ctx)
        return
    text = (incoming.text or "").strip()
    if not text:
        ctx.reply(_("Tôi chỉ đọc được tin nhắn chữ. Gõ /help để xem cách trả lời."))
        return
    if len(text) > replies.MAX_TEXT_LENGTH:
        ctx.reply(
            _("Tin nhắn quá dài (tối đa {limit} ký tự). Xin gửi ngắn gọn hơn.").format(
                limit=replies.MAX_TEXT_LENGTH
            )
        )
        return
    command = parse_command(text)
    if command is not None:
        entry = COMMANDS.get(command.name or "")
        if entry is None:
            ctx.reply(
                _("Không có lệnh /{command}. Gõ /help để xem các lệnh.").format(
                    command=command.typed[:30]
                )
            )
            return
        handler, needs_registration = entry
        if needs_registration and ctx.actor is None:
            people.stranger(ctx)
            return
        await handler(ctx, command.args)
        return
    if ctx.actor is None:
        people.stranger(ctx)
        return
    await replies.on_text(ctx, text)
