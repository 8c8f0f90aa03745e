"""The composition root: builds the application from settings, the same way for every entry."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from domain.reminders import OfficeHours
from handlers.context import ConversationConfig
from models.db import make_engine
from models.migrate import current_revision, head_revision
from scheduler.jobs import JobConfig
from services.clock import Clock, system_clock
from services.reminders.load import ReminderSettings
from services.summary import ReportConfig
from services.unit_of_work import Sessions, make_sessionmaker


class StoreNotReadyError(RuntimeError):
    """The database has not been created or is older than this version."""


def conversation_config(settings: Settings) -> ConversationConfig:
    """What the conversation needs of the settings."""
    return ConversationConfig(
        tz=settings.tz,
        calendar=settings.work_calendar(),
        default_locale=settings.default_locale,
        data_dir=settings.data_dir,
        report=ReportConfig.from_settings(settings),
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


async def check_schema(settings: Settings) -> None:
    """Refuse to run against a store that was never migrated or is behind this version."""
    current = await current_revision(settings.database_url)
    if current != head_revision():
        raise StoreNotReadyError(current or "")


@asynccontextmanager
async def running_app(
    settings: Settings, *, clock: Clock = system_clock, check: bool = True
) -> AsyncIterator[App]:
    """Build the app, check its store, and close it afterwards."""
    if check:
        await check_schema(settings)
    engine = make_engine(settings.database_url)
    app = App(settings=settings, engine=engine, sessions=make_sessionmaker(engine), clock=clock)
    try:
        yield app
    finally:
        await app.aclose()
