"""The conversation core: one plain incoming message in, outbox rows out.

Every channel calls `Conversation.handle`. The answer, the change it confirms and the
record that this update was handled commit together; a redelivered update finds that
record and is not answered twice. Errors the sender causes get a polite answer; errors
the system causes are logged and the sender is told to try again later.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from domain.access import AccessDenied, Actor, can_import
from domain.replies import ReplyAction
from domain.text import readable
from handlers import (
    completions,
    dashboard,
    documents,
    extensions,
    indicator_lists,
    lists,
    people,
    replies,
    statistics,
)
from handlers.context import Context, ConversationConfig, Fetched, FileSource
from locales import gettext_for, normalise_locale
from models.db import worth_retrying
from models.enums import OutboxKind
from models.tables import HandledUpdate
from services import chat_context
from services.access import identify, identify_many
from services.clock import Clock
from services.outbox import Wake, enqueue_for_person, enqueue_later
from services.status import prefetch_views
from services.unit_of_work import Sessions, UnitOfWork, transaction
from views.buttons import decode_upload
from views.commands import SPECS, parse_command
from views.messages import Incoming, Outgoing

log = logging.getLogger(__name__)

# Replies answered in one unit of work at most; a bigger batch holds its first ones longer.
MAX_BATCH = 64
# Times a message is answered while the store refuses it for a reason that passes (see
# models.db.worth_retrying) before the sender is asked to send it again.
ATTEMPTS = 3

Handler = Callable[[Context, str], Awaitable[None]]


def _status_command(action: ReplyAction) -> Handler:
    async def handler(ctx: Context, args: str) -> None:
        await replies.by_handles(ctx, args, action)

    return handler


# The handler of every command in the catalogue (views.commands), by its English name.
HANDLERS: dict[str, Handler] = {
    "start": people.start,
    "register": people.register,
    "help": people.show_help,
    "whoami": people.whoami,
    "lang": people.language,
    "people": people.people,
    "revoke": people.revoke,
    "tasks": lists.tasks,
    "task": lists.task,
    "overdue": lists.overdue,
    "upcoming": lists.upcoming,
    "summary": lists.summary,
    "dashboard": dashboard.sign_in_link,
    "statistics": statistics.show,
    "indicators": indicator_lists.show,
    "extensions": extensions.pending,
    "undo": replies.undo,
    "cancel": replies.cancel,
    "done": _status_command(ReplyAction.DONE),
    "progress": _status_command(ReplyAction.PROGRESS),
    "blocked": _status_command(ReplyAction.BLOCKED),
    "snooze": _status_command(ReplyAction.SNOOZE),
    "import": documents.import_command,
}


class Conversation:
    """The one entry point every channel adapter calls.

    Status replies that arrive together (a reminder round answered by many officers at
    once) are answered in one unit of work: what they read is read once for all of them,
    and they commit together. A chat's messages still go one at a time, in order. If any
    of them fails, the whole batch is rolled back and each message is answered on its own,
    so one message's trouble never changes what another's answer says.
    """

    def __init__(
        self,
        *,
        sessions: Sessions,
        config: ConversationConfig,
        clock: Clock,
        wake: Wake | None = None,
        files: FileSource | None = None,
    ) -> None:
        self._sessions = sessions
        self._files = files
        self._config = config
        self._clock = clock
        self._wake = wake
        self._calendar = config.calendar
        self._waiting: list[tuple[Incoming, asyncio.Future[None]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def handle(self, incoming: Incoming) -> None:
        """Answer one incoming message; never raises for anything the sender wrote."""
        if not _batchable(incoming):
            await self._answer_alone(incoming)
            return
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((incoming, done))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        # Shielded: a caller that gives up must not cancel answers shared with others.
        await asyncio.shield(done)

    async def _drain(self) -> None:
        # One turn of the loop lets the updates arriving together join the first batch;
        # later ones gather while a batch is being written.
        await asyncio.sleep(0)
        while self._waiting:
            batch = self._take_batch()
            try:
                await self._answer_batch([incoming for incoming, _ in batch])
            finally:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    def _take_batch(self) -> list[tuple[Incoming, "asyncio.Future[None]"]]:
        """Up to MAX_BATCH waiting messages, at most one per chat, in arrival order."""
        batch: list[tuple[Incoming, asyncio.Future[None]]] = []
        later: list[tuple[Incoming, asyncio.Future[None]]] = []
        chats: set[tuple[str, str]] = set()
        for item in self._waiting:
            chat = (item[0].channel, item[0].chat_id)
            if len(batch) < MAX_BATCH and chat not in chats:
                chats.add(chat)
                batch.append(item)
            else:
                later.append(item)
        self._waiting = later
        return batch

    async def _answer_batch(self, batch: list[Incoming]) -> None:
        if len(batch) == 1:
            await self._answer_alone(batch[0])
            return
        try:
            wrote = await self._answer_together(batch)
        except Exception:
            # A replayed update or a failure in one message: answer each on its own, where
            # a replay is recognised and an error costs only its own message.
            log.info("a batch of %d messages failed; answering them one by one", len(batch))
            for incoming in batch:
                await self._answer_alone(incoming)
            return
        if wrote and self._wake is not None:
            self._wake()

    async def _answer_together(self, batch: list[Incoming]) -> bool:
        now = self._clock()
        async with transaction(self._sessions) as session:
            session.record_handled((i.source_id for i in batch), now=now)
            actors = await identify_many(
                session, chats=[(i.channel, i.sender) for i in batch if i.sender], now=now
            )
            await _read_ahead(session, batch)
            wrote = False
            for incoming in batch:
                actor = actors.get((incoming.channel, incoming.sender or ""))
                fresh = incoming.source_id is not None
                wrote |= await self._answer_in(
                    session, incoming, actor, now=self._clock(), fresh=fresh
                )
            return wrote

    async def _answer_alone(self, incoming: Incoming) -> None:
        try:
            fetched = await documents.fetch_first(
                self._sessions, incoming, files=self._files, now=self._clock()
            )
            wrote = await self._answer_retrying(incoming, fetched)
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

    async def _answer_retrying(self, incoming: Incoming, fetched: Fetched | None) -> bool:
        """`_answer`, again (up to ATTEMPTS in all) while the store refuses it for a reason
        that passes: its connection died (a database restart), or PostgreSQL ended the
        transaction to break a deadlock with another instance's writes. Nothing was stored
        of an attempt that failed so."""
        attempt = 1
        while True:
            try:
                return await self._answer(incoming, fetched)
            except DBAPIError as error:
                if attempt == ATTEMPTS or not worth_retrying(error):
                    raise
                attempt += 1
                log.info(
                    "the store refused the answer to %s (%s); answering it again",
                    incoming.source_id,
                    "connection lost" if error.connection_invalidated else "a conflict",
                )

    async def _answer(self, incoming: Incoming, fetched: Fetched | None = None) -> bool:
        now = self._clock()
        async with transaction(self._sessions) as session:
            session.record_handled([incoming.source_id], now=now)
            actor = (
                await identify(session, channel=incoming.channel, chat_id=incoming.sender, now=now)
                if incoming.sender
                else None
            )
            return await self._answer_in(
                session,
                incoming,
                actor,
                now=now,
                fresh=incoming.source_id is not None,
                fetched=fetched,
            )

    async def _answer_in(
        self,
        session: UnitOfWork,
        incoming: Incoming,
        actor: Actor | None,
        *,
        now: datetime,
        fresh: bool,
        fetched: Fetched | None = None,
    ) -> bool:
        """Answer one message inside the caller's unit of work; whether it wrote messages."""
        locale = (
            actor.locale
            if actor
            else normalise_locale(incoming.language or self._config.default_locale)
        )
        ctx = Context(
            session=session,
            incoming=incoming,
            actor=actor,
            now=now,
            config=self._config,
            calendar=self._calendar,
            locale=locale,
            fresh=fresh,
            files=self._files,
            fetched=fetched,
        )
        try:
            await route(ctx)
        except AccessDenied:
            ctx.replies.clear()
            ctx.reply(ctx._("Bạn không có quyền thực hiện việc này."))
        for message in ctx.replies:
            enqueue_later(
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
            enqueue_later(session, channel=channel, chat_id=chat_id, message=message, now=now)
        for channel, chat_id, change in ctx.menus:
            enqueue_later(
                session,
                channel=channel,
                chat_id=chat_id,
                message=Outgoing.menu_change(change),
                now=now,
                kind=OutboxKind.MENU,
            )
        return bool(ctx.replies or ctx.notices or ctx.farewells or ctx.menus)

    async def _was_handled(self, incoming: Incoming) -> bool:
        if incoming.source_id is None:
            return False
        async with self._sessions() as session:
            found = await session.exec(
                select(HandledUpdate.id).where(HandledUpdate.source_id == incoming.source_id)
            )
            return found.first() is not None

    async def _apologise(self, incoming: Incoming) -> bool:
        _ = gettext_for(incoming.language or self._config.default_locale)
        text = _(
            "Xin lỗi, hệ thống đang gặp sự cố nên chưa ghi nhận được tin của bạn. "
            "Vui lòng gửi lại sau ít phút."
        )
        try:
            async with transaction(self._sessions) as session:
                enqueue_later(
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
        upload = decode_upload(incoming.button)
        if ctx.actor is None:
            people.stranger(ctx)
        elif upload is not None:
            await documents.on_button(ctx, upload)
        else:
            await replies.on_button(ctx)
        return
    if incoming.file is not None and ctx.actor is not None:
        asked = await completions.answering(ctx)
        if asked is not None:
            # The result of work reported done, asked for after "xong".
            await completions.on_file(ctx, asked.target)
            return
    if incoming.file is not None and (
        incoming.file.kind == "document" or (ctx.actor is not None and can_import(ctx.actor))
    ):
        # A document is a plan sent to be imported; a photo is one only from a coordinator
        # (from anyone else it is answered as any message without text is).
        await documents.on_file(ctx)
        return
    text = readable(incoming.text or "")
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
        handler = HANDLERS.get(command.name or "")
        if handler is None:
            ctx.reply(
                _("Không có lệnh /{command}. Gõ /help để xem các lệnh.").format(
                    command=command.typed[:30]
                )
            )
            return
        if SPECS[command.name or ""].registered and ctx.actor is None:
            people.stranger(ctx)
            return
        await handler(ctx, command.args)
        return
    if ctx.actor is None:
        people.stranger(ctx)
        return
    await replies.on_text(ctx, text)


def _batchable(incoming: Incoming) -> bool:
    """Status replies and buttons are answered in batches; commands (registration, lists,
    reports, /undo), files and the buttons under a file's preview each in a unit of work of
    their own."""
    if incoming.file is not None:
        return False
    if incoming.button is not None:
        return decode_upload(incoming.button) is None
    text = readable(incoming.text or "")
    return bool(text) and parse_command(text) is None


async def _read_ahead(session: UnitOfWork, batch: list[Incoming]) -> None:
    """Read what a batch of replies will look at (the reminders they answer and those
    reminders' tasks) in a few round trips instead of several per message."""
    replied = [
        (i.channel, i.chat_id, i.reply_to_message_id) for i in batch if i.reply_to_message_id
    ]
    if not replied:
        return
    items = await chat_context.prefetch_replied(session, replies=replied)
    targets = {i.target for group in items for i in group}
    if targets:
        await prefetch_views(session, targets=targets)
