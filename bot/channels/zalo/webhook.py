"""The Zalo webhook: Zalo POSTs each update with the secret in `X-Bot-Api-Secret-Token`."""

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from .inbound import ZaloInbound
from .updates import BadUpdate

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/zalo/webhook"


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
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning("zalo webhook got a body that is not JSON")
            return web.json_response({"ok": False, "description": "Bad JSON"}, status=400)
        try:
            await inbound.process(body)
        except BadUpdate as exc:
            log.warning("zalo webhook got an unreadable update: %s", exc)
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        except Exception:
            # Zalo delivers again after an error status, so nothing is lost.
            log.exception("zalo webhook failed to handle an update")
            return web.json_response({"ok": False, "description": "Try again"}, status=500)
        return web.json_response({"ok": True})

    return handle
