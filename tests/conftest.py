"""Shared fixtures: a migrated store on SQLite and on a throw-away PostgreSQL database."""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import make_engine
from models.migrate import upgrade
from services.unit_of_work import Sessions, make_sessionmaker
from tests.databases import create_database, database_url, drop_database

# Tests never read a developer's own configuration.
for _name in [n for n in os.environ if n.startswith("DONDOC_")]:
    del os.environ[_name]


@pytest.fixture
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL; parametrize indirectly with "sqlite" or "postgres"."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        return
    name = asyncio.run(create_database())
    try:
        yield database_url(name)
    finally:
        asyncio.run(drop_database(name))


BOTH_STORES = pytest.mark.parametrize(
    "empty_db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A database migrated to the newest revision."""
    upgrade(empty_db_url)
    return empty_db_url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the migrated test database."""
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> Sessions:
    """Session factory on the migrated test database."""
    return make_sessionmaker(engine)
