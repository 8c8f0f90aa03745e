"""The store and the report folder are for the service's user only; `dondoc run` says when
they are not."""

import asyncio
import logging
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.runtime import warn_exposed
from bot.settings import load_settings
from models.db import make_engine
from models.migrate import upgrade


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_item17_the_sqlite_store_and_its_wal_and_shm_files_are_private(
    tmp_path: Path,
) -> None:
    store = tmp_path / "dondoc.db"
    url = f"sqlite+aiosqlite:///{store}"
    previous = os.umask(0o022)
    try:
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE probe (x INTEGER)"))
                await connection.execute(text("INSERT INTO probe VALUES (1)"))
                # While a connection is open, the write-ahead log and its index exist.
                modes = {
                    suffix: _mode(Path(f"{store}{suffix}")) for suffix in ("", "-wal", "-shm")
                }
        finally:
            await engine.dispose()
    finally:
        os.umask(previous)
    assert modes == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


def test_item17_run_warns_about_a_store_and_reports_others_can_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = tmp_path / "dondoc.db"
    store.write_bytes(b"")
    data = tmp_path / "data"
    data.mkdir()
    report = data / "weekly-2026-W01-all-vi.xlsx"
    report.write_bytes(b"report")
    private = data / "weekly-2026-W02-all-vi.xlsx"
    private.write_bytes(b"report")
    for path, mode in ((store, 0o644), (data, 0o755), (report, 0o640), (private, 0o600)):
        path.chmod(mode)
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{store}", data_dir=str(data))
    with caplog.at_level(logging.WARNING, logger="bot.runtime"):
        assert warn_exposed(settings) == [store, data, report]
    assert f"chmod go-rwx {report}" in caplog.text
    for path in (store, data, report):
        path.chmod(0o700 if path.is_dir() else 0o600)
    assert warn_exposed(settings) == []
