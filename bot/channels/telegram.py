"""The Telegram channel (aiogram 3): updates in, outbox messages out.

In: a Message or CallbackQuery becomes a plain `Incoming` and goes to the conversation; the core
never sees aiogram. Updates from one chat are handled one at a time, in arrival order. Polling
(development) confirms an update to Telegram only after it was handled; webhook mode (production)
answers 200 only after it was handled, so Telegram redelivers anything a crash interrupted (the
conversation recognises a replay).

Out: `TelegramSender` renders an `Outgoing` in HTML parse mode with every piece of text escaped,
splits it at 4,096 characters on paragraph or line boundaries, puts the buttons on the last part,
sends attachments with sendPhoto/sendDocument, edits with editMessageText, and maps aiogram's
errors onto the dispatcher's (bot.channels.base). Text parts, nearly all it sends, go as JSON
through the bot's own HTTP session without aiogram's per-call models (see `_send_text`).
"""

import asyncio
import hashlib
import hmac
import html
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
)
from aiogram.methods.base import Response
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from aiohttp import ClientError, ClientTimeout, web
from pydantic import ValidationError
from sqlmodel import col, select

from bot.bootstrap import App
from bot.channels.base import (
    ChatUnreachable,
    DeliveryError,
    PermanentFailure,
    RetryLater,
    TemporaryFailure,
)
from bot.http import HttpServer
from bot.settings import Settings
from domain.access import Role
from domain.text import fitting_prefix, split_text, utf16_units
from locales import LOCALES, gettext_for
from models.enums import Channel
from models.tables import ChatIdentity, Person
from services.clock import Clock
from services.unit_of_work import Sessions
from views.commands import menu
from views.messages import Attachment, Button, Incoming, MenuChange, Outgoing

log = logging.getLogger(__name__)

CHANNEL = Channel.TELEGRAM
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# https://core.telegram.org/bots/api#sendmessage: 1-4096 characters after entity parsing,
# counted in UTF-16 code units like every length in the Bot API.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALLOWED_UPDATES = ["message", "callback_query"]
# Partially sent long messages remembered, so a retry does not repeat the parts already out.
_PROGRESS_MEMORY = 1000
_JSON_BODY = {"Content-Type": "application/json"}
_HANDLE_TRIES = 5
# aiogram parametrises Response[...] on every call, and pydantic caches parametrised models only
# weakly, so the class is rebuilt (about 15 ms) each time the collector has dropped it: one call
# in a hundred when sending fast. Holding the ones this channel uses keeps them cached.
_RESPONSES = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        SendMessage,
        SendPhoto,
        SendDocument,
        EditMessageText,
        AnswerCallbackQuery,
        GetUpdates,
    )
)


class ConversationPort(Protocol):
    """What the adapter needs from the conversation core."""

    async def handle(self, incoming: Incoming) -> None:
        """Handle one incoming message; replies go to the outbox."""
        ...


# Bot construction --------------------------------------------------------------------------


def make_bot(settings: Settings, *, timeout: float = 30.0) -> Bot:
    """The aiogram Bot for the configured token, pointed at DONDOC_TELEGRAM_API_BASE if set."""
    if settings.telegram_token is None:
        raise ValueError("DONDOC_TELEGRAM_TOKEN is not set")
    api = (
        TelegramAPIServer.from_base(settings.telegram_api_base)
        if settings.telegram_api_base
        else PRODUCTION
    )
    return Bot(
        token=settings.telegram_token.get_secret_value(),
        session=AiohttpSession(api=api, timeout=timeout),
    )


# Rendering ---------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: most emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Text made safe for Telegram's HTML parse mode: nothing the user wrote becomes markup."""
    return html.escape(text, quote=False)


def keyboard_rows(buttons: tuple[tuple[Button, ...], ...]) -> list[list[dict[str, str]]]:
    """A message's buttons as the rows of an inline keyboard, in the Bot API's JSON form."""
    return [
        [{"text": button.label, "callback_data": button.data} for button in row]
        for row in buttons
        if row
    ]


def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a message's buttons (None when it has none)."""
    rows = keyboard_rows(buttons)
    return InlineKeyboardMarkup.model_validate({"inline_keyboard": rows}) if rows else None


