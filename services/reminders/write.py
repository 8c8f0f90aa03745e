"""Writing bundles of messages to the outbox with their ledger rows, exactly once.

Rows go in the driver's own form in a few bulk statements (writes, insert_outbox,
insert_ledger), the next chunk of messages is rendered while the database writes the
current one (_Ahead), and the garbage collector rests meanwhile (_CollectorPause).
"""

import asyncio
import gc
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from models.bulk import DriverForm, sharing_parameters, unnest_insert, unnest_insert_sharing
from models.tables import (
    Outbox,
    ReminderLedger,
)
from services.outbox import Wake, pending_row
from services.reminders.load import Contact
from services.unit_of_work import Sessions, transaction
from views.messages import Outgoing

log = logging.getLogger(__name__)

# Bundles written per transaction; a collision retries that batch person by person. Each
# commit writes every page the batch touched (SQLite rewrites the ledger's index pages
# for each), so fewer, larger batches cost less.
WRITE_BATCH = 5000
# Bundles rendered and inserted at a time within a batch (see _Ahead).
RENDER_CHUNK = 1000
_OUTBOX = cast(sa.Table, Outbox.__table__)  # type: ignore[attr-defined]
_LEDGER = cast(sa.Table, ReminderLedger.__table__)  # type: ignore[attr-defined]
_LEDGER_COLUMNS = ("target", "recipient_id", "kind", "created_at", "outbox_id")
T = TypeVar("T")


class _CollectorPause:
    """Pauses Python's cyclic garbage collector while sweeps run.

    A day's first sweep holds some hundred thousand rows, targets and messages at once, and
    every full pass of the collector walks them all and the whole application besides: a
    third of that sweep's time went there. Reference counting still frees whatever a sweep
    drops; only reference cycles wait for the collector to resume. Overlapping sweeps (the
    reminder sweep and the escalation pass share a loop) resume it when the last one ends,
    and a collector someone else turned off stays off.
    """

    def __init__(self) -> None:
        self._depth = 0
        self._resume = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The collector paused for the duration of the block."""
        if self._depth == 0:
            self._resume = gc.isenabled()
            gc.disable()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()


COLLECTOR = _CollectorPause()


@dataclass(frozen=True)
class Bundle:
    """Messages for one person, each with the ledger rows it writes."""

    contact: Contact
    outbox_kind: str
    messages: list[tuple[Outgoing, list[tuple[str, str]]]]
    skipped: list[tuple[str, str]]
    items: int


def _untyped(table: sa.Table, names: Iterable[str]) -> sa.TableClause:
    """`table` with untyped columns, to write values already in the driver's form."""
    return sa.table(table.name, *(sa.column(name) for name in names))


@dataclass(frozen=True)
class _Writes:
    """Some bundles' rows in the driver's form, ready to insert.

    Round r holds the r-th message of every bundle, with who it goes to and the ledger
    rows it writes: (person, outbox kind) then tells which outbox row got which id without
    asking the database to keep RETURNING in order (SQLite would insert row by row).
    """

    outbox: list[list[dict[str, Any]]]
    messages: list[list[tuple[int, str, list[tuple[str, str]]]]]
    skipped: list[tuple[str, int, str, Any, None]]
    stamp: Any


def writes(bundles: Sequence[Bundle], *, dialect: sa.Dialect, now: datetime) -> _Writes:
    """The outbox rows services.outbox.enqueue would write for the bundles, and their ledger
    rows."""
    keys = [(b.contact.person_id, b.outbox_kind) for b in bundles]
    if len(set(keys)) != len(keys):
        raise ValueError("one bundle per person and outbox kind")
    outbox = DriverForm(_OUTBOX, dialect)
    stamp = DriverForm(_LEDGER, dialect).value("created_at", now)
    # Officers of one agency share their message objects: build each payload once.
    payloads: dict[int, dict[str, Any]] = {}
    rows = _Writes(
        outbox=[],
        messages=[],
        skipped=[
            (target, bundle.contact.person_id, kind, stamp, None)
            for bundle in bundles
            for target, kind in bundle.skipped
        ],
        stamp=stamp,
    )
    for index in range(max((len(b.messages) for b in bundles), default=0)):
        entries = [(b, *b.messages[index]) for b in bundles if index < len(b.messages)]
        rows.outbox.append(
            [
                outbox.row(
                    pending_row(
                        channel=bundle.contact.channel,
                        chat_id=bundle.contact.chat_id,
                        person_id=bundle.contact.person_id,
                        kind=bundle.outbox_kind,
                        payload=payloads.get(id(message))
                        or payloads.setdefault(id(message), message.to_payload()),
                        now=now,
                    )
                )
                for bundle, message, _ in entries
            ]
        )
        rows.messages.append(
            [(bundle.contact.person_id, bundle.outbox_kind, keys) for bundle, _, keys in entries]
        )
    return rows


_LedgerRow = tuple[str, int, str, Any, int | None]
# The most outbox rows one INSERT … RETURNING writes on SQLite (see _pages).
LARGEST_PAGE = 512


