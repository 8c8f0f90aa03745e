"""The one HTTP server of `dondoc run`: `/healthz` always, plus whatever channels register.

Channels add their webhook routes with `add_route` (Telegram adds `/telegram/webhook`, Zalo can
add `/zalo/webhook`), before or after the server starts: routes are looked up per request, so
the composition order of `dondoc run` does not matter (aiohttp freezes its own router once an
application starts). `add_prefix` serves every path under a prefix (`/files/`, see bot.files).
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)


class BadBody(ValueError):
    """A request body that is not JSON, or nests deeper than a parser can follow."""


async def read_json(request: web.Request) -> Any:
    """The request's body as JSON, or BadBody: `json` follows nesting by recursion, so a body
    of 100,000 "[" raised RecursionError, which became a 500 and a traceback."""
    try:
        return await request.json()
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise BadBody(type(error).__name__) from error


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HealthCheck = Callable[[], Awaitable[bool]]


class HttpServer:
    """An aiohttp server with a route table channels can add to at any time."""

    def __init__(self, *, host: str, port: int, health: HealthCheck | None = None) -> None:
        self._host = host
        self._port = port
        self._health = health
        self._routes: dict[tuple[str, str], Handler] = {}
        self._prefixes: dict[tuple[str, str], Handler] = {}
        self._runner: web.AppRunner | None = None
        self.add_route("GET", "/healthz", self._healthz)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve `method path` with `handler`; a path is registered once."""
        key = (method.upper(), path)
        if key in self._routes:
            raise ValueError(f"route {method} {path} is already registered")
        self._routes[key] = handler

    def add_prefix(self, method: str, prefix: str, handler: Handler) -> None:
        """Serve `method` on every path that starts with `prefix` (which ends with a slash)
        and has no route of its own."""
        if not prefix.startswith("/") or not prefix.endswith("/"):
            raise ValueError(f"a prefix starts and ends with a slash, not {prefix!r}")
        key = (method.upper(), prefix)
        if key in self._prefixes:
            raise ValueError(f"prefix {method} {prefix} is already registered")
        self._prefixes[key] = handler

    @property
    def port(self) -> int:
        """The port listened on (the real one when 0 was asked for)."""
        if self._runner is None or not self._runner.addresses:
            return self._port
        return int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        """The base URL of the running server."""
        return f"http://{self._host}:{self.port}"

    async def start(self) -> None:
        """Start listening."""
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("HTTP server listening on %s", self.url)

    async def stop(self) -> None:
        """Stop listening; requests in progress get a few seconds to finish."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        handlers = {m: h for (m, route), h in self._routes.items() if route == path}
        if not handlers:
            # The longest prefix registered for this path.
            under = [prefix for _, prefix in self._prefixes if path.startswith(prefix)]
            if under:
                longest = max(under, key=len)
                handlers = {m: h for (m, p), h in self._prefixes.items() if p == longest}
        if not handlers:
            raise web.HTTPNotFound()
        # HEAD is GET without the body (aiohttp leaves the body out).
        handler = handlers.get(request.method) or (
            handlers.get("GET") if request.method == "HEAD" else None
        )
        if handler is None:
            raise web.HTTPMethodNotAllowed(request.method, sorted(handlers))
        return await handler(request)

    async def _healthz(self, _request: web.Request) -> web.Response:
        healthy = True
        if self._health is not None:
            try:
                healthy = await self._health()
            except Exception:
                log.exception("health check failed")
                healthy = False
        return web.json_response(
            {"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 503
        )
