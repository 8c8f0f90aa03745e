"""Bulk writes past the ORM: inserts and updates over arrays, values in the driver's form.

The sweep writes thousands of ledger and outbox rows at once, and a batch of replies queues
its history, confirmations and status updates to go out together (`write_deferred`, used by
services.unit_of_work). On PostgreSQL such rows go as one statement over arrays; on SQLite
as an executemany.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import Connection, Dialect, Insert, Update
from sqlalchemy.sql.base import Executable

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


def write_deferred(
    connection: Connection, queued: Mapping[Executable, list[dict[str, Any]]]
) -> None:
    """Write the rows a unit of work queued (services.unit_of_work), statement by statement
    in the order they were queued: on the connection, as Core, without the ORM's bulk
    machinery or events. On PostgreSQL the rows of `bulk_insert`s and `bulk_update`s go
    last, all in one statement."""
    bulk: list[tuple[Insert | Update, list[dict[str, Any]]]] = []
    for statement, rows in queued.items():
        if _unnestable(statement, connection.dialect, rows):
            bulk.append((cast(Insert | Update, statement), rows))
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


def unnest_insert_sharing(
    table: sa.Table, names: Sequence[str], dialect: Dialect, *, shared: str
) -> str:
    """unnest_insert, with the values of column `shared` (one of `names`) given once each:
    its array (bind parameter `shared`) holds each row's number (from 1) in a second array
    of the distinct values (parameter `shared` + "_values"). A long value that many rows
    share, like a message sent to the officers of an agency, is then sent, converted and
    checked by the server once, not once per row. Rows are inserted in the order of the
    arrays."""
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    given = [f"v.{quote(name)}" if name != shared else "s.value" for name in names]
    kind = type(table.c[shared].type)().compile(dialect=dialect)
    return (
        f"INSERT INTO {quote(table.name)} ({columns}) "
        f"SELECT {', '.join(given)} FROM {_unnest(table, names, dialect, '', numbered=shared)} "
        f"WITH ORDINALITY AS v({columns}, row_number) "
        f"JOIN unnest(CAST(:{shared}_values AS {kind}[])) WITH ORDINALITY AS s(value, number) "
        f"ON s.number = v.{quote(shared)} ORDER BY v.row_number"
    )


def sharing_parameters(
    rows: Sequence[Mapping[str, Any]], names: Sequence[str], *, shared: str
) -> dict[str, list[Any]]:
    """The bind parameters of unnest_insert_sharing for `rows`: an array per column, where
    column `shared` holds each row's number (from 1) among the distinct values, found by
    identity (rows that share a value share one object), listed in `shared` + "_values"."""
    numbers: dict[int, int] = {}
    distinct: list[Any] = []
    numbered: list[int] = []
    for row in rows:
        value = row[shared]
        number = numbers.get(id(value))
        if number is None:
            distinct.append(value)
            number = numbers[id(value)] = len(distinct)
        numbered.append(number)
    arrays = {name: [row[name] for row in rows] for name in names if name != shared}
    return {**arrays, shared: numbered, f"{shared}_values": distinct}


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


def _unnest(
    table: sa.Table,
    names: Sequence[str],
    dialect: Dialect,
    prefix: str,
    *,
    numbered: str | None = None,
) -> str:
    """unnest() over one array parameter per column, each named after its column (after
    `prefix`) and cast to the column's type without its length: an explicit cast to
    VARCHAR(40) would silently cut a longer value, where the write itself refuses it. The
    `numbered` column's array holds integers (see unnest_insert_sharing)."""

    def kind(name: str) -> str:
        return (
            "INTEGER" if name == numbered else type(table.c[name].type)().compile(dialect=dialect)
        )

    arrays = ", ".join(f"CAST(:{prefix}{name} AS {kind(name)}[])" for name in names)
    return f"unnest({arrays})"
