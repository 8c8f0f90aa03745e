"""Every SQLite connection of the store is set up the same way."""

from pathlib import Path

import sqlalchemy as sa

from models.db import SQLITE_CACHE_KIB, make_engine


async def test_each_sqlite_connection_gets_the_stores_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    try:
        async with engine.connect() as connection:
            settings = [
                (await connection.execute(sa.text(f"PRAGMA {name}"))).scalar_one()
                for name in ("foreign_keys", "journal_mode", "synchronous", "cache_size")
            ]
    finally:
        await engine.dispose()
    # synchronous=NORMAL is 1; a negative cache size is in KiB.
    assert settings == [1, "wal", 1, -SQLITE_CACHE_KIB]
