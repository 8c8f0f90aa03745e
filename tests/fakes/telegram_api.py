"""A fake Telegram Bot API server on 127.0.0.1, for tests and benchmarks.

It speaks enough of https://core.telegram.org/bots/api for the real aiogram client: getMe,
getUpdates (long polling over a queue the test feeds), sendMessage, editMessageText,
answerCallbackQuery, sendPhoto and sendDocument (multipart), setMyCommands, getMyCommands,
deleteMyCommands, setWebhook, deleteWebhook, getWebhookInfo, and getFile with the download path
/file/bot<token>/<file_path> (files a test sends with `document_update`; over 20 MB getFile
answers "Bad Request: file is too big", as Telegram does). Every request is recorded in order
with its decoded parameters, so tests assert the real payloads.

Faults are programmable: a rate limiter answering 429 with `retry_after` (global per second and
per chat), forced 429/5xx answers by call number or with a seeded probability, 403 "bot was
blocked by the user" for chosen chats, and slow answers.

Point aiogram at it with `AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))`, which is
what DONDOC_TELEGRAM_API_BASE does.

    async with FakeTelegramAPI() as api:
        api.limit_rate(per_second=30, chat_interval=1.0)
        ...
        assert api.texts_to("1001") == ["Xin chào"]
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import random
import sys
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

DEFAULT_TOKEN = "123456:TEST-fake-token_for-tests"
# The largest file the Bot API lets a bot download (https://core.telegram.org/bots/api#getfile).
DOWNLOAD_LIMIT = 20 * 1024 * 1024
BOT_USERNAME = "dondoc_test_bot"
# Methods that deliver something to a chat: these are rate limited, stormed and blocked.
SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText"})
_JSON_FIELDS = frozenset(
    {"reply_markup", "commands", "scope", "allowed_updates", "entities", "reply_parameters"}
)


@dataclass(frozen=True)
class Call:
    """One request the fake received, and how it answered."""

    method: str
    params: dict[str, Any]
    status: int
    at: float
    files: dict[str, tuple[str, int]] = field(default_factory=dict)
    message_id: int | None = None

    @property
    def chat_id(self) -> str | None:
        """The chat the call was about, as a string."""
        value = self.params.get("chat_id")
        return None if value is None else str(value)

    @property
    def ok(self) -> bool:
        """Whether the fake answered with success."""
        return self.status == 200

    @property
    def text(self) -> str | None:
        """The text or caption sent."""
        value = self.params.get("text", self.params.get("caption"))
        return None if value is None else str(value)

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard sent with the call (empty when none)."""
        markup = self.params.get("reply_markup") or {}
        rows: list[list[dict[str, Any]]] = markup.get("inline_keyboard", [])
        return rows


@dataclass(frozen=True)
class _File:
    """A file a user sent: its path for getFile, its content (None: too big to keep), size."""

    path: str
    content: bytes | None
    size: int


@dataclass
class _Storm:
    status: int
    retry_after: int
    calls: frozenset[int] | None = None
    probability: float = 0.0
    methods: frozenset[str] = SENDING