def _pages(rows: Sequence[T]) -> Iterator[Sequence[T]]:
    """`rows` in slices of 512, 256, … or 1: on SQLite, an INSERT of many rows is one
    statement of that many VALUES, and the driver keeps the last 128 prepared on each
    connection (Python's sqlite3), some 800 KiB for a thousand rows. Slices of any size
    made a statement for each size a sweep happened to write, tens of MiB that stayed after
    it; these ten shapes hold under 1 MiB."""
    start, size = 0, LARGEST_PAGE
    while start < len(rows):
        while size > len(rows) - start:
            size //= 2
        yield rows[start : start + size]
        start += size


async def insert_outbox(connection: AsyncConnection, rows: _Writes) -> list[_LedgerRow]:
    """The outbox rows; return the ledger rows, now that their outbox ids are known."""
    dialect = connection.dialect
    ledger: list[_LedgerRow] = list(rows.skipped)
    for outbox_rows, messages in zip(rows.outbox, rows.messages, strict=True):
        names = list(outbox_rows[0])
        if dialect.name == "postgresql":
            # The officers of an agency share their messages' payloads (one object each,
            # see writes): each goes to the server once.
            inserted = await connection.execute(
                sa.text(
                    unnest_insert_sharing(_OUTBOX, names, dialect, shared="payload")
                    + " RETURNING id, person_id, kind"
                ),
                sharing_parameters(outbox_rows, names, shared="payload"),
            )
            ids = {(person_id, kind): outbox_id for outbox_id, person_id, kind in inserted}
        else:
            table = _untyped(_OUTBOX, [*names, "id"])
            insert = sa.insert(table).returning(table.c.id, table.c.person_id, table.c.kind)
            ids = {}
            for page in _pages(outbox_rows):
                inserted = await connection.execute(insert, page)
                ids.update(
                    ((person_id, kind), outbox_id) for outbox_id, person_id, kind in inserted
                )
        for person_id, outbox_kind, keys in messages:
            outbox_id = ids[(person_id, outbox_kind)]
            ledger.extend(
                (target, person_id, kind, rows.stamp, outbox_id) for target, kind in keys
            )
    return ledger


# Separates the targets and the kinds packed into one text for PostgreSQL (_packed_ledger).
_UNIT = "\x1f"
_PACKED_LEDGER = sa.text(
    "INSERT INTO reminderledger (target, recipient_id, kind, created_at, outbox_id) "
    "SELECT v.target, v.recipient_id, v.kind, CAST(:created_at AS TIMESTAMP WITH TIME ZONE), "
    "v.outbox_id FROM unnest("
    "string_to_array(:targets, chr(31)), "
    "CAST(string_to_array(:recipients, ',') AS INTEGER[]), "
    "string_to_array(:kinds, chr(31)), "
    "CAST(string_to_array(:outbox_ids, ',', 'None') AS INTEGER[])"
    ") AS v(target, recipient_id, kind, outbox_id)"
)


def _packed_ledger(ledger: Sequence[_LedgerRow]) -> dict[str, Any] | None:
    """The ledger rows as four texts and their one timestamp, for _PACKED_LEDGER; None if
    they do not pack (several timestamps, a separator or an empty text in a value).

    A day's first sweep at a million assignments writes some 460,000 ledger rows. As arrays,
    the driver checks every element of every array for being a nested array (two ABC
    instance checks for each text): 0.8 s of the client's CPU where joining texts takes
    0.16 s, and the server splits them again in a fraction of that. The texts go into the
    columns by assignment, so a value too long for its column is refused, not cut.
    """
    targets, recipients, kinds, stamps, outbox_ids = zip(*ledger, strict=True)
    packed = {
        "targets": _UNIT.join(targets),
        "kinds": _UNIT.join(kinds),
        "recipients": ",".join(map(str, recipients)),
        "outbox_ids": ",".join(map(str, outbox_ids)),
        "created_at": stamps[0],
    }
    count = len(ledger) - 1
    fits = (
        stamps.count(stamps[0]) == len(stamps)
        and "" not in targets
        and "" not in kinds
        and packed["targets"].count(_UNIT) == count
        and packed["kinds"].count(_UNIT) == count
    )
    return packed if fits else None


async def insert_ledger(connection: AsyncConnection, ledger: Sequence[_LedgerRow]) -> None:
    """Ledger rows already in the driver's form."""
    dialect = connection.dialect
    if not ledger:
        return
    if dialect.name == "postgresql":
        packed = _packed_ledger(ledger)
        if packed is not None:
            await connection.execute(_PACKED_LEDGER, packed)
            return
        columns = zip(*ledger, strict=True)
        await connection.execute(
            sa.text(unnest_insert(_LEDGER, _LEDGER_COLUMNS, dialect)),
            {name: list(values) for name, values in zip(_LEDGER_COLUMNS, columns, strict=True)},
        )
    else:
        # A plain executemany of tuples: SQLite's own bulk path, nothing to convert.
        insert = sa.insert(_untyped(_LEDGER, _LEDGER_COLUMNS)).compile(dialect=dialect)
        await connection.exec_driver_sql(insert.string, ledger)


