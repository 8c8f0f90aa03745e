"""Engine and sessions for SQLite (the default) and PostgreSQL."""

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import Connection, Dialect, Engine, Insert, Update, event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.base import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

# Pages SQLite keeps per connection, in KiB (its default is 2,000): a city's store is some
# 50 MB at 50,000 assignments, and the day's first sweep, which reads them all and writes
# the day's reminders, took 3-6% longer re-reading index pages from the OS (bench.sweep).
SQLITE_CACHE_KIB = 32_768


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; on SQLite turn on foreign keys, WAL, a busy timeout and a
    larger page cache."""
    if url.startswith("sqlite"):
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
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine.sync_engine)
    return engine


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


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with sessions() as session, session.begin():
        yield session


# session.info keys under this prefix hold what one unit of work queued or read ahead; they
# are dropped when it commits or rolls back.
UNIT_OF_WORK_PREFIX = "dondoc."
# Writes queued by `defer`, per statement, in the order they were queued.
_DEFERRED = UNIT_OF_WORK_PREFIX + "deferred"


def defer(session: AsyncSession, statement: Executable, params: dict[str, Any]) -> None:
    """Queue a write that this unit of work does not read back at once.

    `statement` is a Core statement built once (its rows are grouped by identity). Queued
    rows of one statement go out together, as one executemany, just before the session
    runs any other statement, flushes or commits: a later read in the same unit of work
    still sees them, and many replies answered together cost one round trip per statement
    instead of one per reply. (A statement run on `session.connection()` directly, past
    the session, does not trigger them: read through the session.)

    On PostgreSQL the rows queued for `bulk_insert`s and `bulk_update`s go last, all in one
    statement, after the other queued writes; its parts all see the store as it was before
    that statement. So queue nothing that must change a row such an insert adds, and no
    two writes to one row but through one `bulk_update` (where the last row queued for a
    key wins, as in an executemany).
    """
    queued: dict[Executable, list[dict[str, Any]]] = session.info.setdefault(_DEFERRED, {})
    queued.setdefault(statement, []).append(params)


# Execution option of a statement made by `bulk_insert` (an empty tuple) or `bulk_update`
# (its key column, then the columns it sets).
_BULK = "dondoc_bulk"
# Prefix of `bulk_update`'s bind parameters: SQLAlchemy keeps the columns' own names for
# itself in an UPDATE.
_UPDATE_PARAM = "b_"


def bulk_insert(table: Any) -> Insert:
    """A plain INSERT into `table` (a table or a model) for `defer`: on PostgreSQL, the rows
    queued for it go as one insert over arrays. Nothing may be added to it (no VALUES, no
    RETURNING, no ON CONFLICT): that insert would leave it out."""
    return sa.insert(table).execution_options(**{_BULK: ()})


def bulk_update(table: Any, *, key: str, columns: Sequence[str]) -> Update:
    """UPDATE `table` SET each of `columns` WHERE `key` matches, for `defer`: rows give the
    key and each value under its column's name. On PostgreSQL the rows queued for it go as
    one update over arrays, the last row per key winning."""
    return (
        sa.update(table)
        .where(sa.inspect(table).columns[key] == sa.bindparam(_UPDATE_PARAM + key))
        .values({name: sa.bindparam(_UPDATE_PARAM + name) for name in columns})
        .execution_options(**{_BULK: (key, *columns)})
    )


def _write_deferred(session: Session) -> None:
    queued = session.info.pop(_DEFERRED, None)
    if not queued:
        return
    # On the connection: Core, without the ORM's bulk machinery or events.
    connection = session.connection()
    bulk: list[tuple[Insert | Update, list[dict[str, Any]]]] = []
    for statement, rows in queued.items():
        if _unnestable(statement, connection.dialect, rows):
            bulk.append((statement, rows))
        elif isinstance(statement, Update) and statement.get_execution_options().get(_BULK):
            # A bulk update's own bind parameters (see _UPDATE_PARAM).
            connection.execute(
                statement, [{_UPDATE_PARAM + k: v for k, v in row.items()} for row in rows]
            )
        else:
            connection.execute(statement, rows)
    if bulk:
        _write_unnested(connection, bulk)


def _unnestable(statement: Executable, dialect: Dialect, rows: list[dict[str, Any]]) -> bool:
    """Whether rows can go over arrays: for a `bulk_insert` or `bulk_update` on PostgreSQL,
    rows that all give the same columns (as an executemany needs too; if they do not, it
    says so)."""
    if dialect.name != "postgresql" or statement.get_execution_options().get(_BULK) is None:
        return False
    columns = rows[0].keys()
    return all(row.keys() == columns for row in rows)


def _write_unnested(
    connection: Connection, writes: list[tuple[Insert | Update, list[dict[str, Any]]]]
) -> None:
    """Rows given as one array per column, and several tables' writes in one statement
    (all but the last as data-modifying WITH clauses): PostgreSQL plans and runs it once,
    where an executemany runs the statement once per row, and each statement costs a round
    trip while a whole batch of replies waits. Values are converted as the column types
    would convert them."""
    dialect = connection.dialect
    parts: list[str] = []
    arrays: dict[str, list[Any]] = {}
    for number, (statement, rows) in enumerate(writes):
        table = cast(sa.Table, statement.table)
        prefix = f"t{number}_"
        form = DriverForm(table, dialect)
        if isinstance(statement, Insert):
            names = list(rows[0])
            parts.append(unnest_insert(table, names, dialect, prefix=prefix))
        else:
            key, *columns = statement.get_execution_options()[_BULK]
            names = [key, *columns]
            # One row per key, the last queued, as an executemany would leave it; in key
            # order, so that instances updating the same rows lock them in the same order.
            newest = {row[key]: row for row in rows}
            rows = [newest[value] for value in sorted(newest)]
            parts.append(_unnest_update(table, key, columns, dialect, prefix=prefix))
        for name in names:
            arrays[prefix + name] = [form.value(name, row[name]) for row in rows]
    *first, last = parts
    clauses = ", ".join(f"w{number} AS ({part})" for number, part in enumerate(first))
    connection.execute(sa.text(f"WITH {clauses} {last}" if first else last), arrays)


class DriverForm:
    """A table's values in the database driver's own form, each distinct value converted once.

    For inserts written past SQLAlchemy's statements (over arrays, or as plain driver
    executemanys). A sweep writes thousands of rows that share their timestamps and, officer
    by officer of an agency, their payloads: SQLAlchemy would convert every row's values
    again, which costs more than the inserts themselves. Values are told apart by identity
    (and kept, so that identity stays theirs), so a payload shared by two rows is serialised
    once.
    """

    def __init__(self, table: sa.Table, dialect: sa.Dialect) -> None:
        self._processors: dict[str, Callable[[Any], Any]] = {}
        for column in table.columns:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self._processors[column.name] = process
        self._done: dict[tuple[str, int], tuple[Any, Any]] = {}

    def value(self, name: str, value: Any) -> Any:
        """`value` of column `name` as the driver takes it."""
        process = self._processors.get(name)
        if process is None:
            return value
        done = self._done.get((name, id(value)))
        if done is None:
            done = self._done[(name, id(value))] = (value, process(value))
        return done[1]

    def row(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """A row of column values as the driver takes them."""
        row = dict(values)
        for name in self._processors:
            if name in row:
                row[name] = self.value(name, row[name])
        return row


def unnest_insert(
    table: sa.Table, names: Sequence[str], dialect: Dialect, *, prefix: str = ""
) -> str:
    """PostgreSQL's bulk insert: INSERT ... SELECT * FROM unnest(one array per column).

    One statement over arrays is planned and run once; an executemany runs the insert once
    per row and a VALUES list of thousands of parameters takes long to plan. The bind
    parameters are named after the columns (after `prefix`) and take lists of the driver's
    values, in order: rows are inserted (and numbered) in the order of the arrays.
    """
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    return (
        f"INSERT INTO {quote(table.name)} ({columns}) "
        f"SELECT * FROM {_unnest(table, names, dialect, prefix)}"
    )


def _unnest_update(
    table: sa.Table, key: str, columns: Sequence[str], dialect: Dialect, *, prefix: str
) -> str:
    """PostgreSQL's bulk update: UPDATE ... FROM unnest(one array per column), the rows
    matched on `key`, whose array must hold each value once."""
    quote = dialect.identifier_preparer.quote
    names = [key, *columns]
    into = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in columns)
    return (
        f"UPDATE {quote(table.name)} SET {into} "
        f"FROM {_unnest(table, names, dialect, prefix)} AS v({', '.join(map(quote, names))}) "
        f"WHERE {quote(table.name)}.{quote(key)} = v.{quote(key)}"
    )


def _unnest(table: sa.Table, names: Sequence[str], dialect: Dialect, prefix: str) -> str:
    """unnest() over one array parameter per column, each named after its column (after
    `prefix`) and cast to the column's type without its length: an explicit cast to
    VARCHAR(40) would silently cut a longer value, where the write itself refuses it."""
    arrays = ", ".join(
        f"CAST(:{prefix}{name} AS {type(table.c[name].type)().compile(dialect=dialect)}[])"
        for name in names
    )
    return f"unnest({arrays})"


@event.listens_for(Session, "do_orm_execute")
def _deferred_before_statement(state: ORMExecuteState) -> None:
    _write_deferred(state.session)


@event.listens_for(Session, "before_flush")
def _deferred_before_flush(session: Session, _context: object, _instances: object) -> None:
    _write_deferred(session)


@event.listens_for(Session, "before_commit")
def _deferred_before_commit(session: Session) -> None:
    _write_deferred(session)


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    _forget_unit_of_work(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous: object) -> None:
    _forget_unit_of_work(session)


def _forget_unit_of_work(session: Session) -> None:
    for key in [k for k in session.info if str(k).startswith(UNIT_OF_WORK_PREFIX)]:
        del session.info[key]