class FakeTelegramAPI:
    """An aiohttp server imitating the Telegram Bot API (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        username: str = BOT_USERNAME,
        seed: int = 7,
        port: int = 0,
    ) -> None:
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":", 1)[0])
        self._port = port
        self._rng = random.Random(seed)
        self.calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._files: dict[str, _File] = {}
        # The file paths downloaded, in order.
        self.downloads: list[str] = []
        # Set by hold_downloads(): file downloads wait for it (a slow network, under control).
        self._downloads_open: asyncio.Event | None = None
        self._updates: list[dict[str, Any]] = []
        self._updates_changed = asyncio.Condition()
        self._confirmed = 0
        self._sending_calls = 0
        self._storms: list[_Storm] = []
        self._blocked: set[str] = set()
        self._delay = 0.0
        self._delay_methods: frozenset[str] | None = None
        self._per_second: int | None = None
        self._chat_interval: float | None = None
        self._retry_after = 1
        self._recent: deque[float] = deque()
        self._last_in_chat: dict[str, float] = {}
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.base_url = ""

    # Life cycle -------------------------------------------------------------------------------

    async def start(self) -> "FakeTelegramAPI":
        """Listen on 127.0.0.1 (a free port unless one was given)."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_get("/_fake/calls", self._report)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        """Stop listening; long polls in progress return at once."""
        self._closing = True
        async with self._updates_changed:
            self._updates_changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeTelegramAPI":
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # Faults -----------------------------------------------------------------------------------

    def limit_rate(
        self,
        *,
        per_second: int | None = 30,
        chat_interval: float | None = 1.0,
        retry_after: int = 1,
    ) -> None:
        """Answer 429 to a sending call over `per_second` in any second, or too soon in a chat."""
        self._per_second = per_second
        self._chat_interval = chat_interval
        self._retry_after = retry_after

    def fail_calls(self, numbers: Iterable[int], *, status: int, retry_after: int = 1) -> None:
        """Answer `status` to the sending calls with these 1-based numbers."""
        self._storms.append(
            _Storm(status=status, retry_after=retry_after, calls=frozenset(numbers))
        )

    def fail_randomly(self, probability: float, *, status: int, retry_after: int = 1) -> None:
        """Answer `status` to each sending call with this probability (seeded, so repeatable)."""
        self._storms.append(
            _Storm(status=status, retry_after=retry_after, probability=probability)
        )

    def calm(self) -> None:
        """Stop every storm."""
        self._storms.clear()

    def block(self, chat_id: str | int) -> None:
        """This chat blocked the bot: sending to it answers 403."""
        self._blocked.add(str(chat_id))

    def hold_downloads(self) -> None:
        """Hold every file download (after it is counted in `downloads`) until released."""
        self._downloads_open = asyncio.Event()

    def release_downloads(self) -> None:
        """Let the held downloads (and later ones) through."""
        if self._downloads_open is not None:
            self._downloads_open.set()

    def slow_down(self, seconds: float, *, methods: Iterable[str] | None = None) -> None:
        """Wait this long before answering (all methods, or only these)."""
        self._delay = seconds
        self._delay_methods = frozenset(methods) if methods is not None else None

    # Updates ----------------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (an update_id is added when missing)."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def message_update(
        self,
        chat_id: int,
        text: str,
        *,
        first_name: str = "Lan",
        last_name: str | None = "Nguyễn",
        language_code: str | None = "vi",
        reply_to_message_id: int | None = None,
        chat_type: str = "private",
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """A text message update from a user (not queued); in a group, `user_id` says who."""
        user: dict[str, Any] = {
            "id": user_id or abs(chat_id),
            "is_bot": False,
            "first_name": first_name,
        }
        if last_name:
            user["last_name"] = last_name
        if language_code:
            user["language_code"] = language_code
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type, user),
            "from": user,
            "text": text,
        }
        if reply_to_message_id is not None:
            message["reply_to_message"] = {
                "message_id": reply_to_message_id,
                "date": int(time.time()),
                "chat": message["chat"],
                "from": self._me(),
                "text": "…",
            }
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int,
        first_name: str = "Lan",
        language_code: str | None = "vi",
        chat_type: str = "private",
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """A button press under one of the bot's messages (not queued); in a group,
        `user_id` says who pressed."""
        user: dict[str, Any] = {
            "id": user_id or abs(chat_id),
            "is_bot": False,
            "first_name": first_name,
        }
        if language_code:
            user["language_code"] = language_code
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"cb{next(self._update_ids)}",
                "from": user,
                "chat_instance": f"ci{chat_id}",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": self._chat(chat_id, chat_type, user),
                    "from": self._me(),
                    "text": "…",
                },
            },
        }

    def document_update(
        self,
        chat_id: int,
        content: bytes | None,
        *,
        file_name: str | None,
        mime_type: str | None = None,
        size: int | None = None,
        caption: str | None = None,
        first_name: str = "Lan",
        language_code: str | None = "vi",
    ) -> dict[str, Any]:
        """A message carrying a document (not queued); `size` announces a file the fake does
        not keep (content None), such as one over the 20 MB a bot may download."""
        number = next(self._file_ids)
        file_id = f"BQACAgIAAxkBAAI{number:04d}"
        announced = size if size is not None else len(content or b"")
        suffix = file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else "bin"
        self._files[file_id] = _File(f"documents/file_{number}.{suffix}", content, announced)
        document: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number:04d}",
            "file_size": announced,
        }
        if file_name is not None:
            document["file_name"] = file_name
        if mime_type is not None:
            document["mime_type"] = mime_type
        update = self.message_update(
            chat_id, "", first_name=first_name, language_code=language_code
        )
        message = update["message"]
        del message["text"]
        message["document"] = document
        if caption is not None:
            message["caption"] = caption
        return update

    async def send_to_webhook(
        self, update: dict[str, Any], *, secret: str | None = None
    ) -> tuple[int, str]:
        """POST an update to the registered webhook as Telegram would; (status, body)."""
        headers = {"Content-Type": "application/json"}
        token = secret if secret is not None else self.webhook_secret
        if token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with (
            ClientSession(timeout=ClientTimeout(total=30)) as client,
            client.post(self.webhook_url, data=json.dumps(update), headers=headers) as resp,
        ):
            return resp.status, await resp.text()

    # What was received ------------------------------------------------------------------------

    def delivered(self, method: str | None = None) -> list[Call]:
        """Successful sending calls, in order (optionally only one method)."""
        return [
            c for c in self.calls if c.ok and c.method in SENDING and method in (None, c.method)
        ]

    def texts_to(self, chat_id: str | int) -> list[str]:
        """Texts and captions successfully sent or edited in one chat, in order."""
        return [c.text or "" for c in self.delivered() if c.chat_id == str(chat_id)]

    def calls_of(self, method: str) -> list[Call]:
        """Every call of one method, answered with success or not."""
        return [c for c in self.calls if c.method == method]

    # Serving ----------------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._updates_changed:
            self._updates_changed.notify_all()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params, files = await _read_params(request)
        if self._delay and (self._delay_methods is None or method in self._delay_methods):
            await asyncio.sleep(self._delay)
        status, body, message_id = await self._answer(method, params, files)
        self.calls.append(
            Call(
                method=method,
                params=params,
                status=status,
                at=time.monotonic(),
                files={k: (name, len(data)) for k, (name, data) in files.items()},
                message_id=message_id,
            )
        )
        return web.json_response(body, status=status)

    async def _answer(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> tuple[int, dict[str, Any], int | None]:
        if method in SENDING:
            refusal = self._refusal(method, str(params.get("chat_id", "")))
            if refusal is not None:
                return refusal[0], refusal[1], None
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, _error_body(404, "Not Found: method not found"), None
        try:
            result = await handler(params, files)
        except _Refused as refused:
            return refused.status, _error_body(refused.status, refused.description), None
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return 200, {"ok": True, "result": result}, message_id

    def _refusal(self, method: str, chat_id: str) -> tuple[int, dict[str, Any]] | None:
        self._sending_calls += 1
        number = self._sending_calls
        for storm in self._storms:
            if method not in storm.methods:
                continue
            hit = (
                number in storm.calls
                if storm.calls is not None
                else self._rng.random() < storm.probability
            )
            if hit:
                return storm.status, self._storm_body(storm)
        if chat_id in self._blocked:
            return 403, _error_body(403, "Forbidden: bot was blocked by the user")
        return self._rate_limited(chat_id)

    def _storm_body(self, storm: _Storm) -> dict[str, Any]:
        if storm.status == 429:
            return _error_body(
                429,
                f"Too Many Requests: retry after {storm.retry_after}",
                retry_after=storm.retry_after,
            )
        if storm.status >= 500:
            return _error_body(storm.status, "Internal Server Error")
        return _error_body(storm.status, "Bad Request: refused by the fake")

    def _rate_limited(self, chat_id: str) -> tuple[int, dict[str, Any]] | None:
        now = time.monotonic()
        if self._per_second is not None:
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) >= self._per_second:
                wait = self._recent[0] + 1.0 - now
                return 429, self._too_many(wait)
        if self._chat_interval is not None and not chat_id.startswith("-"):
            last = self._last_in_chat.get(chat_id)
            if last is not None and now - last < self._chat_interval:
                return 429, self._too_many(last + self._chat_interval - now)
        if self._per_second is not None:
            self._recent.append(now)
        self._last_in_chat[chat_id] = now
        return None

    def _too_many(self, wait: float) -> dict[str, Any]:
        retry_after = max(self._retry_after, math.ceil(wait))
        return _error_body(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )

    async def _report(self, _request: web.Request) -> web.Response:
        """Every call so far, for a test or benchmark running the fake in another process."""
        return web.json_response(
            [
                {
                    "method": c.method,
                    "status": c.status,
                    "at": c.at,
                    "chat_id": c.chat_id,
                    "text": c.text,
                }
                for c in self.calls
            ]
        )

    # API methods ------------------------------------------------------------------------------

    def _me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Đôn Đốc",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    @staticmethod
    def _chat(chat_id: int | str, chat_type: str, user: dict[str, Any] | None) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": int(chat_id), "type": chat_type}
        if chat_type == "private" and user:
            chat["first_name"] = user.get("first_name", "")
        else:
            chat["title"] = "Nhóm"
            if chat_type == "private":
                chat["first_name"] = "Người dùng"
        return chat

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = str(params["chat_id"])
        kind = "supergroup" if chat_id.startswith("-") else "private"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id, kind, {"first_name": "Người dùng"}),
            "from": self._me(),
            **extra,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_getMe(self, _params: dict[str, Any], _files: Any) -> dict[str, Any]:
        return self._me()

    async def _api_sendMessage(self, params: dict[str, Any], _files: Any) -> dict[str, Any]:
        return self._message(params, text=str(params.get("text", "")))

    async def _api_editMessageText(self, params: dict[str, Any], _files: Any) -> dict[str, Any]:
        message = self._message(params, text=str(params.get("text", "")))
        message["message_id"] = int(params["message_id"])
        message["edit_date"] = int(time.time())
        return message

    async def _api_sendPhoto(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        photo = [{"file_id": "p1", "file_unique_id": "up1", "width": 800, "height": 600}]
        return self._message(params, photo=photo, caption=params.get("caption"))

    async def _api_sendDocument(
        self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> dict[str, Any]:
        name = next(iter(files.values()))[0] if files else "file"
        document = {"file_id": "d1", "file_unique_id": "ud1", "file_name": name}
        return self._message(params, document=document, caption=params.get("caption"))

    async def _api_getFile(self, params: dict[str, Any], _files: Any) -> dict[str, Any]:
        found = self._files.get(str(params.get("file_id", "")))
        if found is None:
            raise _Refused(400, "Bad Request: invalid file_id")
        if found.size > DOWNLOAD_LIMIT:
            raise _Refused(400, "Bad Request: file is too big")
        return {
            "file_id": params["file_id"],
            "file_unique_id": "u" + str(params["file_id"]),
            "file_size": found.size,
            "file_path": found.path,
        }

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        found = next((f for f in self._files.values() if f.path == path), None)
        if found is None or found.content is None:
            return _error(404, "Not Found")
        self.downloads.append(path)
        if self._downloads_open is not None:
            await self._downloads_open.wait()
        return web.Response(body=found.content, content_type="application/octet-stream")

    async def _api_answerCallbackQuery(self, _params: dict[str, Any], _files: Any) -> bool:
        return True

    async def _api_setMyCommands(self, params: dict[str, Any], _files: Any) -> bool:
        self.commands[_commands_key(params)] = list(params.get("commands", []))
        return True

    async def _api_getMyCommands(
        self, params: dict[str, Any], _files: Any
    ) -> list[dict[str, str]]:
        return self.commands.get(_commands_key(params), [])

    async def _api_deleteMyCommands(self, params: dict[str, Any], _files: Any) -> bool:
        self.commands.pop(_commands_key(params), None)
        return True

    async def _api_setWebhook(self, params: dict[str, Any], _files: Any) -> bool:
        self.webhook_url = str(params.get("url", ""))
        self.webhook_secret = params.get("secret_token")
        return True

    async def _api_deleteWebhook(self, _params: dict[str, Any], _files: Any) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        return True

    async def _api_getWebhookInfo(self, _params: dict[str, Any], _files: Any) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _api_getUpdates(self, params: dict[str, Any], _files: Any) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        async with self._updates_changed:
            if not self._updates and timeout and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._updates_changed.wait_for(
                            lambda: bool(self._updates) or self._closing
                        ),
                        timeout,
                    )
        return self._updates[:limit]


class _Refused(Exception):
    """An API method's error answer (status and description)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _error_body(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _error(code: int, description: str) -> web.Response:
    return web.json_response(_error_body(code, description), status=code)


async def _read_params(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Decode a Bot API request: JSON, urlencoded or multipart (files resolved from attach://)."""
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        params = dict(await request.json())
    elif request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            name = part.name or ""  # type: ignore[union-attr]
            if part.filename:  # type: ignore[union-attr]
                files[name] = (part.filename, bytes(await part.read()))  # type: ignore[union-attr]
            else:
                params[name] = await part.text()  # type: ignore[union-attr]
    elif request.can_read_body:
        params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    for key in _JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            attached = files.pop(value.removeprefix("attach://"), None)
            if attached is not None:
                files[key] = attached
    return params, files


async def serve(argv: list[str]) -> None:
    """Run the fake alone (for benchmarks): prints its base URL, serves until killed."""
    parser = argparse.ArgumentParser(description="A fake Telegram Bot API on 127.0.0.1.")
    parser.add_argument("--per-second", type=int, default=None, help="global rate limit")
    parser.add_argument("--chat-interval", type=float, default=None, help="per-chat limit (s)")
    args = parser.parse_args(argv)
    api = FakeTelegramAPI()
    await api.start()
    api.limit_rate(per_second=args.per_second, chat_interval=args.chat_interval)
    print(api.base_url, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await api.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(sys.argv[1:]))
