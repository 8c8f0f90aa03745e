"""Units of work: one session, one transaction, and what it queued or read ahead.

A `UnitOfWork` is the session every service works in. Beyond the ORM it keeps two things
of its own, explicitly, for as long as its transaction lasts:

* Queued writes (`defer`): statements it does not read back at once. They go out
  together just before the session runs any other statement, flushes or commits
  (models.bulk.write_deferred), so many replies answered together cost one round trip per
  statement instead of one per reply.
* Read-ahead (`read_ahead`): rows a batch read in one go for the messages that follow
  (the views of the tasks a batch of replies updates, the reminders they answer, the
  chats' states). Each `ReadAhead` names the tables whose writes make it stale; a write to
  one of them through the session forgets it.

Both are dropped when the transaction commits or rolls back. The hooks that do this listen
on the unit of work's own session class only, never on SQLAlchemy's Session as a whole.
"""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.sql.base import Executable
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from models.bulk import bulk_insert, write_deferred
from models.tables import HandledUpdate

K = TypeVar("K")
V = TypeVar("V")

# The longest source id kept (HandledUpdate.source_id).
SOURCE_ID_LENGTH = 160
_INSERT_HANDLED = bulk_insert(HandledUpdate)


@dataclass(frozen=True, eq=False)
class ReadAhead(Generic[K, V]):
    """A kind of row a unit of work reads ahead, by key; `tables` are those whose writes
    make what was read stale."""

    name: str
    tables: frozenset[str] = field(default_factory=frozenset)


class _UnitSession(Session):
    """The synchronous side of a UnitOfWork, which SQLAlchemy runs its hooks on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deferred: dict[Executable, list[dict[str, Any]]] = {}
        # Queued writes that wait for the last statement (see UnitOfWork.record_handled).
        self.last: dict[Executable, list[dict[str, Any]]] = {}
        self.read: dict[ReadAhead[Any, Any], dict[Any, Any]] = {}

    def write_deferred(self) -> None:
        """Write the queued rows now, ahead of whatever the session does next."""
        if self.deferred:
            queued, self.deferred = self.deferred, {}
            write_deferred(self.connection(), queued)

    def forget(self, tables: Iterable[str]) -> None:
        """Drop what was read ahead of rows these tables hold."""
        written = set(tables)
        for kind in [k for k in self.read if k.tables & written]:
            del self.read[kind]

    def queue_last(self) -> None:
        """Queue the writes held for the last statement with the others."""
        for statement, rows in self.last.items():
            self.deferred.setdefault(statement, []).extend(rows)
        self.last = {}

    def reset(self) -> None:
        """Forget everything: the transaction is over."""
        self.deferred = {}
        self.last = {}
        self.read = {}


@event.listens_for(_UnitSession, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    session = state.session
    assert isinstance(session, _UnitSession)
    session.write_deferred()
    if session.read and (state.is_update or state.is_delete):
        table = getattr(state.statement, "table", None)
        session.forget([getattr(table, "name", "")])


@event.listens_for(_UnitSession, "before_flush")
def _before_flush(session: _UnitSession, _context: object, _instances: object) -> None:
    session.write_deferred()
    if session.read:
        session.forget(
            str(getattr(row, "__tablename__", ""))
            for row in (*session.new, *session.dirty, *session.deleted)
        )


@event.listens_for(_UnitSession, "before_commit")
def _before_commit(session: _UnitSession) -> None:
    session.queue_last()
    session.write_deferred()


@event.listens_for(_UnitSession, "after_commit")
def _after_commit(session: _UnitSession) -> None:
    session.reset()


@event.listens_for(_UnitSession, "after_soft_rollback")
def _after_rollback(session: _UnitSession, _previous: object) -> None:
    session.reset()


class UnitOfWork(AsyncSession):
    """The session of one unit of work (see the module docstring)."""

    sync_session_class = _UnitSession
    sync_session: _UnitSession

    def defer(self, statement: Executable, params: dict[str, Any]) -> None:
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
        self.sync_session.deferred.setdefault(statement, []).append(params)

    def read_ahead(self, kind: ReadAhead[K, V]) -> dict[K, V]:
        """What this unit of work has read ahead of this kind, by key (kept current by the
        caller; a write to one of its tables drops it)."""
        found: dict[K, V] = self.sync_session.read.setdefault(kind, {})
        return found

    def read_ahead_if_any(self, kind: ReadAhead[K, V]) -> dict[K, V] | None:
        """Like `read_ahead`, but None when nothing of this kind was read (or it went stale)."""
        found: dict[K, V] | None = self.sync_session.read.get(kind)
        return found

    def record_handled(self, source_ids: Iterable[str | None], *, now: datetime) -> None:
        """Record these updates as handled, with this unit of work's other writes.

        No look-up first: a replay breaks the unique source id and the caller recognises it,
        so the common case costs one plain INSERT. On SQLite the rows go out before the first
        read (the first write takes the store's write lock, so a unit of work that will write
        waits for it before reading, not after); on PostgreSQL they wait for the last
        statement and join the other queued inserts in it (see `defer`): a batch of replies
        then costs one round trip fewer while all of it waits.
        """
        rows = [
            {"source_id": source[:SOURCE_ID_LENGTH], "at": now}
            for source in source_ids
            if source is not None
        ]
        if self.sync_session.get_bind().dialect.name == "postgresql":
            self.sync_session.last.setdefault(_INSERT_HANDLED, []).extend(rows)
        else:
            for row in rows:
                self.defer(_INSERT_HANDLED, row)


Sessions = async_sessionmaker[UnitOfWork]


def make_sessionmaker(engine: AsyncEngine) -> Sessions:
    """Units of work on the engine, whose loaded objects stay usable after commit."""
    return async_sessionmaker(engine, class_=UnitOfWork, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: Sessions) -> AsyncIterator[UnitOfWork]:
    """One unit of work: commit on success, roll back on any error."""
    async with sessions() as session, session.begin():
        yield session
