"""The Zalo webhook: Zalo POSTs each update with the secret in `X-Bot-Api-Secret-Token`.

The update is stored before the 200 answer and handled after it: Zalo documents no retry of
a webhook call that failed, so an update is never left to a redelivery (services.inbox).
"""

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.http import BadBody, read_json

from .inbound import ZaloInbound
from .updates import BadUpdate

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/zalo/webhook"


def webhook_path(index: int, bot_key: str) -> str:
    """The path of a bot's webhook: the first bot's is WEBHOOK_PATH, the others' below it."""
    return WEBHOOK_PATH if index == 0 else f"{WEBHOOK_PATH}/{bot_key}"


def zalo_webhook_handler(
    *, secret: str, inbound: ZaloInbound
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler that refuses (401) any request without the right secret."""
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("zalo webhook refused a request from %s: wrong secret", request.remote)
            return web.json_response({"ok": False, "description": "Unauthorized"}, status=401)
        try:
            body = await read_json(request)
        except BadBody:
            log.warning("zalo webhook got a body that is not JSON")
            return web.json_response({"ok": False, "description": "Bad JSON"}, status=400)
        try:
            stored = await inbound.receive(body)
        except BadUpdate as exc:
            log.warning("zalo webhook got an unreadable update: %s", exc)
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        except Exception:
            # Not stored: whether Zalo tries again after an error status is not documented.
            log.exception("zalo webhook could not store an update")
            return web.json_response({"ok": False, "description": "Try again"}, status=500)
        if stored is not None:
            inbound.handle_soon(stored)
        return web.json_response({"ok": True})

    return handle