Prepared = tuple[list[Bundle], _Writes]


def prepared(
    bundles: Iterable[Bundle], *, dialect: sa.Dialect, now: datetime, size: int | None = None
) -> Iterator[Prepared]:
    """The bundles `size` (RENDER_CHUNK) at a time, each chunk with its rows, made as they
    are taken: `bundles` may be a lazy iterator, rendering as it goes."""
    pending = iter(bundles)
    while chunk := list(islice(pending, size or RENDER_CHUNK)):
        yield chunk, writes(chunk, dialect=dialect, now=now)


class _Ahead:
    """Chunks of bundles turned into rows (`prepared`), the next chunk prepared while the
    database writes the current one.

    Rendering the messages and preparing their rows is pure Python; inserting them is
    mostly the database's work, or SQLite's own thread's. `prefetch` starts preparing the
    next chunk in a task of its own, which the event loop runs as soon as the caller
    awaits an insert, so the two overlap instead of taking turns. (A worker thread
    overlaps no better: it fights the event loop for the GIL.)
    """

    def __init__(self, chunks: Iterable[Prepared]) -> None:
        self._pending = iter(chunks)
        self._next: asyncio.Future[Prepared | None] | None = None

    async def _prepare(self) -> Prepared | None:
        return next(self._pending, None)

    def prefetch(self) -> None:
        """Start preparing the next chunk, if that has not started yet."""
        if self._next is None:
            self._next = asyncio.ensure_future(self._prepare())

    async def next(self) -> Prepared | None:
        """The next chunk of bundles and their rows; None once all are taken."""
        self.prefetch()
        assert self._next is not None
        taken, self._next = await self._next, None
        return taken

    def close(self) -> None:
        """Drop a chunk not yet taken (only left after a failure)."""
        if self._next is not None:
            if self._next.done() and not self._next.cancelled():
                self._next.exception()  # retrieved: the failure that matters is the caller's
            self._next.cancel()


@dataclass(frozen=True)
class Written:
    """What write_bundles wrote, counted: the bundles and their messages go once written."""

    messages: int = 0
    items: int = 0
    skipped: int = 0
    # Bundles another sweep had written first.
    conflicts: int = 0

    def add(self, bundle: Bundle) -> "Written":
        """These counts and one bundle more."""
        return Written(
            self.messages + len(bundle.messages),
            self.items + bundle.items,
            self.skipped + len(bundle.skipped),
            self.conflicts,
        )


async def write_bundles(
    sessions: Sessions,
    bundles: Iterable[Bundle],
    *,
    dialect: sa.Dialect,
    now: datetime,
    wake: Wake | None,
    per_batch: int | None = None,
    per_chunk: int | None = None,
) -> Written:
    """Write the bundles, `per_chunk` rendered at a time (RENDER_CHUNK) and chunks of them
    to some `per_batch` a transaction (WRITE_BATCH); count those written and those another
    sweep had written."""
    return await write_prepared(
        sessions,
        prepared(bundles, dialect=dialect, now=now, size=per_chunk),
        dialect=dialect,
        now=now,
        wake=wake,
        per_batch=per_batch,
    )


async def write_prepared(
    sessions: Sessions,
    chunks: Iterable[Prepared],
    *,
    dialect: sa.Dialect,
    now: datetime,
    wake: Wake | None,
    per_batch: int | None = None,
) -> Written:
    """write_bundles, of bundles already in chunks with their rows (`prepared`): a caller
    that renders them before it writes keeps the database busy with the rows of others
    meanwhile."""
    ahead = _Ahead(chunks)
    per_batch = per_batch or WRITE_BATCH
    written = Written()
    try:
        while True:
            batch: list[Bundle] = []
            try:
                async with transaction(sessions) as session:
                    connection = await session.connection()
                    while len(batch) < per_batch and (prepared := await ahead.next()):
                        chunk, rows = prepared
                        batch.extend(chunk)
                        ledger = await insert_outbox(connection, rows)
                        # Prepared while the ledger rows, the longer insert, are written.
                        ahead.prefetch()
                        await insert_ledger(connection, ledger)
                for bundle in batch:
                    written = written.add(bundle)
            except IntegrityError:
                log.info(
                    "a batch of %d reminder bundles collided; retrying one by one", len(batch)
                )
                for bundle in batch:
                    try:
                        async with transaction(sessions) as session:
                            connection = await session.connection()
                            rows = writes([bundle], dialect=dialect, now=now)
                            await insert_ledger(connection, await insert_outbox(connection, rows))
                        written = written.add(bundle)
                    except IntegrityError as exc:
                        written = replace(written, conflicts=written.conflicts + 1)
                        log.info(
                            "person %s: reminders already written by another sweep, skipped (%s)",
                            bundle.contact.person_id,
                            exc.orig,
                        )
            if not batch:
                return written
            if wake is not None and any(b.messages for b in batch):
                wake()
    finally:
        ahead.close()
