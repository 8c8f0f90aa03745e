"""Polling mode (for development): long-poll getUpdates and hand each update on.

getUpdates has no offset: an update is gone once a call returned it, and a consumed update may
be served again at once. So each update is stored (services.inbox) before it is handled, a
failed handling is retried from the store, and polls start at least `min_interval` apart.
getUpdates does not work while a webhook is set: the poller deletes it first, and polls even if
that fails (the failure is logged and the deletion tried again after a failed poll).
"""

import asyncio
import contextlib
import logging

from .client import ZaloApiError, ZaloClient, ZaloError
from .inbound import ZaloInbound
from .updates import BadUpdate

log = logging.getLogger(__name__)

# The shortest time between the starts of two polls.
MIN_INTERVAL = 1.0


class ZaloPoller:
    """Runs getUpdates in a loop until stopped; errors back off and are logged, never raised."""

    def __init__(
        self,
        *,
        client: ZaloClient,
        inbound: ZaloInbound,
        poll_timeout: int = 25,
        max_backoff: float = 60.0,
        min_interval: float = MIN_INTERVAL,
    ) -> None:
        self._client = client
        self._inbound = inbound
        self._poll_timeout = poll_timeout
        self._max_backoff = max_backoff
        self._min_interval = min_interval

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; a poll in flight is finished so its update is not lost."""
        loop = asyncio.get_running_loop()
        failures = 0
        webhook_deleted = False
        last_poll = -self._min_interval
        while not stop.is_set():
            if not webhook_deleted:
                webhook_deleted = await self._delete_webhook()
            await _sleep(stop, last_poll + self._min_interval - loop.time())
            if stop.is_set():
                break
            last_poll = loop.time()
            try:
                update = await self._client.get_updates(timeout=self._poll_timeout)
            except ZaloError as exc:
                failures += 1
                # A webhook set meanwhile (or never deleted) makes polls fail: delete it again.
                webhook_deleted = False
                delay = min(self._max_backoff, 2.0 ** min(failures, 10))
                if isinstance(exc, ZaloApiError) and exc.code == 401:
                    log.error("Zalo rejected the bot token; check DONDOC_ZALO_TOKEN")
                log.warning("zalo polling failed (%s); trying again in %.0f s", exc, delay)
                await _sleep(stop, delay)
                continue
            failures = 0
            if update is not None:
                await self._hand_on(update)

    async def _delete_webhook(self) -> bool:
        try:
            await self._client.delete_webhook()
        except ZaloError as exc:
            log.warning("zalo deleteWebhook failed (%s); polling anyway", exc)
            return False
        return True

    async def _hand_on(self, update: dict[str, object]) -> None:
        try:
            stored = await self._inbound.receive(update)
        except BadUpdate as exc:
            log.warning("zalo sent an unreadable update: %s", exc)
            return
        except Exception:
            log.exception("zalo update could not be stored and is lost: %r", update)
            return
        if stored is not None:
            await self._inbound.handle(stored)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    if seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
