"""The composition root: every entry point builds the application here, the same way.

`build(settings, *, clock, channels)` wires the store, the conversation, the channels, the
outbox dispatcher, the scheduler and the HTTP server into a `Service` that `start()`s and
`stop()`s them in order. `dondoc run`, the demo, `dondoc chat`, the benchmarks and the
behaviour tests all build through it; they differ only in their channels and in which
parts run. Commands that only read or write the store use `running_app`. The layers below
get narrow configuration objects built here (`conversation_config`, `job_config`), never
the settings themselves.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import sqlalchemy as sa
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.base import ChannelSender, ConversationPort
from bot.errors import StoreNotReadyError
from bot.files import serve_files
from bot.http import HttpLimits, HttpServer
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import ChannelLimits, limits_from_settings
from bot.settings import Settings
from domain.reminders import OfficeHours
from handlers.context import ConversationConfig, FileSource, FileUnavailable
from handlers.conversation import Conversation
from models.db import make_engine
from models.enums import Channel
from models.migrate import head_revision, revision_of
from scheduler.jobs import JobConfig
from scheduler.leader import Leadership
from scheduler.wiring import build_scheduler
from services.clock import Clock, system_clock
from services.quotas import CappedBot
from services.reminders.load import ReminderSettings
from services.report_config import ReportConfig
from services.unit_of_work import Sessions, make_sessionmaker

log = logging.getLogger(__name__)


def conversation_config(settings: Settings) -> ConversationConfig:
    """What the conversation needs of the settings."""
    return ConversationConfig(
        tz=settings.tz,
        calendar=settings.work_calendar(),
        default_locale=settings.default_locale,
        data_dir=settings.data_dir,
        report=ReportConfig.from_settings(settings),
        bot_username=settings.telegram_bot_username,
        capped_bots=capped_bots(settings),
        send_window=settings.send_window,
        dashboard_url=settings.dashboard_url,
    )


def capped_bots(settings: Settings) -> tuple[CappedBot, ...]:
    """Every Zalo bot with its plan's user cap (DONDOC_ZALO_PLAN_USERS)."""
    return tuple(
        CappedBot(channel=bot.channel, name=bot.name, user_cap=settings.zalo_plan_users)
        for bot in settings.zalo_bots
    )


def reminder_settings(settings: Settings) -> ReminderSettings:
    """How reminders behave, from the application settings."""
    start, end = settings.send_window
    return ReminderSettings(
        hours=OfficeHours(settings.work_calendar(), start, end, settings.tz),
        remind_cooperating=settings.remind_cooperating,
        escalate_after_days=settings.escalate_after_days,
        long_overdue_days=settings.long_overdue_days,
    )


def job_config(settings: Settings) -> JobConfig:
    """What the scheduled jobs need of the settings."""
    return JobConfig(
        tz=settings.tz,
        reminders=reminder_settings(settings),
        report=ReportConfig.from_settings(settings),
        data_dir=settings.data_dir,
        sweep_seconds=settings.sweep_seconds,
        weekly_summary_at=settings.weekly_summary_at,
    )


@dataclass
class App:
    """Everything a command, a channel or a job needs."""

    settings: Settings
    engine: AsyncEngine
    sessions: Sessions
    clock: Clock = field(default=system_clock)

    @cached_property
    def jobs(self) -> JobConfig:
        """The scheduled jobs' configuration."""
        return job_config(self.settings)

    async def aclose(self) -> None:
        """Release the database connections."""
        await self.engine.dispose()


async def check_schema(engine: AsyncEngine) -> None:
    """Refuse to run against a store that was never migrated or is behind this version."""
    current = await revision_of(engine)
    if current != head_revision():
        raise StoreNotReadyError(current or "")


@asynccontextmanager
async def running_app(
    settings: Settings, *, clock: Clock = system_clock, check: bool = True
) -> AsyncIterator[App]:
    """Build the app, check its store, and close it afterwards."""
    engine = make_engine(settings.database_url)
    app = App(settings=settings, engine=engine, sessions=make_sessionmaker(engine), clock=clock)
    try:
        if check:
            await check_schema(engine)
        yield app
    finally:
        await app.aclose()


