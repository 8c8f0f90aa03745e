"""Zalo in `dondoc run`: check the token, then serve the webhook or start polling."""

import asyncio
import contextlib
import logging
from collections.abc import Callable

import httpx

from bot.channels.base import ChannelHost, ConversationPort
from bot.http import HttpServer

from .client import ZaloClient
from .inbound import ZaloInbound
from .polling import ZaloPoller
from .sender import ZaloSender
from .webhook import WEBHOOK_PATH, zalo_webhook_handler

log = logging.getLogger(__name__)


class ZaloRuntime:
    """The running Zalo channel: give `sender` to the dispatcher, `await stop()` on shutdown."""

    def __init__(
        self, *, client: ZaloClient, sender: ZaloSender, inbound: ZaloInbound, mode: str
    ) -> None:
        self.client = client
        self.sender = sender
        self.inbound = inbound
        self.mode = mode
        self._stop = asyncio.Event()
        self._polling: asyncio.Task[None] | None = None

    def start_polling(self, poller: ZaloPoller) -> None:
        """Run the poller in the background until `stop()`."""
        self._polling = asyncio.create_task(poller.run(self._stop), name="zalo-polling")

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
        await self.client.aclose()


async def start_zalo(
    app: ChannelHost,
    conversation: ConversationPort,
    http: HttpServer,
    *,
    wake: Callable[[], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ZaloRuntime:
    """Start the Zalo channel: webhook mode when DONDOC_ZALO_WEBHOOK_SECRET is set, else polling.

    In webhook mode `/zalo/webhook` is added to `http` (before or after it starts) and, when
    DONDOC_ZALO_WEBHOOK_URL is set, registered with Zalo by setWebhook; otherwise set the
    same URL and secret in the Zalo Bot dashboard. `wake` is called after a "text only"
    answer is queued (pass the dispatcher's wake).
    """
    settings = app.settings
    if settings.zalo_token is None:
        raise ValueError("DONDOC_ZALO_TOKEN is not set")
    client = ZaloClient(
        token=settings.zalo_token.get_secret_value(),
        api_base=settings.zalo_api_base,
        transport=transport,
    )
    try:
        me = await client.get_me()
        inbound = ZaloInbound(
            conversation=conversation,
            sessions=app.sessions,
            clock=app.clock,
            default_locale=settings.default_locale,
            wake=wake,
        )
        sender = ZaloSender(client, default_locale=settings.default_locale, sessions=app.sessions)
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
            handler = zalo_webhook_handler(secret=secret.get_secret_value(), inbound=inbound)
            http.add_route("POST", WEBHOOK_PATH, handler)
            if settings.zalo_webhook_url:
                await client.set_webhook(
                    url=settings.zalo_webhook_url, secret_token=secret.get_secret_value()
                )
    except BaseException:
        await client.aclose()
        raise
    log.info("Zalo bot %s starts in %s mode", me.account_name or me.id, runtime.mode)
    return runtime
