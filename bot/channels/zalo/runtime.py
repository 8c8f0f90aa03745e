"""Zalo in `dondoc run`: for each configured bot, check its token, then serve its webhook or
start polling; retry the updates whose handling failed."""

import asyncio
import contextlib
import logging
from collections.abc import Callable

import httpx

from bot.channels.base import ChannelHost, ConversationPort
from bot.http import HttpServer
from bot.settings import ZaloBot
from services.quotas import PlanLimits

from .client import ZaloClient
from .inbound import ZaloInbound
from .polling import ZaloPoller
from .sender import ZaloSender
from .webhook import webhook_path, zalo_webhook_handler

log = logging.getLogger(__name__)

# How often stored updates whose handling failed are tried again (each waits its backoff).
RETRY_EVERY = 15.0


class ZaloRuntime:
    """One running Zalo bot: give `sender` to the dispatcher, `await stop()` on shutdown."""

    def __init__(
        self,
        *,
        client: ZaloClient,
        sender: ZaloSender,
        inbound: ZaloInbound,
        mode: str,
        retry_every: float = RETRY_EVERY,
    ) -> None:
        self.client = client
        self.sender = sender
        self.inbound = inbound
        self.mode = mode
        self._stop = asyncio.Event()
        self._polling: asyncio.Task[None] | None = None
        self._retrying = asyncio.create_task(self._retry(retry_every), name="zalo-retry")

    def start_polling(self, poller: ZaloPoller) -> None:
        """Run the poller in the background until `stop()`."""
        self._polling = asyncio.create_task(poller.run(self._stop), name="zalo-polling")

    async def _retry(self, every: float) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=every)
            if self._stop.is_set():
                return
            try:
                await self.inbound.retry_due()
            except Exception:
                log.exception("zalo: retrying stored updates failed; trying again later")

    async def stop(self, *, grace: float = 40.0) -> None:
        """Stop: a poll in flight gets `grace` seconds to finish, so its update is not lost."""
        self._stop.set()
        if self._polling is not None:
            await asyncio.wait({self._polling}, timeout=grace)
            if not self._polling.done():
                self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        await asyncio.gather(self._retrying, return_exceptions=True)
        # Updates already stored and being handled finish; any left are retried next start.
        await self.inbound.settled()
        await self.client.aclose()


async def start_zalo(
    app: ChannelHost,
    conversation: ConversationPort,
    http: HttpServer,
    *,
    bot: ZaloBot | None = None,
    index: int = 0,
    wake: Callable[[], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ZaloRuntime:
    """Start one Zalo bot (the first configured by default): webhook mode when
    DONDOC_ZALO_WEBHOOK_SECRET is set, else polling.

    In webhook mode the bot's path (`/zalo/webhook`, `/zalo/webhook/<bot id>` for the further
    bots) is added to `http` (before or after it starts) and, when DONDOC_ZALO_WEBHOOK_URL is
    set, registered with Zalo by setWebhook; otherwise set the same URL and secret in the
    Zalo Bot dashboard. `wake` is called after an answer of the channel's own is queued
    (pass the dispatcher's wake).
    """
    settings = app.settings
    bots = settings.zalo_bots
    if not bots:
        raise ValueError("DONDOC_ZALO_TOKEN is not set")
    bot = bot or bots[index]
    client = ZaloClient(
        token=bot.token.get_secret_value(), api_base=settings.zalo_api_base, transport=transport
    )
    runtime: ZaloRuntime | None = None
    try:
        me = await client.get_me()
        inbound = ZaloInbound(
            conversation=conversation,
            sessions=app.sessions,
            clock=app.clock,
            default_locale=settings.default_locale,
            channel=bot.channel,
            wake=wake,
        )
        sender = ZaloSender(
            client,
            channel=bot.channel,
            bot=bot.name,
            default_locale=settings.default_locale,
            sessions=app.sessions,
            clock=app.clock,
            plan=PlanLimits(users=settings.zalo_plan_users, messages=settings.zalo_plan_messages),
        )
        secret = settings.zalo_webhook_secret
        runtime = ZaloRuntime(
            client=client,
            sender=sender,
            inbound=inbound,
            mode="polling" if secret is None else "webhook",
        )
        if secret is None:
            runtime.start_polling(ZaloPoller(client=client, inbound=inbound))
        else:
            path = webhook_path(index, bot.key)
            handler = zalo_webhook_handler(secret=secret.get_secret_value(), inbound=inbound)
            http.add_route("POST", path, handler)
            if settings.zalo_webhook_url:
                await client.set_webhook(
                    url=_bot_url(settings.zalo_webhook_url, index, bot.key),
                    secret_token=secret.get_secret_value(),
                )
    except BaseException:
        if runtime is not None:
            await runtime.stop()
        else:
            await client.aclose()
        raise
    log.info(
        "Zalo bot %s (%s, channel %s) starts in %s mode",
        bot.name,
        me.account_name or me.id,
        bot.channel,
        runtime.mode,
    )
    return runtime


def _bot_url(configured: str, index: int, bot_key: str) -> str:
    """The public URL of a bot's webhook: DONDOC_ZALO_WEBHOOK_URL for the first bot, and
    below it, like the path, for the others."""
    return configured if index == 0 else f"{configured.rstrip('/')}/{bot_key}"