class ChannelRuntime(Protocol):
    """A running channel: its sender for the outbox dispatcher, and a way to stop it."""

    @property
    def sender(self) -> ChannelSender: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class ChannelContext:
    """What a channel gets when it starts: the app, the conversation its updates go to, the
    HTTP server its webhook is served on, and the outbox dispatcher's wake-up."""

    app: App
    conversation: ConversationPort
    http: HttpServer
    wake: Callable[[], None]


ChannelStarter = Callable[[ChannelContext], Awaitable[ChannelRuntime]]


class ChannelFiles:
    """The conversation's FileSource: each file is fetched by the started channel it came
    from, if that channel's runtime can fetch files (it exposes `.files`)."""

    def __init__(self, channels: Mapping[str, object]) -> None:
        self._channels = channels

    async def fetch(self, channel: str, file_id: str, *, limit: int) -> bytes:
        """The file's bytes, from its channel (FileUnavailable when it cannot fetch)."""
        source: FileSource | None = getattr(self._channels.get(channel), "files", None)
        if source is None:
            raise FileUnavailable(f"the {channel} channel does not fetch files")
        return await source.fetch(channel, file_id, limit=limit)


@dataclass(frozen=True)
class _SenderOnly:
    sender: ChannelSender

    async def stop(self) -> None:
        """Nothing runs beside the sender."""


def sender_only(sender: ChannelSender) -> ChannelStarter:
    """A channel that is only a sender: the console, the demo, a test's recording fake."""

    async def start(_context: ChannelContext) -> ChannelRuntime:
        return _SenderOnly(sender)

    return start


async def _start_telegram(context: ChannelContext) -> ChannelRuntime:
    # Imported here: aiogram is heavy, and only a running Telegram channel needs it.
    from bot.channels.telegram.runtime import start_telegram

    return await start_telegram(context.app, context.conversation, context.http)


def _zalo_starter(index: int) -> ChannelStarter:
    """The starter of the `index`-th configured Zalo bot."""

    async def start(context: ChannelContext) -> ChannelRuntime:
        from bot.channels.zalo.runtime import start_zalo

        return await start_zalo(
            context.app, context.conversation, context.http, index=index, wake=context.wake
        )

    return start


def configured_channels(settings: Settings) -> dict[str, ChannelStarter]:
    """The channels whose token is configured (DONDOC_TELEGRAM_TOKEN, DONDOC_ZALO_TOKEN: one
    channel per Zalo bot)."""
    channels: dict[str, ChannelStarter] = {}
    if settings.telegram_token is not None:
        channels[Channel.TELEGRAM] = _start_telegram
    for index, bot in enumerate(settings.zalo_bots):
        channels[bot.channel] = _zalo_starter(index)
    return channels


async def _database_answers(app: App) -> bool:
    try:
        async with app.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
    except Exception:
        log.exception("health check: the database does not answer")
        return False
    return True


