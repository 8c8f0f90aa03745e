"""`dondoc run`: the whole service in one process, built by bot.bootstrap.

One HTTP server (health check and webhooks), the channels that have a token
(Telegram, Zalo), one outbox dispatcher sending through them, and the scheduler
(reminder sweep, escalation, weekly summary) behind a leader lock, so any number
of instances can share one PostgreSQL database. On SQLite run a single instance.
"""

import asyncio
import gc
import logging
from pathlib import Path

from bot import redaction
from bot.bootstrap import build
from bot.errors import NoChannelError
from bot.settings import Settings
from models.db import sqlite_path
from scheduler.jobs import check_coming_year
from services.clock import Clock, system_clock
from services.private_files import exposed
from services.report_files import load_writers

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


async def load_writers_in_background() -> None:
    """Import the report writers (matplotlib, XlsxWriter) once the service answers, in a
    worker thread, then freeze them with the rest.

    They cost about a third of a second of CPU that nothing before the first summary or
    dashboard chart needs, so they no longer delay the health check; loading them now rather
    than with the first report still spares that report the wait. Objects the service made
    meanwhile are frozen too: few, and the collector only skips them (reference counting
    still frees them).
    """
    await asyncio.to_thread(load_writers)
    freeze_startup_objects()


def warn_exposed(settings: Settings) -> list[Path]:
    """Warn in the log about each of the store's files, the report folder and its files that
    other users of the machine may read; those paths."""
    store = sqlite_path(settings.database_url)
    paths = [store, Path(f"{store}-wal"), Path(f"{store}-shm")] if store is not None else []
    folder = settings.data_dir
    paths.append(folder)
    if folder.is_dir():
        paths += sorted(path for path in folder.iterdir() if path.is_file())
    found = exposed(paths)
    for path in found:
        log.warning("%s is readable by other users of this machine: chmod go-rwx %s", path, path)
    return found


async def serve(settings: Settings, *, stop: asyncio.Event, clock: Clock = system_clock) -> None:
    """Run every part of the service until `stop` is set, then shut down in order."""
    redaction.install()
    if settings.telegram_token is None and settings.zalo_token is None:
        raise NoChannelError
    check_coming_year(settings.tz, now=clock())
    warn_exposed(settings)
    async with build(settings, clock=clock) as service:
        freeze_startup_objects()
        writers = asyncio.create_task(load_writers_in_background())
        log.info(
            "Đôn Đốc is running: channels %s, HTTP on %s",
            ", ".join(sorted(service.channels)),
            service.http.url,
        )
        await stop.wait()
        log.info("shutting down")
        await writers
