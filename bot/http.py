"""The one HTTP server of `dondoc run`: `/healthz` always, plus whatever channels register.

It faces the internet (webhooks, report links), so a client gets `header_seconds` from
connecting to finish its request line and headers, `body_seconds` to send its body, and at most
`connections_per_client` connections at once from one address; a client dribbling a byte every
few seconds over many connections held them all open for ever before (HttpLimits).

Channels add their webhook routes with `add_route` (Telegram adds `/telegram/webhook`, Zalo can
add `/zalo/webhook`), before or after the server starts: routes are looked up per request, so
the composition order of `dondoc run` does not matter (aiohttp freezes its own router once an
application starts). `add_prefix` serves every path under a prefix (`/files/`, see bot.files).
"""

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

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


@dataclass(frozen=True)
class HttpLimits:
    """How long a client may take over a request, and how many connections it may hold."""

    header_seconds: float = 10.0
    body_seconds: float = 30.0
    # Telegram opens up to 40 webhook connections (setWebhook's max_connections).
    connections_per_client: int = 50


class HttpServer:
    """An aiohttp server with a route table channels can add to at any time."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        health: HealthCheck | None = None,
        limits: HttpLimits = HttpLimits(),
    ) -> None:
        self._host = host
        self._port = port
        self._health = health
        self._limits = limits
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
        self._runner = _GuardedRunner(
            app,
            limits=self._limits,
            access_log=None,
            shutdown_timeout=5.0,
            # Between two requests on one connection, aiohttp's keep-alive timer is the
            # deadline for the next request's headers.
            keepalive_timeout=self._limits.header_seconds,
            # After an answer given before the body was read (a 408, a 413), aiohttp reads on
            # for the rest so that the client sees the answer; a dribbling client is not
            # worth its default ten seconds.
            lingering_time=1.0,
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("HTTP server listening on %s", self.url)

    async def stop(self) -> None:
        """Stop listening; requests in progress get a few seconds to finish."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        try:
            async with asyncio.timeout(self._limits.body_seconds):
                await request.read()
        except TimeoutError:
            log.warning(
                "closed a request from %s: no whole body within %s s",
                request.remote,
                self._limits.body_seconds,
            )
            response = web.Response(status=408, text="Request Timeout")
            response.force_close()
            return response
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


class _GuardedRunner(web.AppRunner):
    """aiohttp's runner, with the deadlines and the per-address cap of HttpLimits attached to
    its server's connection hooks (aiohttp has no header deadline of its own)."""

    def __init__(self, app: web.Application, *, limits: HttpLimits, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._limits = limits

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        _Guard(server, self._limits)
        return server


class _Guard:
    """Counts each address's open connections and closes a connection whose request has not
    started (request line and headers read) `header_seconds` after it opened."""

    def __init__(self, server: web.Server, limits: HttpLimits) -> None:
        self._limits = limits
        self._loop = asyncio.get_running_loop()
        self._clients: dict[RequestHandler, str] = {}
        self._open: Counter[str] = Counter()
        self._deadlines: dict[RequestHandler, asyncio.TimerHandle] = {}
        self._made = server.connection_made
        self._lost = server.connection_lost
        self._factory = server.request_factory
        # A connection's RequestHandler calls these on the server it was made by.
        server.connection_made = self._connection_made  # type: ignore[method-assign]
        server.connection_lost = self._connection_lost  # type: ignore[method-assign]
        server.request_factory = self._request_started

    def _connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        self._made(handler, transport)
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if peer else ""
        self._clients[handler] = client
        self._open[client] += 1
        if self._open[client] > self._limits.connections_per_client:
            log.warning(
                "refused a connection from %s: %d open already",
                client,
                self._limits.connections_per_client,
            )
            handler.force_close()
            return
        self._deadlines[handler] = self._loop.call_later(
            self._limits.header_seconds, self._expire, handler, client
        )

    def _connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        self._lost(handler, exc)
        deadline = self._deadlines.pop(handler, None)
        if deadline is not None:
            deadline.cancel()
        client = self._clients.pop(handler, None)
        if client is not None:
            self._open[client] -= 1
            if self._open[client] <= 0:
                del self._open[client]

    def _request_started(self, *args: Any, **kwargs: Any) -> web.BaseRequest:
        handler = args[2]
        deadline = self._deadlines.pop(handler, None)
        if deadline is not None:
            deadline.cancel()
        return self._factory(*args, **kwargs)

    def _expire(self, handler: RequestHandler, client: str) -> None:
        self._deadlines.pop(handler, None)
        log.warning(
            "closed a connection from %s: no request within %s s",
            client,
            self._limits.header_seconds,
        )
        handler.force_close()