class Service:
    """The application, wired: start it, use it, stop it (also `async with`).

    `start` checks the store, listens on HTTP, starts the channels (a webhook set by one may
    be called at once, so the server listens first), then the outbox dispatcher over their
    senders and the scheduled jobs. `stop` undoes it in the opposite order: the dispatcher
    finishes the sends in hand while the channels' sessions are still open, and what is
    left stays in the outbox for next time.
    """

    def __init__(
        self,
        app: App,
        *,
        channels: Mapping[str, ChannelStarter],
        limits: Mapping[str, ChannelLimits],
        dispatcher_options: Mapping[str, Any],
        serve_http: bool,
        schedule: bool,
        dispatch: bool,
        check: bool,
        owns_engine: bool,
    ) -> None:
        self.app = app
        self.channels: dict[str, ChannelRuntime] = {}
        self.conversation = Conversation(
            sessions=app.sessions,
            config=conversation_config(app.settings),
            clock=app.clock,
            wake=self.wake,
            files=ChannelFiles(self.channels),
        )
        settings = app.settings
        self.http = HttpServer(
            host=settings.http_host,
            port=settings.http_port,
            health=lambda: _database_answers(app),
            limits=HttpLimits(
                header_seconds=settings.http_header_seconds,
                body_seconds=settings.http_body_seconds,
                connections_per_client=settings.http_connections_per_client,
            ),
        )
        if serve_http and settings.public_files_url is not None:
            # The summaries link their chart and spreadsheet here (services.file_links).
            serve_files(self.http, data_dir=settings.data_dir, clock=app.clock)
        if serve_http and settings.dashboard_url is not None:
            # Imported here: the dashboard's pages and queries are a fifth of a second of
            # start-up that a service without a dashboard need not pay.
            from bot.dashboard import DashboardConfig, serve_dashboard

            serve_dashboard(
                self.http,
                sessions=app.sessions,
                config=DashboardConfig(
                    base_url=settings.dashboard_url,
                    data_dir=settings.data_dir,
                    tz=settings.tz,
                    calendar=settings.work_calendar(),
                    files_url=settings.public_files_url,
                ),
                clock=app.clock,
            )
        self.dispatcher: OutboxDispatcher | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.leadership = Leadership(app.engine)
        self._starters = dict(channels)
        self._limits = dict(limits)
        self._dispatcher_options = dict(dispatcher_options)
        self._serve_http = serve_http
        self._schedule = schedule
        self._dispatch = dispatch
        self._check = check
        self._owns_engine = owns_engine
        self._stop = asyncio.Event()
        self._dispatching: asyncio.Task[None] | None = None
        # How often the outbox was woken (the conversation wakes it once per unit of work
        # that wrote messages): for the log and the tests.
        self.wakes = 0

    def wake(self) -> None:
        """Tell the outbox dispatcher new rows were committed (before `start`: nothing to do)."""
        self.wakes += 1
        if self.dispatcher is not None:
            self.dispatcher.wake()

    async def start(self) -> None:
        """Start every part (see the class docstring)."""
        if self._check:
            await check_schema(self.app.engine)
        if self._serve_http:
            await self.http.start()
        context = ChannelContext(
            app=self.app, conversation=self.conversation, http=self.http, wake=self.wake
        )
        for name, start in self._starters.items():
            self.channels[name] = await start(context)
        self.dispatcher = OutboxDispatcher(
            sessions=self.app.sessions,
            senders={name: channel.sender for name, channel in self.channels.items()},
            clock=self.app.clock,
            limits=self._limits,
            **self._dispatcher_options,
        )
        if self._dispatch:
            self._dispatching = asyncio.create_task(
                self.dispatcher.run(self._stop), name="outbox-dispatcher"
            )
        if self._schedule:
            self.scheduler = build_scheduler(
                app=self.app, on_enqueued=self.wake, leadership=self.leadership
            )
            self.scheduler.start()

    async def stop(self) -> None:
        """Stop every part in order; safe after a start that failed half-way."""
        self._stop.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        await self.leadership.release()
        if self._dispatching is not None:
            await asyncio.gather(self._dispatching, return_exceptions=True)
        for name, channel in self.channels.items():
            try:
                await channel.stop()
            except Exception:
                log.exception("the %s channel did not stop cleanly", name)
        if self._serve_http:
            await self.http.stop()
        if self._owns_engine:
            await self.app.aclose()

    async def __aenter__(self) -> "Service":
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


def build(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    channels: Mapping[str, ChannelStarter] | None = None,
    engine: AsyncEngine | None = None,
    limits: Mapping[str, ChannelLimits] | None = None,
    serve_http: bool = True,
    schedule: bool = True,
    dispatch: bool = True,
    check: bool = True,
    **dispatcher_options: Any,
) -> Service:
    """The application wired from `settings` (see the module docstring).

    `channels` defaults to those configured; `engine` to a new one on the configured store
    (given one, the caller keeps it). `serve_http`, `schedule` and `dispatch` (the outbox
    dispatcher running in the background) choose the parts that run: the terminal chats
    send with `service.dispatcher.drain_once()` and run the jobs themselves.
    """
    owns_engine = engine is None
    engine = engine or make_engine(settings.database_url)
    app = App(settings=settings, engine=engine, sessions=make_sessionmaker(engine), clock=clock)
    return Service(
        app,
        channels=configured_channels(settings) if channels is None else channels,
        limits=limits_from_settings(settings) if limits is None else limits,
        dispatcher_options=dispatcher_options,
        serve_http=serve_http,
        schedule=schedule,
        dispatch=dispatch,
        check=check,
        owns_engine=owns_engine,
    )