def text_parts(message: Outgoing) -> list[str]:
    """The HTML texts of the sendMessage calls for a message (its reply hint last)."""
    body = message.text.strip()
    if message.reply_hint:
        body = f"{body}\n\n{message.reply_hint.strip()}" if body else message.reply_hint.strip()
    if utf16_len(body) <= TEXT_LIMIT:
        # Nearly every message fits: skip the splitter's count, character by character.
        return [escape(body)] if body else []
    return [escape(part) for part in split_text(body, limit=TEXT_LIMIT, units=utf16_units)]


# Sending -----------------------------------------------------------------------------------


def delivery_error(error: BaseException, *, token: str = "") -> DeliveryError:
    """What a failed Bot API call means for the dispatcher (the token is never repeated)."""
    text = f"{type(error).__name__}: {error}"
    if token:
        text = text.replace(token, "<token>")
    if isinstance(error, TelegramRetryAfter):
        return RetryLater(text, retry_after=float(error.retry_after))
    if isinstance(error, TelegramForbiddenError):
        return ChatUnreachable(text)
    if isinstance(error, TelegramBadRequest) and "chat not found" in error.message.lower():
        return ChatUnreachable(text)
    if isinstance(error, TelegramEntityTooLarge | TelegramMigrateToChat):
        return PermanentFailure(text)
    if isinstance(error, TelegramBadRequest | TelegramNotFound):
        return PermanentFailure(text)
    if isinstance(error, TelegramUnauthorizedError):
        log.error("Telegram rejected the bot token; check DONDOC_TELEGRAM_TOKEN")
        return TemporaryFailure(text)
    if isinstance(error, FileNotFoundError | IsADirectoryError | PermissionError):
        return PermanentFailure(text)
    # 5xx, network errors, timeouts, undecodable answers, 409 and anything unforeseen.
    return TemporaryFailure(text)


@dataclass(frozen=True)
class _Part:
    kind: str  # "text", "photo" or "document"
    body: str | None
    path: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()


