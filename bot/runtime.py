"""`dondoc run`: the whole service in one process.

One HTTP server (health check and webhooks), the channels that have a token
(Telegram, Zalo), one outbox dispatcher sending through them, and the scheduler
(reminder sweep, escalation, weekly summary) behind a leader lock, so any number
of instances can share one PostgreSQL database. On SQLite run a single instance.
"""

import asyncio
import gc
import logging
from typing import Protocol

import sqlalchemy as sa

from bot.bootstrap import App, conversation_config, running_app
from bot.channels.base import ChannelSender
from bot.channels.telegram.runtime import start_telegram
from bot.channels.zalo.runtime import start_zalo
from bot.files import serve_files
from bot.http import HttpServer
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import limits_from_settings
from bot.settings import Settings
from handlers.conversation import Conversation
from models.enums import Channel
from scheduler.leader import Leadership
from scheduler.wiring import build_scheduler
from services.clock import Clock, system_clock

log = logging.getLogger(__name__)


def freeze_startup_objects() -> None:
    """Move everything loaded at start-up out of the garbage collector's way.

    Modules, the schema, the catalogs and the clients make up most of the objects a running
    service holds and never free, yet every full collection walks them all again: under a
    burst of replies those passes took about a quarter of the CPU. Frozen, they are never
    scanned again, and the collector looks only at what the service creates while it runs.
    https://docs.python.org/3/library/gc.html#gc.freeze
    """
    gc.collect()
    gc.freeze()


class NoChannelError(RuntimeError):
    """Neither a Telegram nor a Zalo token is configured: nobody could be reached."""


class _Channel(Protocol):
    @property
    def sender(self) -> ChannelSender: ...

    async def stop(self) -> None: ...


async def _database_answers(app: App) -> bool:
    try:
        async with app.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
    except Exception:
        log.exception("health check: the database does not answer")
        return False
    return True


async def serve(settings: Settings, *, stop: asyncio.Event, clock: Clock = system_clock) -> None:
    """Run every part of the service until `stop` is set, then shut down in order."""
    if settings.telegram_token is None and settings.zalo_token is None:
        raise NoChannelError
    async with running_app(settings, clock=clock) as app:
        dispatcher: OutboxDispatcher | None = None

        def wake() -> None:
            if dispatcher is not None:
                dispatcher.wake()

        conversation = Conversation(
            sessions=app.sessions, config=conversation_config(settings), clock=clock, wake=wake
        )
        http = HttpServer(
            host=settings.http_host,
            port=settings.http_port,
            health=lambda: _database_answers(app),
        )
        if settings.public_files_url is not None:
            # The summaries link their chart and spreadsheet here (services.file_links).
            serve_files(http, data_dir=settings.data_dir, clock=clock)
        channels: dict[str, _Channel] = {}
        leadership = Leadership(app.engine)
        scheduler = None
        dispatching: asyncio.Task[None] | None = None
        try:
            # Listening first: a webhook set by a channel below may be called at once, and
            # routes are looked up per request, so they work as soon as a channel adds them.
            await http.start()
            if settings.telegram_token is not None:
                channels[Channel.TELEGRAM] = await start_telegram(app, conversation, http)
            if settings.zalo_token is not None:
                channels[Channel.ZALO] = await start_zalo(app, conversation, http, wake=wake)
            dispatcher = OutboxDispatcher(
                sessions=app.sessions,
                senders={name: channel.sender for name, channel in channels.items()},
                clock=clock,
                limits=limits_from_settings(settings),
            )
            dispatching = asyncio.create_task(dispatcher.run(stop), name="outbox-dispatcher")
            scheduler = build_scheduler(app=app, on_enqueued=wake, leadership=leadership)
            scheduler.start()
            freeze_startup_objects()
            log.info(
                "Đôn Đốc is running: channels %s, HTTP on %s",
                ", ".join(sorted(channels)),
                http.url,
            )
            await stop.wait()
        finally:
            log.info("shutting down")
            stop.set()
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            await leadership.release()
            # The dispatcher finishes the sends in hand first: the channels' HTTP sessions
            # must still be open for them. What is left stays in the outbox for next time.
            if dispatching is not None:
                await asyncio.gather(dispatching, return_exceptions=True)
            for name, channel in channels.items():
                try:
                    await channel.stop()
                except Exception:
                    log.exception("the %s channel did not stop cleanly", name)
            await http.stop()
