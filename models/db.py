"""The engine for SQLite (the default) and PostgreSQL (units of work: services.unit_of_work)."""

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, event, exc, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# What PostgreSQL answers when it ends a transaction that conflicted with another, for the
# other to go on: a deadlock (two writers locking the same counts in opposite orders) or a
# serialization failure. The work is undone; running it again from the start is safe.
_CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})

# Pages SQLite keeps per connection, in KiB (its default is 2,000): a city's store is some
# 50 MB at 50,000 assignments, and the day's first sweep, which reads them all and writes
# the day's reminders, took 3-6% longer re-reading index pages from the OS (bench.sweep).
SQLITE_CACHE_KIB = 8_192


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; on SQLite create the file readable by this user only and turn
    on foreign keys, WAL, a busy timeout and a larger page cache; on PostgreSQL turn off JIT
    compilation. JSON is written as UTF-8 (_json_text)."""
    kwargs.setdefault("json_serializer", _json_text)
    if url.startswith("sqlite"):
        _private_store(url)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.close()

        return engine
    # No JIT compilation: the planner's cost of a query is no measure of its work here. The
    # sweep's read of due assignments (scalar subqueries over an estimate of 113,000 rows
    # where one was found) cost 2.9 million, so PostgreSQL compiled, optimised and inlined
    # it on every run: 256 ms for a query of 0.1 ms, in every sweep after a reply at a
    # million assignments. None of this service's queries runs long enough to repay it.
    connect_args = kwargs.pop("connect_args", {})
    server_settings = {"jit": "off", **connect_args.get("server_settings", {})}
    engine = create_async_engine(
        url, connect_args={**connect_args, "server_settings": server_settings}, **kwargs
    )
    _ping_when_idle(engine.sync_engine)
    return engine


def _json_text(value: Any) -> str:
    """JSON for the store, its Vietnamese as UTF-8, not as \\u escapes: a reminder's text
    is a third shorter, and the server parses, compresses and stores that much less.
    orjson writes it in a third of the standard library's time (a day's first sweep at a
    million assignments writes 12,700 distinct payloads of some 6.5 KB). It writes a NaN as
    null (PostgreSQL's json refuses NaN); what it refuses (an integer past 64 bits, a type
    of its own) the standard library writes as before."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)


def worth_retrying(error: exc.DBAPIError) -> bool:
    """Whether the store refused a transaction for a reason that passes, so that the same
    work, run again from the start, should succeed: its connection died (the pool has
    connected afresh by then), or PostgreSQL ended it to break a deadlock or a serialization
    conflict with another writer. Nothing of the failed transaction was stored."""
    if error.connection_invalidated:
        return True
    return getattr(error.orig, "sqlstate", None) in _CONFLICT_SQLSTATES


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store's URL; None for PostgreSQL or an in-memory store."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _private_store(url: str) -> None:
    """Create the store's file 0600 before SQLite creates it with the umask's 0644; SQLite
    gives its -wal and -shm files the permissions of the database file."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


# A pooled PostgreSQL connection idle for longer than this is pinged before it is used.
PING_AFTER_IDLE = 10.0
_IDLE_SINCE = "dondoc.idle_since"


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection is still alive before use, if it has been idle a while.

    A server restart or a firewall that drops idle connections leaves dead ones in the pool;
    a ping finds them and the pool connects afresh. SQLAlchemy's pool_pre_ping pings on every
    checkout, a round trip per unit of work, which under a burst of replies cost about a
    tenth of the rate; a connection that was in use moments ago is not pinged. Should one die
    in between all the same, the error invalidates the pool and the caller's retry (the reply
    answered on its own, the dispatcher's next attempt) gets a new connection.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool drops this connection and checks out another.
                raise exc.DisconnectionError(str(error)) from error
            raise