class TelegramSender:
    """The ChannelSender for Telegram."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        if not isinstance(bot.session, AiohttpSession):
            raise TypeError("TelegramSender needs a bot on aiogram's AiohttpSession (make_bot)")
        self._bot = bot
        self._session = bot.session
        self._progress: OrderedDict[tuple[str, str], dict[int, str]] = OrderedDict()

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Send every part; return the id of the part that carries the buttons.

        When a later part fails, the parts already sent are remembered (in this process) so the
        dispatcher's retry continues where it stopped instead of repeating them. A menu change
        sets the chat's command menu and returns no id.
        """
        try:
            if (change := message.menu) is not None:
                await self._change_menu(chat_id, change)
                return None
            if message.edit_message_id is not None:
                edited = await self._edit(chat_id, message)
                if edited is not None:
                    return edited
            parts, anchor = self._parts(message)
        except (TelegramAPIError, ClientDecodeError, ClientError, OSError) as exc:
            raise delivery_error(exc, token=self._bot.token) from None
        # Only a message of several parts can be partly sent (most have one: skip the digest).
        key = (chat_id, _digest(parts)) if len(parts) > 1 else None
        done = self._progress.pop(key, {}) if key else {}
        for index, part in enumerate(parts):
            if index in done:
                continue
            try:
                done[index] = await self._send_part(chat_id, part, message, first=index == 0)
            except (TelegramAPIError, ClientDecodeError, ClientError, OSError) as exc:
                if key and done:
                    self._remember(key, done)
                failure = delivery_error(exc, token=self._bot.token)
                log.warning(
                    "telegram delivery to chat %s failed at part %d/%d: %s",
                    chat_id,
                    index + 1,
                    len(parts),
                    failure,
                )
                raise failure from None
        return done[anchor]

    async def _change_menu(self, chat_id: str, change: MenuChange) -> None:
        if not chat_id.lstrip("-").isdigit():
            return  # not a Telegram chat id (a test or console chat): nothing to change
        scope = BotCommandScopeChat(chat_id=int(chat_id))
        if change.role is None:
            await self._bot.delete_my_commands(scope=scope)
        else:
            await self._bot.set_my_commands(
                menu_for(Role(change.role), change.locale), scope=scope
            )

    @staticmethod
    def _parts(message: Outgoing) -> tuple[list[_Part], int]:
        """The calls for a message, and which one carries the buttons (the last text part)."""
        texts = [_Part("text", body) for body in text_parts(message)]
        parts = texts + [_attachment_part(attachment) for attachment in message.attachments]
        if not parts:
            raise PermanentFailure("an empty message cannot be sent")
        anchor = len(texts) - 1 if texts else len(parts) - 1
        if any(message.buttons):
            kept = parts[anchor]
            parts[anchor] = _Part(kept.kind, kept.body, kept.path, message.buttons)
        return parts, anchor

    async def _send_part(
        self, chat_id: str, part: _Part, message: Outgoing, *, first: bool
    ) -> str:
        replying = first and message.reply_to_message_id and message.reply_to_message_id.isdigit()
        if part.kind == "text":
            params: dict[str, Any] = {
                "chat_id": chat_id,
                "text": part.body or "",
                "parse_mode": "HTML",
            }
            if part.buttons:
                params["reply_markup"] = {"inline_keyboard": keyboard_rows(part.buttons)}
            if replying:
                params["reply_parameters"] = {
                    "message_id": int(message.reply_to_message_id or ""),
                    "allow_sending_without_reply": True,
                }
            return await self._send_text(params)
        reply = (
            ReplyParameters(
                message_id=int(message.reply_to_message_id or ""),
                allow_sending_without_reply=True,
            )
            if replying
            else None
        )
        if part.kind == "photo":
            sent = await self._bot.send_photo(
                chat_id=chat_id,
                photo=_input_file(part.path or ""),
                caption=part.body,
                parse_mode="HTML",
                reply_markup=keyboard(part.buttons),
                reply_parameters=reply,
            )
        else:
            sent = await self._bot.send_document(
                chat_id=chat_id,
                document=_input_file(part.path or ""),
                caption=part.body,
                parse_mode="HTML",
                reply_markup=keyboard(part.buttons),
                reply_parameters=reply,
            )
        return str(sent.message_id)

    async def _send_text(self, params: dict[str, Any]) -> str:
        """sendMessage with a JSON body through the bot's own HTTP session; the message id.

        Nearly every outbox row is one text message, and `bot.send_message` spends more CPU than
        the request itself: it validates a model of the call, form-encodes it field by field and
        validates the whole Message Telegram returns, of which only the id is kept (together
        about 0.3 ms a message, a third of a core at 1,000 messages a second). Any answer but a
        plain success is read by aiogram's own `check_response`, so failures raise the same
        exceptions, with the same meaning, as every other call.
        """
        session = self._session
        client = await session.create_session()
        url = session.api.api_url(token=self._bot.token, method="sendMessage")
        body = json.dumps(params, ensure_ascii=False).encode()
        try:
            async with client.post(
                url,
                data=body,
                headers=_JSON_BODY,
                timeout=ClientTimeout(total=session.timeout),
            ) as response:
                status, content = response.status, await response.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(
                method=SendMessage.model_validate(params), message="Request timeout error"
            ) from exc
        except ClientError as exc:
            raise TelegramNetworkError(
                method=SendMessage.model_validate(params), message=f"{type(exc).__name__}: {exc}"
            ) from exc
        if status == 200:
            try:
                return str(json.loads(content)["result"]["message_id"])
            except (ValueError, LookupError, TypeError):
                pass
        # Raises for anything but a success (an undecodable answer included).
        answer = session.check_response(
            bot=self._bot,
            method=SendMessage.model_validate(params),
            status_code=status,
            content=content,
        )
        if answer.result is None:
            raise ClientDecodeError("no message in the answer", ValueError(), content)
        return str(answer.result.message_id)

    async def _edit(self, chat_id: str, message: Outgoing) -> str | None:
        """Edit the earlier message in place; None when it must be sent anew instead."""
        target = message.edit_message_id or ""
        parts = text_parts(message)
        if not target.isdigit() or len(parts) != 1 or message.attachments:
            return None
        try:
            await self._bot.edit_message_text(
                chat_id=chat_id,
                message_id=int(target),
                text=parts[0],
                parse_mode="HTML",
                reply_markup=keyboard(message.buttons),
            )
        except TelegramBadRequest as exc:
            reason = exc.message.lower()
            if "message is not modified" in reason:
                return target
            if "message to edit not found" in reason or "can't be edited" in reason:
                log.info("message %s in chat %s cannot be edited; sending anew", target, chat_id)
                return None
            raise
        return target

    def _remember(self, key: tuple[str, str], done: dict[int, str]) -> None:
        self._progress[key] = done
        while len(self._progress) > _PROGRESS_MEMORY:
            self._progress.popitem(last=False)


