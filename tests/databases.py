"""Throw-away PostgreSQL databases, for the store tests and the benchmarks."""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

ADMIN_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def database_url(name: str, *, admin_dsn: str = ADMIN_DSN) -> str:
    """The async SQLAlchemy URL of database `name` on the admin DSN's server."""
    base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def create_database(
    *, admin_dsn: str = ADMIN_DSN, prefix: str = "dondoc_test", template: str | None = None
) -> str:
    """Create a database with a fresh name, empty or a copy of database `template` (which
    nobody may be connected to), and return that name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await connection.close()
    return name


async def drop_database(name: str, *, admin_dsn: str = ADMIN_DSN) -> None:
    """Drop a database made by create_database, even if connections linger."""
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@asynccontextmanager
async def throwaway_database(
    *, admin_dsn: str = ADMIN_DSN, prefix: str = "dondoc_test"
) -> AsyncIterator[str]:
    """An empty database for the duration of the block; yields its async URL."""
    name = await create_database(admin_dsn=admin_dsn, prefix=prefix)
    try:
        yield database_url(name, admin_dsn=admin_dsn)
    finally:
        await drop_database(name, admin_dsn=admin_dsn)
