"""statistic_total: /thongke's eight figures per agency and plan for the quarter, the six
months and the year of the counted day, kept by triggers on statistic_count and overdue_day

0020 keeps the statistics per quarter and cell; a year's figures summed some 150,000 of those
rows per call at a million assignments (200 ms of the server's time before the answer was
built). The periods /thongke is asked for unless told otherwise (this quarter, these six
months, this year) are now kept summed: a row per span ('q', 'h', 'y'), agency or plan, with
its eight figures (done on time, done late, open in time, open overdue, against the
original deadline then the extended one) and `later`, how many of its rows were completed
after the counted day's quarter (the counts cannot place them: services.statistic_counts
answers from the assignments then).

The view statistic_span gives each span's first and last quarter and the counted day's one
(none until a day is counted); statistic_total_entry sums statistic_count over them.
Triggers on statistic_count (on PostgreSQL once a statement, over its transition tables; on
SQLite a row at a time) add each change of a count to the spans it falls in, by the day
counted when it is made, so whoever writes the counts (0020's triggers, a recount) keeps the
totals equal to the view; when the counted day moves to another quarter, its spans move and
the totals are summed again (a few times a year, as the sweep moves the day).

On PostgreSQL a recount of the statistics (services.statistic_counts) sets
`dondoc.recounting` for its transaction: the trigger then leaves the totals alone (a row at
a time, the 600,000 rows a recount writes at a million assignments would take minutes), and
the recount sums them again after.

Like 0020's: a later migration that rebuilds overdue_day or statistic_count on SQLite (a batch
copy) must drop these views and triggers first and create them again after.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "span, dim, key"
_FIGURES = ("o0", "o1", "o2", "o3", "e0", "e1", "e2", "e3", "later")


def _quarter(day: str, postgres: bool) -> str:
    """A day's quarter as one number: year * 4 + (0..3), as 0020 numbers them."""
    if postgres:
        return (
            f"(CAST(EXTRACT(YEAR FROM {day}) AS integer) * 4 "
            f"+ (CAST(EXTRACT(MONTH FROM {day}) AS integer) - 1) / 3)"
        )
    return (
        f"(CAST(strftime('%Y', {day}) AS INTEGER) * 4 "
        f"+ (CAST(strftime('%m', {day}) AS INTEGER) - 1) / 3)"
    )


def _span_view(postgres: bool) -> str:
    """statistic_span: the counted day's quarter, six months and year as (span, q_first,
    q_last, q_today) in quarters; no row before a day is counted."""
    sizes = (("q", 1), ("h", 2), ("y", 4))
    spans = (
        "(VALUES {}) AS s(span, size)".format(", ".join(f"('{s}', {n})" for s, n in sizes))
        if postgres
        else "({}) AS s".format(
            " UNION ALL ".join(f"SELECT '{s}' AS span, {n} AS size" for s, n in sizes)
        )
    )
    return (
        "CREATE VIEW statistic_span AS "
        "SELECT s.span AS span, d.t - d.t % s.size AS q_first, "
        "d.t - d.t % s.size + s.size - 1 AS q_last, d.t AS q_today "
        f"FROM (SELECT {_quarter('day', postgres)} AS t FROM overdue_day "
        "WHERE id = 1 AND day IS NOT NULL) AS d CROSS JOIN " + spans
    )


def _summed(cells: str) -> str:
    """The totals of `cells` (rows with statistic_count's columns) per span, agency or
    plan: which figure a cell adds to in a span follows services.statistic_counts' reading
    of the counts (done in the span's quarters by its flag; completed after the counted
    day's quarter: `later`; open and overdue; open and due by the span's end)."""
    bucket = (
        "CASE WHEN c.kind = 'd' THEN CASE WHEN c.q > s.q_today THEN 4 "
        "WHEN c.q < s.q_first THEN NULL WHEN c.flag THEN 0 ELSE 1 END "
        "WHEN c.flag THEN 3 WHEN c.q <= s.q_last THEN 2 END"
    )
    figures = [
        f"sum(CASE WHEN which <> '{other}' AND b = {number} THEN n ELSE 0 END) AS {deadline}{number}"
        for deadline, other in (("o", "e"), ("e", "o"))
        for number in range(4)
    ]
    figures.append("sum(CASE WHEN b = 4 THEN n ELSE 0 END) AS later")
    return (
        f"SELECT {_KEY}, {', '.join(figures)} FROM ("
        f"SELECT s.span AS span, c.dim AS dim, c.key AS key, c.which AS which, c.n AS n, "
        f"{bucket} AS b FROM ({cells}) AS c CROSS JOIN statistic_span AS s) AS t "
        f"WHERE b IS NOT NULL GROUP BY {_KEY}"
    )


def _totals_view() -> str:
    return (
        "CREATE VIEW statistic_total_entry AS "
        + _summed("SELECT dim, key, which, kind, q, flag, n FROM statistic_count")
    )


