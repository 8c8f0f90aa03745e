"""Shared fixtures: a migrated store on SQLite and on a throw-away PostgreSQL database (on the
server at DONDOC_TEST_POSTGRES_URL, or on one the session starts itself: tests/databases.py)."""

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import hypothesis
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

# aiogram as `dondoc run` loads it (its types built when first used), before any test module
# imports it the eager way: the tests talk to Telegram through what production runs.
import bot.channels.telegram  # noqa: F401
from models.db import make_engine
from models.migrate import upgrade
from services.unit_of_work import Sessions, make_sessionmaker
from tests.databases import (
    ADMIN_DSN,
    PostgresUnavailable,
    admin_dsn,
    create_database,
    database_url,
    drop_database,
    postgres_server,
)

# No test depends on the machine's speed: hypothesis has no per-example deadline (a loaded
# CI machine runs examples several times slower), and a slow generator is no failure.
hypothesis.settings.register_profile(
    "dondoc", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dondoc"))

# Tests never read a developer's own configuration (tests.databases has read its own).
for _name in [n for n in os.environ if n.startswith("DONDOC_")]:
    del os.environ[_name]


_SERVER = contextlib.ExitStack()


def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    """Find the PostgreSQL server before any test runs, if a selected test needs one: the
    configured one, or a throw-away one started now (stopped at the end of the session)."""
    if not any(item.get_closest_marker("postgres") for item in items):
        return
    try:
        dsn = _SERVER.enter_context(postgres_server())
    except PostgresUnavailable as exc:
        raise pytest.UsageError(str(exc)) from None
    if dsn != ADMIN_DSN:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"PostgreSQL tests: nothing answers at {ADMIN_DSN}; "
                "they run on a throw-away server started for this session"
            )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the throw-away server, if the session started one."""
    _SERVER.close()


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    """The admin DSN of the session's PostgreSQL server."""
    return admin_dsn()


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """ "sqlite" (the default) or "postgres"; parametrize indirectly (see BOTH_STORES)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def empty_db_url(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the store kind."""
    if store_kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        return
    request.getfixturevalue("postgres_admin")
    name = asyncio.run(create_database())
    try:
        yield database_url(name)
    finally:
        asyncio.run(drop_database(name))


BOTH_STORES = pytest.mark.parametrize(
    "store_kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
POSTGRES_ONLY = pytest.mark.parametrize(
    "store_kind", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated once per test session, for tests to copy."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_admin: str) -> Iterator[str]:
    """A PostgreSQL database migrated once per test session, for tests to copy."""
    name = asyncio.run(create_database(prefix="dondoc_template"))
    try:
        upgrade(database_url(name))
        yield name
    finally:
        asyncio.run(drop_database(name))


@pytest.fixture
def db_url(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database migrated to the newest revision: a copy of the session's template, since
    migrating every test's store from nothing costs more than most tests."""
    if store_kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "store.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = asyncio.run(create_database(template=request.getfixturevalue("postgres_template")))
    try:
        yield database_url(name)
    finally:
        asyncio.run(drop_database(name))


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