def _attachment_part(attachment: Attachment) -> _Part:
    caption = attachment.caption.strip() if attachment.caption else ""
    if utf16_len(caption) > CAPTION_LIMIT:
        fits = fitting_prefix(caption, limit=CAPTION_LIMIT - 1, units=utf16_units)
        caption = caption[:fits] + "…"
    kind = "photo" if attachment.kind == "photo" else "document"
    # The file itself when it is here: Telegram fetches a document by URL only if it is a
    # GIF, PDF or ZIP (not a spreadsheet), and a signed link expires. The URL otherwise.
    here = bool(attachment.path) and Path(attachment.path).is_file()
    location = attachment.path if here else attachment.public_url or attachment.path
    return _Part(kind, escape(caption) or None, location)


def _input_file(location: str) -> FSInputFile | str:
    if location.startswith(("http://", "https://")):
        return location
    path = Path(location)
    if not path.is_file():
        raise FileNotFoundError(f"attachment {path.name} is missing")
    return FSInputFile(path)


def _digest(parts: Iterable[_Part]) -> str:
    text = "\x1f".join(f"{p.kind}:{p.path or ''}:{p.body or ''}" for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()


# Receiving ---------------------------------------------------------------------------------


def incoming_from_message(message: Message, *, at: datetime) -> Incoming:
    """A Telegram message as the conversation sees it."""
    user = message.from_user
    name = user.full_name if user else (message.chat.title or None)
    reply_to = message.reply_to_message
    return Incoming(
        channel=CHANNEL,
        chat_id=str(message.chat.id),
        at=at,
        text=message.text if message.text is not None else message.caption,
        message_id=str(message.message_id),
        sender_name=name,
        reply_to_message_id=str(reply_to.message_id) if reply_to else None,
        language=user.language_code if user else None,
        is_private=message.chat.type == "private",
    )


def incoming_from_button(query: CallbackQuery, *, at: datetime) -> Incoming | None:
    """A button press as the conversation sees it (None when it has no chat to answer in)."""
    if query.message is None:
        return None
    chat = query.message.chat
    return Incoming(
        channel=CHANNEL,
        chat_id=str(chat.id),
        at=at,
        # The callback id is unique per press, so a redelivered press is recognised.
        message_id=f"cb{query.id}",
        sender_name=query.from_user.full_name,
        reply_to_message_id=str(query.message.message_id),
        button=query.data,
        language=query.from_user.language_code,
        is_private=chat.type == "private",
    )


class ChatLocks:
    """One lock per chat, so one chat's updates are handled one at a time, in order."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat_id: str) -> AsyncIterator[None]:
        """Hold the chat's lock (the entry is dropped when nobody waits for it)."""
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


def setup_router() -> Router:
    """The handlers: every message and every button press goes to the conversation."""
    router = Router(name="telegram")

    @router.message()
    async def on_message(
        message: Message, conversation: ConversationPort, clock: Clock, chat_locks: ChatLocks
    ) -> None:
        incoming = incoming_from_message(message, at=clock())
        async with chat_locks.hold(incoming.chat_id):
            await conversation.handle(incoming)

    @router.callback_query()
    async def on_button(
        query: CallbackQuery, conversation: ConversationPort, clock: Clock, chat_locks: ChatLocks
    ) -> None:
        # Stop the button's spinner at once; the answer itself arrives as a message.
        try:
            await query.answer()
        except TelegramAPIError as exc:
            log.info("could not answer callback query %s: %s", query.id, exc)
        incoming = incoming_from_button(query, at=clock())
        if incoming is None:
            return
        async with chat_locks.hold(incoming.chat_id):
            await conversation.handle(incoming)

    return router


def setup_dispatcher(*, conversation: ConversationPort, clock: Clock) -> Dispatcher:
    """The aiogram Dispatcher production runs and tests drive."""
    dispatcher = Dispatcher(conversation=conversation, clock=clock, chat_locks=ChatLocks())
    dispatcher.include_router(setup_router())
    return dispatcher


# Command menus -----------------------------------------------------------------------------


_READERS = frozenset({Role.COORDINATOR, Role.LEADER, Role.ADMIN})


def menu_for(role: Role, locale: str) -> list[BotCommand]:
    """The command menu a person of this role sees, in their language (views.commands)."""
    return [
        BotCommand(command=command, description=description)
        for command, description in menu(role, locale, gettext_for(locale))
    ]


async def set_commands(bot: Bot, *, sessions: Sessions, default_locale: str) -> int:
    """Publish the menus: officers' by language, and each coordinator's and leader's own.

    Returns how many chats got a role menu. This covers everyone registered before the start;
    later, a registration, a /lang and a /revoke change that chat's menu through the outbox.
    """
    await bot.set_my_commands(
        menu_for(Role.OFFICER, default_locale), scope=BotCommandScopeDefault()
    )
    for locale in LOCALES:
        await bot.set_my_commands(
            menu_for(Role.OFFICER, locale), scope=BotCommandScopeDefault(), language_code=locale
        )
    async with sessions() as session:
        rows = (
            await session.exec(
                select(ChatIdentity.chat_id, Person.role, Person.locale)
                .join(Person, col(Person.id) == col(ChatIdentity.person_id))
                .where(
                    ChatIdentity.channel == CHANNEL,
                    col(Person.active).is_(True),
                    col(Person.role).in_([r.value for r in _READERS]),
                )
            )
        ).all()
    for chat_id, role, locale in rows:
        if not chat_id.lstrip("-").isdigit():
            continue
        try:
            await bot.set_my_commands(
                menu_for(Role(role), locale), scope=BotCommandScopeChat(chat_id=int(chat_id))
            )
        except TelegramAPIError as exc:
            log.warning("could not set the command menu of chat %s: %s", chat_id, exc)
    return len(rows)


# Running -----------------------------------------------------------------------------------


def webhook_url(public: str | None) -> str | None:
    """The URL Telegram posts to: DONDOC_TELEGRAM_WEBHOOK_URL, with /telegram/webhook added."""
    if not public:
        return None
    public = public.rstrip("/")
    return public if public.endswith(WEBHOOK_PATH) else public + WEBHOOK_PATH


class TelegramRuntime:
    """The running Telegram channel: its bot, dispatcher and sender, in polling or webhook mode."""

    def __init__(
        self,
        *,
        bot: Bot,
        dispatcher: Dispatcher,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        polling_timeout: int = 25,
        retry_base: float = 2.0,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.sender = TelegramSender(bot)
        self.webhook_url = webhook_url
        self._secret = (webhook_secret or "").encode()
        self._polling_timeout = polling_timeout
        self._retry_base = retry_base
        self._poll_task: asyncio.Task[None] | None = None
        self._feeding = False
        self._stopping = False

    @property
    def mode(self) -> str:
        """ "webhook" or "polling"."""
        return "webhook" if self.webhook_url else "polling"

    def route(self, http: HttpServer) -> None:
        """Serve the webhook on the HTTP server (webhook mode only)."""
        if self.webhook_url:
            http.add_route("POST", WEBHOOK_PATH, self.handle_webhook)

    async def start(self) -> None:
        """Check the token, then register the webhook, or drop it and start polling."""
        me = await self.bot.get_me()
        log.info("Telegram bot @%s starts in %s mode", me.username, self.mode)
        if self.webhook_url:
            await self.bot.set_webhook(
                url=self.webhook_url,
                secret_token=self._secret.decode(),
                allowed_updates=ALLOWED_UPDATES,
            )
            return
        await self.bot.delete_webhook(drop_pending_updates=False)
        self._stopping = False
        self._poll_task = asyncio.create_task(self._poll(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop polling after the update in hand, and close the HTTP session."""
        self._stopping = True
        if self._poll_task is not None:
            if not self._feeding:
                self._poll_task.cancel()
            await asyncio.gather(self._poll_task, return_exceptions=True)
            self._poll_task = None
        await self.bot.session.close()

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """One webhook request: refuse a wrong secret, else handle the update, then answer 200."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not self._secret or not hmac.compare_digest(given, self._secret):
            log.warning("webhook request from %s with a wrong secret refused", request.remote)
            return web.json_response({"ok": False}, status=401)
        try:
            update = Update.model_validate(await request.json(), context={"bot": self.bot})
        except (ValueError, ValidationError) as exc:
            log.warning("webhook request with an unreadable update refused: %s", exc)
            return web.json_response({"ok": False}, status=400)
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except Exception:
            # Telegram redelivers on a non-2xx answer: nothing the store did not keep is lost.
            log.exception("update %s failed; Telegram will deliver it again", update.update_id)
            return web.json_response({"ok": False}, status=500)
        return web.json_response({"ok": True})

    async def _poll(self) -> None:
        request = GetUpdates(timeout=self._polling_timeout, allowed_updates=ALLOWED_UPDATES)
        failures = 0
        while not self._stopping:
            try:
                updates = await self.bot(request, request_timeout=self._polling_timeout + 30)
            except TelegramUnauthorizedError:
                log.error("Telegram rejected the bot token; polling stops")
                raise
            except (TelegramAPIError, ClientDecodeError) as exc:
                failures += 1
                delay = min(60.0, self._retry_base * 2.0 ** (failures - 1))
                log.warning("getUpdates failed (%s); polling again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            for update in updates:
                self._feeding = True
                try:
                    await self._feed(update)
                finally:
                    self._feeding = False
                # Confirmed to Telegram by the next getUpdates, after it was handled.
                request.offset = update.update_id + 1
                if self._stopping:
                    return

    async def _feed(self, update: Update) -> None:
        for attempt in range(1, _HANDLE_TRIES + 1):
            started = time.monotonic()
            try:
                await self.dispatcher.feed_update(self.bot, update)
                return
            except Exception:
                log.exception(
                    "update %s failed (try %d of %d, %.0f ms)",
                    update.update_id,
                    attempt,
                    _HANDLE_TRIES,
                    (time.monotonic() - started) * 1000,
                )
                if attempt < _HANDLE_TRIES:
                    await asyncio.sleep(min(30.0, self._retry_base * 2.0 ** (attempt - 1)))
        log.error("update %s skipped after %d failed tries", update.update_id, _HANDLE_TRIES)


async def start_telegram(
    app: App,
    conversation: ConversationPort,
    http: HttpServer,
) -> TelegramRuntime:
    """Build the Telegram channel from the app's settings, publish its menus and start it.

    Webhook mode when DONDOC_TELEGRAM_WEBHOOK_URL is set (the route is added to `http`, and
    DONDOC_TELEGRAM_WEBHOOK_SECRET is required); polling otherwise. Call it before `http.start()`
    or after, either works. Give `runtime.sender` to the
    outbox dispatcher and call `runtime.stop()` on shutdown.
    """
    settings = app.settings
    if settings.telegram_webhook_url and settings.telegram_webhook_secret is None:
        raise ValueError("DONDOC_TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
    bot = make_bot(settings)
    runtime = TelegramRuntime(
        bot=bot,
        dispatcher=setup_dispatcher(conversation=conversation, clock=app.clock),
        webhook_url=webhook_url(settings.telegram_webhook_url),
        webhook_secret=settings.telegram_webhook_secret.get_secret_value()
        if settings.telegram_webhook_secret
        else None,
    )
    # Routed before setWebhook: Telegram may post the first update at once.
    runtime.route(http)
    try:
        await set_commands(bot, sessions=app.sessions, default_locale=settings.default_locale)
        await runtime.start()
    except BaseException:
        # A refused token or an unreachable API: close the session this function opened.
        await bot.session.close()
        raise
    return runtime