def _cell(row: str, sign: str) -> str:
    return (
        f"SELECT {row}.dim AS dim, {row}.key AS key, {row}.which AS which, "
        f"{row}.kind AS kind, {row}.q AS q, {row}.flag AS flag, {sign}{row}.n AS n"
    )


def _add(cells: str) -> str:
    """Add the cells' totals to statistic_total."""
    names = ", ".join(_FIGURES)
    added = ", ".join(f"{f} = statistic_total.{f} + excluded.{f}" for f in _FIGURES)
    return (
        f"INSERT INTO statistic_total ({_KEY}, {names}) {_summed(cells)} "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET {added}"
    )


_REBUILD = (
    "DELETE FROM statistic_total",
    f"INSERT INTO statistic_total ({_KEY}, {', '.join(_FIGURES)}) "
    f"SELECT {_KEY}, {', '.join(_FIGURES)} FROM statistic_total_entry WHERE true",
)


_COLUMNS = "dim, key, which, kind, q, flag"
# PostgreSQL's triggers on statistic_count, by event: their transition tables.
_EVENTS = {
    "insert": "NEW TABLE AS added",
    "delete": "OLD TABLE AS removed",
    "update": "OLD TABLE AS removed NEW TABLE AS added",
}


def _postgres_up() -> list[str]:
    removed = f"SELECT {_COLUMNS}, -n AS n FROM removed"
    added = f"SELECT {_COLUMNS}, n FROM added"
    moved = f"{_quarter('OLD.day', True)} IS DISTINCT FROM {_quarter('NEW.day', True)}"
    return [
        # Once a statement, over the rows it wrote: a day's move rewrites thousands of
        # counts in one statement, and a row at a time they cost five times the move.
        f"""
CREATE FUNCTION statistic_total_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dondoc.recounting', true) = 'on' THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' THEN
        {_add(added)};
    ELSIF TG_OP = 'DELETE' THEN
        {_add(removed)};
    ELSE
        {_add(f"{removed} UNION ALL {added}")};
    END IF;
    RETURN NULL;
END $$
""",
        *(
            f"CREATE TRIGGER statistic_total_{event} AFTER {event.upper()} ON statistic_count "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION statistic_total_count()"
            for event, tables in _EVENTS.items()
        ),
        f"""
CREATE FUNCTION statistic_total_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        {"; ".join(_REBUILD)};
    ELSIF {moved} THEN
        {"; ".join(_REBUILD)};
    END IF;
    RETURN NULL;
END $$
""",
        "CREATE TRIGGER statistic_total_day AFTER INSERT OR DELETE OR UPDATE OF day ON "
        "overdue_day FOR EACH ROW EXECUTE FUNCTION statistic_total_day()",
    ]


def _sqlite_up() -> list[str]:
    removed, added = _cell("OLD", "-"), _cell("NEW", "")
    moved = f"{_quarter('OLD.day', False)} IS NOT {_quarter('NEW.day', False)}"
    rebuild = "; ".join(_REBUILD)
    return [
        f"CREATE TRIGGER statistic_total_insert AFTER INSERT ON statistic_count "
        f"BEGIN {_add(added)}; END",
        f"CREATE TRIGGER statistic_total_delete AFTER DELETE ON statistic_count "
        f"BEGIN {_add(removed)}; END",
        f"CREATE TRIGGER statistic_total_update AFTER UPDATE ON statistic_count "
        f"BEGIN {_add(f'{removed} UNION ALL {added}')}; END",
        # The counted day's quarter moving (or the day set, or unset) moves the spans.
        f"CREATE TRIGGER statistic_total_day_insert AFTER INSERT ON overdue_day "
        f"BEGIN {rebuild}; END",
        f"CREATE TRIGGER statistic_total_day_delete AFTER DELETE ON overdue_day "
        f"BEGIN {rebuild}; END",
        f"CREATE TRIGGER statistic_total_day_update AFTER UPDATE OF day ON overdue_day "
        f"WHEN {moved} BEGIN {rebuild}; END",
    ]


_SQLITE_TRIGGERS = (
    "statistic_total_insert",
    "statistic_total_delete",
    "statistic_total_update",
    "statistic_total_day_insert",
    "statistic_total_day_delete",
    "statistic_total_day_update",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "statistic_total",
        sa.Column("span", sa.String(1), nullable=False),
        sa.Column("dim", sa.String(1), nullable=False),
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _FIGURES),
        sa.PrimaryKeyConstraint("span", "dim", "key"),
        sqlite_with_rowid=False,
    )
    op.execute(_span_view(postgres))
    op.execute(_totals_view())
    op.execute(_REBUILD[1])
    for statement in _postgres_up() if postgres else _sqlite_up():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER statistic_total_day ON overdue_day")
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER statistic_total_{event} ON statistic_count")
        op.execute("DROP FUNCTION statistic_total_day()")
        op.execute("DROP FUNCTION statistic_total_count()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP VIEW statistic_total_entry")
    op.execute("DROP VIEW statistic_span")
    op.drop_table("statistic_total")
