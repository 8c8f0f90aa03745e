"""The query plans of what a piece of work reads: its SELECT statements are captured as they
run, then explained on the same store with the same parameters.

SQLite answers EXPLAIN QUERY PLAN (what it scans, which index it searches); PostgreSQL
answers EXPLAIN ANALYZE without timings, so the plan shows how many rows each node really
read: a read whose cost grows with the answer reads about as many rows as it returns.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

# The longest plan printed per statement (a plan past this is cut, and says so).
_MAX_LINES = 40


@contextmanager
def captured(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements run on `engine` inside the block, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def before(
        _connection: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        executemany: bool,
    ) -> None:
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", before)


def _sqlite_tree(rows: list[Any]) -> list[str]:
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


async def explain(engine: AsyncEngine, statements: list[tuple[str, Any]]) -> list[str]:
    """The plan of each statement, headed by the statement's first 110 characters."""
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "
    out: list[str] = []
    async with engine.connect() as connection:
        for number, (statement, parameters) in enumerate(statements, start=1):
            flat = " ".join(statement.split())
            out.append(f"  [{number}] {flat[:110]}{'…' if len(flat) > 110 else ''}")
            result = await connection.exec_driver_sql(prefix + statement, parameters)
            rows = list(result.all())
            lines = _sqlite_tree(rows) if sqlite else [row[0] for row in rows]
            out += [f"      {line}" for line in lines[:_MAX_LINES]]
            if len(lines) > _MAX_LINES:
                out.append(f"      … {len(lines) - _MAX_LINES} more lines")
    return out


def print_plans(title: str, lines: list[str]) -> None:
    """Print explained plans under a title."""
    print(f"\nquery plans, {title}")
    for line in lines:
        print(line)
