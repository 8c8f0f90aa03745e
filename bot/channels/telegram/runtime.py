"""Telegram in `dondoc run`: polling or webhook mode, and `start_telegram`."""

import asyncio
import hmac
import logging
import time

from aiogram import Bot, Dispatcher
from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramUnauthorizedError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.channels.base import ChannelHost, ConversationPort
from bot.http import BadBody, HttpServer, read_json

from .client import make_bot
from .files import TelegramFiles
from .inbound import setup_dispatcher
from .menus import set_commands
from .sender import TelegramSender

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
_HANDLE_TRIES = 5


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
        # What the conversation fetches the files people send through (bootstrap wires it).
        self.files = TelegramFiles(bot)
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
            update = Update.model_validate(await read_json(request), context={"bot": self.bot})
        except (BadBody, ValidationError) as exc:
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
    app: ChannelHost,
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
