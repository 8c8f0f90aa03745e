"""The composition root: builds the application from settings, the same way for every entry."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from models.db import make_engine
from models.migrate import current_revision, head_revision
from services.clock import Clock, system_clock
from services.unit_of_work import Sessions, make_sessionmaker


class StoreNotReadyError(RuntimeError):
    """The database has not been created or is older than this version."""


@dataclass
class App:
    """Everything a command, a channel or a job needs."""

    settings: Settings
    engine: AsyncEngine
    sessions: Sessions
    clock: Clock = field(default=system_clock)

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
