"""The one HTTP server of `dondoc run`: exact routes, path prefixes, methods."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession, web

from bot.http import Handler, HttpLimits, HttpServer


def _answer(text: str) -> Handler:
    async def handler(_request: web.Request) -> web.Response:
        return web.Response(text=text)

    return handler


@pytest.fixture
async def server() -> AsyncIterator[HttpServer]:
    http = HttpServer(host="127.0.0.1", port=0)
    http.add_route("POST", "/files/hook", _answer("exact"))
    http.add_prefix("GET", "/files/", _answer("files"))
    http.add_prefix("GET", "/files/old/", _answer("old files"))
    await http.start()
    try:
        yield http
    finally:
        await http.stop()


async def _call(server: HttpServer, method: str, path: str) -> tuple[int, str, str]:
    async with (
        ClientSession() as client,
        client.request(method, f"{server.url}{path}") as response,
    ):
        return response.status, await response.text(), response.headers.get("Allow", "")


async def test_an_exact_route_comes_before_any_prefix(server: HttpServer) -> None:
    assert (await _call(server, "POST", "/files/hook"))[:2] == (200, "exact")
    # Its path has a route, so the prefix's GET does not stand in for it.
    assert await _call(server, "GET", "/files/hook") == (405, "405: Method Not Allowed", "POST")


async def test_the_longest_prefix_serves_a_path(server: HttpServer) -> None:
    assert (await _call(server, "GET", "/files/a.png"))[:2] == (200, "files")
    assert (await _call(server, "GET", "/files/old/a.png"))[:2] == (200, "old files")
    assert (await _call(server, "GET", "/files"))[0] == 404
    assert (await _call(server, "GET", "/elsewhere"))[0] == 404


async def test_head_is_get_without_the_body_and_other_methods_are_refused(
    server: HttpServer,
) -> None:
    assert await _call(server, "HEAD", "/files/a.png") == (200, "", "")
    assert (await _call(server, "HEAD", "/healthz"))[:2] == (200, "")
    status, _, allowed = await _call(server, "DELETE", "/files/a.png")
    assert (status, allowed) == (405, "GET")


def test_a_prefix_must_be_a_folder_and_is_registered_once() -> None:
    http = HttpServer(host="127.0.0.1", port=0)
    with pytest.raises(ValueError, match="slash"):
        http.add_prefix("GET", "/files", _answer("x"))
    http.add_prefix("GET", "/files/", _answer("x"))
    with pytest.raises(ValueError, match="already"):
        http.add_prefix("get", "/files/", _answer("y"))


# Generous: these bound a test that fails, not the server's deadlines.
_PATIENCE = 60.0


@pytest.fixture
async def strict() -> AsyncIterator[HttpServer]:
    """A server with short deadlines and room for three connections per address."""
    http = HttpServer(
        host="127.0.0.1",
        port=0,
        limits=HttpLimits(header_seconds=0.3, body_seconds=0.3, connections_per_client=3),
    )
    http.add_route("POST", "/hook", _echo_length)
    await http.start()
    try:
        yield http
    finally:
        await http.stop()


async def _echo_length(request: web.Request) -> web.Response:
    return web.Response(text=str(len(await request.read())))


async def _open(server: HttpServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port)


async def _closed_by_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    """Dribble a header byte at a time until the server closes; what it sent before."""

    async def dribble() -> None:
        with contextlib.suppress(ConnectionError):
            while not writer.is_closing():
                writer.write(b"X")
                await writer.drain()
                await asyncio.sleep(0.05)

    sender = asyncio.create_task(dribble())
    try:
        return await asyncio.wait_for(_read_to_end(reader), _PATIENCE)
    finally:
        sender.cancel()
        writer.close()


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    received = b""
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(4096):
            received += chunk
    return received


async def test_item14_a_client_dribbling_its_headers_is_cut_off(strict: HttpServer) -> None:
    reader, writer = await _open(strict)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: dondoc\r\nX-Slow: ")
    assert await _closed_by_server(reader, writer) == b""
    assert (await _call(strict, "GET", "/healthz"))[0] == 200


async def test_item14_a_client_dribbling_its_body_gets_a_408_and_is_cut_off(
    strict: HttpServer,
) -> None:
    reader, writer = await _open(strict)
    writer.write(b"POST /hook HTTP/1.1\r\nHost: dondoc\r\nContent-Length: 1000\r\n\r\n")
    answer = await _closed_by_server(reader, writer)
    assert answer.startswith(b"HTTP/1.1 408")
    async with (
        ClientSession() as client,
        client.post(f"{strict.url}/hook", data=b"x" * 1000) as response,
    ):
        assert (response.status, await response.text()) == (200, "1000")


async def test_item14_one_address_holds_at_most_its_share_of_connections() -> None:
    # Deadlines long enough that only the cap closes anything here.
    limits = HttpLimits(header_seconds=_PATIENCE, connections_per_client=3)
    strict = HttpServer(host="127.0.0.1", port=0, limits=limits)
    await strict.start()
    try:
        await _only_three_at_once(strict)
    finally:
        await strict.stop()


async def _only_three_at_once(strict: HttpServer) -> None:
    held = [await _open(strict) for _ in range(3)]
    reader, writer = await _open(strict)
    # The fourth is closed at once: nothing ever arrives on it.
    assert await asyncio.wait_for(_read_to_end(reader), _PATIENCE) == b""
    writer.close()
    # The three it holds still work.
    first_reader, first_writer = held[0]
    first_writer.write(b"GET /healthz HTTP/1.1\r\nHost: dondoc\r\nConnection: close\r\n\r\n")
    answer = await asyncio.wait_for(_read_to_end(first_reader), _PATIENCE)
    assert answer.startswith(b"HTTP/1.1 200")
    for _, held_writer in held:
        held_writer.close()
    # Once they are gone, the address may connect again.
    for _ in range(int(_PATIENCE / 0.05)):
        with contextlib.suppress(ConnectionError, OSError):
            if (await _call(strict, "GET", "/healthz"))[0] == 200:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the address was never let in again")
