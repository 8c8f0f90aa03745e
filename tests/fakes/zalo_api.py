"""A fake Zalo Bot Platform API on 127.0.0.1 for behaviour tests.

It serves `POST /bot<TOKEN>/<method>` like the real one (getMe, getUpdates, setWebhook,
deleteWebhook, getWebhookInfo, sendMessage, sendPhoto, sendChatAction), records every
call in order, and can be told to misbehave: `ok: false` answers, error statuses, slow
answers. Its own errors follow the Zalo Bot Platform's published table ("Bảng mã lỗi":
400 bad request, 401 unauthorized, 403 internal server error, 404 not found, 408 request
timeout, 429 quota exceeded); there is no "blocked by the user" error and no published rate
limit. `quota` models the plan's message quota: once that many messages went out, sends
answer 429 "Quota exceeded" until `quota` is raised again. Updates pushed with
`push_update` come out of getUpdates (one per call, 408 "Request timeout" when the long poll
ends empty) or, after setWebhook, are posted to the webhook with its secret.
"""

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

TOKEN = "1234567890:fake-zalo-token-DO-NOT-LEAK"
MAX_TEXT = 2000


@dataclass
class Call:
    """One request the fake received, and what it answered."""

    method: str
    payload: dict[str, Any]
    status: int = 200
    ok: bool = True
    result: Any = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """A programmed misbehaviour for the next call of one method.

    After `delay` seconds the fake answers `status` with an `ok: false` body (or with
    `body` as raw text); status 0 means "then answer normally" (a slow success).
    """

    status: int = 200
    error_code: int | None = None
    description: str = "fault"
    retry_after: float | None = None
    delay: float = 0.0
    body: str | None = None


_ids = itertools.count(1)


def text_update(
    chat_id: str,
    text: str,
    *,
    message_id: str | None = None,
    display_name: str = "Nguyễn Văn An",
    chat_type: str = "PRIVATE",
    date_ms: int = 1_700_000_000_000,
) -> dict[str, Any]:
    """A `message.text.received` update as Zalo sends it."""
    return {
        "ok": True,
        "result": {
            "event_name": "message.text.received",
            "message": {
                "message_id": message_id or f"in{next(_ids):08x}",
                "date": date_ms,
                "from": {"id": chat_id, "display_name": display_name, "is_bot": False},
                "chat": {"id": chat_id, "chat_type": chat_type},
                "text": text,
            },
        },
    }


