"""Filling a benchmark's store fast: a national store is a million rows per table.

On PostgreSQL rows go in by COPY (asyncpg's copy_records_to_table), some 20 times faster
than an executemany, with the kept statistics counted once after instead of row by row; on
SQLite by executemany in chunks. Rows are made lazily by the caller,
so a million of them are never all held at once.
"""

import json
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from services.housekeeping import refresh_statistics
from services.statistic_counts import recount_statistics
from services.unit_of_work import UnitOfWork

_CHUNK = 20_000


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


async def insert_rows(
    connection: AsyncConnection, model: Any, rows: Iterable[dict[str, Any]]
) -> int:
    """Insert the rows (dicts with the same keys) into `model`'s table; how many there were."""
    table: sa.Table = model.__table__
    count = 0
    if connection.dialect.name != "postgresql":
        for batch in _batches(rows, _CHUNK):
            await connection.execute(sa.insert(table), batch)
            count += len(batch)
        return count
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    counted = [table.name] if table.name in _COUNTED else []
    async with statistics_set_aside(connection, counted, ("enter",)):
        return await _copy(connection, raw, table, rows)


# Tables whose rows the kept statistics count, row by row (migration 0020): some 0.5 ms a
# row on PostgreSQL, minutes for a million.
_COUNTED = ("assignment", "occurrence", "task")


@asynccontextmanager
async def statistics_set_aside(
    connection: AsyncConnection, tables: Sequence[str], triggers: Sequence[str]
) -> AsyncIterator[None]:
    """For a bulk write on PostgreSQL, set the kept statistics' `triggers` ("enter",
    "update_leave", …) on `tables` aside, and count the statistics once after, as `dondoc
    schedule rebuild` would. SQLite cannot disable a trigger: there they count row by row."""
    names = [(table, f"statistic_{table}_{trigger}") for table in tables for trigger in triggers]
    if connection.dialect.name != "postgresql" or not names:
        yield
        return
    for table, name in names:
        await connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {name}"))
    yield
    for table, name in names:
        await connection.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER {name}"))
    async with UnitOfWork(bind=connection) as session:
        await recount_statistics(session)


async def _copy(
    connection: AsyncConnection, raw: Any, table: sa.Table, rows: Iterable[dict[str, Any]]
) -> int:
    """COPY the rows into `table`, with the columns' constant defaults; how many."""
    count = 0
    for batch in _batches(rows, _CHUNK):
        # COPY knows nothing of the models' defaults (an insert applies them): the columns
        # the rows leave out that have a constant default get it written.
        defaults = {
            c.name: c.default.arg
            for c in table.columns
            if c.name not in batch[0] and isinstance(c.default, ScalarElementColumnDefault)
        }
        names = [*batch[0], *defaults]
        # asyncpg takes a json column's value as its text.
        as_json = {n for n in names if isinstance(table.c[n].type, sa.JSON)}
        records = [
            tuple(
                json.dumps(value) if n in as_json else value
                for n in names
                for value in (row.get(n, defaults.get(n)),)
            )
            for row in batch
        ]
        await raw.copy_records_to_table(table.name, records=records, columns=names)
        count += len(batch)
    if count:
        # COPY leaves the id sequence where it was; later inserts take the next free id.
        await connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT max(id) FROM {table.name}))"
            )
        )
    return count


async def analyze(engine: AsyncEngine) -> None:
    """Gather the planner's statistics after a bulk fill, as a running service has them:
    PostgreSQL's autovacuum vacuums and analyses a table that changed this much (so that
    index-only scans need not visit the table), and on SQLite the housekeeping job
    analyses (services.housekeeping)."""
    if await refresh_statistics(engine):
        return
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(sa.text("VACUUM ANALYZE"))
