"""Polling mode (for development): long-poll getUpdates and hand each update on."""

import asyncio
import contextlib
import logging

from .client import ZaloApiError, ZaloClient, ZaloError
from .inbound import ZaloInbound
from .updates import BadUpdate

log = logging.getLogger(__name__)

# getUpdates has no offset: an update is gone once it was returned, so a failure to
# handle it is retried here a few times before it is logged as lost.
_HANDLE_TRIES = 3


class ZaloPoller:
    """Runs getUpdates in a loop until stopped; errors back off and are logged, never raised."""

    def __init__(
        self,
        *,
        client: ZaloClient,
        inbound: ZaloInbound,
        poll_timeout: int = 25,
        max_backoff: float = 60.0,
    ) -> None:
        self._client = client
        self._inbound = inbound
        self._poll_timeout = poll_timeout
        self._max_backoff = max_backoff

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; a poll in flight is finished so its update is not lost."""
        failures = 0
        webhook_deleted = False
        while not stop.is_set():
            try:
                if not webhook_deleted:
                    # getUpdates does not work while a webhook is set.
                    await self._client.delete_webhook()
                    webhook_deleted = True
                update = await self._client.get_updates(timeout=self._poll_timeout)
            except ZaloError as exc:
                failures += 1
                delay = min(self._max_backoff, 2.0 ** min(failures, 10))
                if isinstance(exc, ZaloApiError) and exc.code == 401:
                    log.error("Zalo rejected the bot token; check DONDOC_ZALO_TOKEN")
                log.warning("zalo polling failed (%s); trying again in %.0f s", exc, delay)
                await _sleep(stop, delay)
                continue
            failures = 0
            if update is not None:
                await self._hand_on(update)

    async def _hand_on(self, update: dict[str, object]) -> None:
        for attempt in range(1, _HANDLE_TRIES + 1):
            try:
                await self._inbound.process(update)
                return
            except BadUpdate as exc:
                log.warning("zalo sent an unreadable update: %s", exc)
                return
            except Exception:
                if attempt == _HANDLE_TRIES:
                    log.exception("zalo update could not be handled and is lost: %r", update)
                    return
                log.warning("zalo update failed (attempt %d); trying again", attempt)
                await asyncio.sleep(0.5 * attempt)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