def event_update(
    chat_id: str, event_name: str, *, message_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Any other event (image, sticker, unsupported) from a chat."""
    return {
        "ok": True,
        "result": {
            "event_name": event_name,
            "message": {
                "message_id": message_id or f"in{next(_ids):08x}",
                "date": 1_700_000_000_000,
                "from": {"id": chat_id, "display_name": "Nguyễn Văn An"},
                "chat": {"id": chat_id, "chat_type": "PRIVATE"},
                **extra,
            },
        },
    }


class FakeZaloApi:
    """The fake server; use as `async with FakeZaloApi() as api:` and point a client at api.url."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        long_poll_cap: float = 0.3,
        bot_id: str = "1459232241454765289",
        account_name: str = "bot.DonDoc",
    ) -> None:
        self.token = token
        self.long_poll_cap = long_poll_cap
        self.bot_id = bot_id
        self.account_name = account_name
        self.calls: list[Call] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        # Messages the plan still allows this month (None: no limit).
        self.quota: int | None = None
        self._faults: dict[str, deque[Fault]] = {}
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        # Further bots served at the same address, each a fake of its own, by token.
        self._bots: dict[str, FakeZaloApi] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The base URL to give the client (DONDOC_ZALO_API_BASE)."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- programming the fake -------------------------------------------------

    def another_bot(self, *, token: str, bot_id: str, account_name: str) -> "FakeZaloApi":
        """A second bot at the same address (Zalo serves every bot at one base URL): requests
        with its token are its own, with their own calls, webhook, quota and faults."""
        bot = FakeZaloApi(
            token=token,
            long_poll_cap=self.long_poll_cap,
            bot_id=bot_id,
            account_name=account_name,
        )
        bot.port = self.port
        self._bots[token] = bot
        return bot

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for the next getUpdates call."""
        self._updates.put_nowait(update)

    def fail(self, method: str, *, times: int = 1, skip: int = 0, **fault: Any) -> None:
        """After `skip` normal answers, make the next `times` calls of `method` fail so."""
        queue = self._faults.setdefault(method, deque())
        queue.extend(Fault(status=0) for _ in range(skip))
        queue.extend(Fault(**fault) for _ in range(times))

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Make the next `times` calls of `method` answer (successfully) after a delay."""
        self.fail(method, times=times, delay=seconds, status=0)

    async def deliver(
        self, update: dict[str, Any], *, secret: str | None = None, headers: bool = True
    ) -> int:
        """POST an update to the registered webhook as Zalo does; return the HTTP status."""
        sent_headers = {}
        if headers:
            sent_headers["X-Bot-Api-Secret-Token"] = (
                self.webhook_secret if secret is None else secret
            )
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook_url, json=update, headers=sent_headers) as response,
        ):
            await response.read()
            return response.status

    # -- what happened ----------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = True) -> list[Call]:
        """Calls of one method (by default the successful ones), in order."""
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def texts(self, chat_id: str | None = None) -> list[str]:
        """Texts successfully sent with sendMessage, optionally to one chat."""
        return [
            c.payload["text"]
            for c in self.calls_to("sendMessage")
            if chat_id is None or c.payload.get("chat_id") == chat_id
        ]

    # -- the API ----------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        other = self._bots.get(request.match_info["token"])
        if other is not None:
            return await other._handle(request)
        method = request.match_info["method"]
        raw = await request.read()
        try:
            payload = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            payload = {"_raw": raw.decode("utf-8", "replace")}
        call = Call(method=method, payload=payload if isinstance(payload, dict) else {})
        self.calls.append(call)
        if request.match_info["token"] != self.token:
            return self._error(call, 401, 401, "Unauthorized")
        queue = self._faults.get(method)
        if queue:
            fault = queue.popleft()
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status:
                return self._fault(call, fault)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(call, 404, 404, "Method not found")
        result: web.Response = await handler(call)
        return result

    def _ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def _error(
        self,
        call: Call,
        status: int,
        error_code: int | None,
        description: str,
        *,
        retry_after: float | None = None,
    ) -> web.Response:
        call.status, call.ok = status, False
        body: dict[str, Any] = {"ok": False, "description": description}
        if error_code is not None:
            body["error_code"] = error_code
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    def _fault(self, call: Call, fault: Fault) -> web.Response:
        if fault.body is not None:
            call.status, call.ok = fault.status, False
            return web.Response(status=fault.status, text=fault.body)
        return self._error(
            call, fault.status, fault.error_code, fault.description, retry_after=fault.retry_after
        )

    def _sent(self, call: Call) -> web.Response:
        if self.quota is not None:
            if self.quota <= 0:
                return self._error(
                    call, 429, 429, "Quota exceeded - Vượt quá giới hạn sử dụng API cho phép"
                )
            self.quota -= 1
        call.result = {"message_id": f"out{next(_ids):08x}", "date": int(time.time() * 1000)}
        return self._ok(call.result)

    async def _m_getMe(self, call: Call) -> web.Response:
        return self._ok(
            {
                "id": self.bot_id,
                "account_name": self.account_name,
                "account_type": "BASIC",
                "can_join_groups": False,
            }
        )

    async def _m_getUpdates(self, call: Call) -> web.Response:
        if self.webhook_url:
            return self._error(call, 400, 400, "Webhook is active; delete it to use getUpdates")
        try:
            wait = min(float(call.payload.get("timeout", 30)), self.long_poll_cap)
        except (TypeError, ValueError):
            return self._error(call, 400, 400, "Bad timeout")
        try:
            update = await asyncio.wait_for(self._updates.get(), timeout=wait)
        except TimeoutError:
            return self._error(call, 408, 408, "Request timeout")
        result = update.get("result", update) if update.get("ok") is True else update
        return self._ok(result)

    async def _m_setWebhook(self, call: Call) -> web.Response:
        url, secret = call.payload.get("url"), call.payload.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return self._error(call, 400, 400, "Bad webhook url")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return self._error(call, 400, 400, "secret_token must be 8-256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        return self._ok({"url": url, "updated_at": int(time.time() * 1000)})

    async def _m_deleteWebhook(self, call: Call) -> web.Response:
        self.webhook_url, self.webhook_secret = "", ""
        return self._ok({"url": "", "updated_at": int(time.time() * 1000)})

    async def _m_getWebhookInfo(self, call: Call) -> web.Response:
        return self._ok({"url": self.webhook_url, "updated_at": int(time.time() * 1000)})

    async def _m_sendMessage(self, call: Call) -> web.Response:
        chat_id, text = call.payload.get("chat_id"), call.payload.get("text")
        if not isinstance(chat_id, str) or not chat_id:
            return self._error(call, 400, 400, "chat_id is required")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            return self._error(call, 400, 400, "text must be 1-2000 characters")
        return self._sent(call)

    async def _m_sendPhoto(self, call: Call) -> web.Response:
        chat_id, photo = call.payload.get("chat_id"), call.payload.get("photo")
        caption = call.payload.get("caption")
        if not isinstance(chat_id, str) or not chat_id:
            return self._error(call, 400, 400, "chat_id is required")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            return self._error(call, 400, 400, "photo must be a URL")
        if caption is not None and (not isinstance(caption, str) or len(caption) > MAX_TEXT):
            return self._error(call, 400, 400, "caption must be at most 2000 characters")
        return self._sent(call)

    async def _m_sendChatAction(self, call: Call) -> web.Response:
        if call.payload.get("action") not in ("typing", "upload_photo"):
            return self._error(call, 400, 400, "Unknown action")
        return web.json_response({"ok": True})


async def serve() -> None:
    """Run the fake alone (for benchmarks): prints its base URL, serves until killed."""
    async with FakeZaloApi() as api:
        print(api.url, flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
