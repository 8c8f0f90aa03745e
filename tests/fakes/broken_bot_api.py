"""A Bot API that breaks: a raw TCP server answering Telegram's calls wrongly, on purpose.

Modes (how the broken calls are answered):

* ``garbage``: a status line that is not HTTP;
* ``redirect``: 302 to the very URL asked for, for ever (the URL, token included, comes back);
* ``tls``: bytes of a TLS handshake, as when http:// is pointed at an https port;
* ``hangup``: the connection closed without a word;
* ``stall``: the request read and never answered (a timeout, however long the client waits).

``broken`` says which calls break: every call (start-up fails at getMe) or only getUpdates
(the bot starts, and polling fails over and over). Every call is recorded by method name.
"""

import asyncio
import contextlib
import json
from types import TracebackType
from typing import Self

MODES = ("garbage", "redirect", "tls", "hangup", "stall")
_TLS_HELLO = bytes.fromhex("160303004a020000460303") + bytes(70)


class BrokenBotAPI:
    """`async with BrokenBotAPI(mode) as api:` serves on `api.base_url`."""

    def __init__(self, mode: str, *, only_get_updates: bool = False) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.only_get_updates = only_get_updates
        self.calls: list[str] = []
        self._server: asyncio.Server | None = None
        self._stalled: list[asyncio.StreamWriter] = []

    @property
    def base_url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def count(self, method: str) -> int:
        """How many calls of `method` arrived."""
        return self.calls.count(method)

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for writer in self._stalled:
            writer.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not writer.is_closing():
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *headers = head.decode("latin-1").split("\r\n")
                length = next(
                    (
                        int(header.split(":", 1)[1])
                        for header in headers
                        if header.lower().startswith("content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                path = request_line.split(" ")[1]
                method = path.rsplit("/", 1)[-1]
                self.calls.append(method)
                if self.only_get_updates and method != "getUpdates":
                    writer.write(_ok(method))
                    await writer.drain()
                    continue
                await self._break(path, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _break(self, path: str, writer: asyncio.StreamWriter) -> None:
        """Answer wrongly; close the connection unless the answer was a redirect or a stall."""
        if self.mode == "garbage":
            writer.write(b"HELLO THERE\r\n\r\n")
        elif self.mode == "redirect":
            location = f"{self.base_url}{path}"
            writer.write(
                f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
            )
            await writer.drain()
            return
        elif self.mode == "tls":
            writer.write(_TLS_HELLO)
        elif self.mode == "stall":
            self._stalled.append(writer)
            await asyncio.Event().wait()  # until the server closes
        await writer.drain()
        writer.close()
        await writer.wait_closed()


def _ok(method: str) -> bytes:
    result: object = True
    if method == "getMe":
        result = {"id": 123456, "is_bot": True, "first_name": "Đôn Đốc", "username": "dondoc_bot"}
    elif method == "getUpdates":
        result = []
    body = json.dumps({"ok": True, "result": result}).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )
