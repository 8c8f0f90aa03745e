"""The one HTTP server of `dondoc run`: exact routes, path prefixes, methods."""

from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession, web

from bot.http import Handler, HttpServer


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
