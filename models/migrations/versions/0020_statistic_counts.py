"""statistic_count: /thongke's four buckets counted ahead, by agency and by plan, per
quarter, kept by triggers on assignment, occurrence, task and overdue_day

/thongke for the whole city read every lead assignment (and report period) that could count
in the period, joined to its task: at a million assignments a year's figures scanned some
650,000 rows a call. The statistics are now kept, in the statement that changes what they
count: a row per agency or plan, deadline (original or extended), kind and quarter, with
how many rows of the store fall there.

What a row of the store counts as (domain.statistics.classify, services.statistics), for
each deadline it has (which: 'o' the original, 'e' the extended one, 'b' both, when they
are the same day, as for most rows):
- done, with a completion time: kind 'd', the quarter of its local completion day, and
  whether it was completed by that deadline (flag);
- still open (not done, not cancelled): kind 'o' and whether the deadline lies before
  overdue_day.day, the day the kept counts count against (flag); the quarter of the
  deadline, or 0 when it is past (overdue work counts whatever its quarter).
Only lead assignments of live tasks count (not removed, not restating another), as
services.statistics reads them; a row with no such deadline is not counted against it.

The view statistic_entry gives these entries row by row; each trigger subtracts the entries
of the rows a change touches before it, and adds them back after (an assignment: its own
and its report periods'; a task: its assignments'; a report period: its own), so the counts
equal the view's entries grouped, whoever writes. The counted day moving flips the open
entries due in between (services.overdue_counts moves it once a day); the zone completions
are dated in is kept beside it, and changing it recounts the done entries.

For a period of whole quarters asked as of the counted day, the four buckets by agency and
by plan are sums over these rows (services.statistic_counts): done in the period by its
flag, open and overdue, open and due by the period's end.

A later migration that rebuilds assignment, occurrence, task or overdue_day on SQLite (a
batch copy: a new table renamed over the old) must drop these views and triggers first and
create them again after, with this module's functions: SQLite refuses to rename a table
that a view or a trigger names (this one adds overdue_day's columns with plain ALTER TABLE
for the same reason: 0019's triggers name it).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "dim, key, which, kind, q, flag"
_SETTING = "(SELECT {column} FROM overdue_day WHERE id = 1)"


def _local_day(column: str, postgres: bool) -> str:
    """The local day of a stored UTC time, in the zone kept on overdue_day."""
    if postgres:
        zone = f"coalesce({_SETTING.format(column='zone')}, 'Asia/Ho_Chi_Minh')"
        return f"CAST(({column} AT TIME ZONE {zone}) AS date)"
    offset = f"coalesce({_SETTING.format(column='utc_offset')}, 25200)"
    return f"date({column}, printf('%+d seconds', {offset}))"


def _quarter(day: str, postgres: bool) -> str:
    """A day's quarter as one number: year * 4 + (0..3)."""
    if postgres:
        return f"(CAST(EXTRACT(YEAR FROM {day}) AS integer) * 4 + (CAST(EXTRACT(MONTH FROM {day}) AS integer) - 1) / 3)"
    return (
        f"(CAST(strftime('%Y', {day}) AS INTEGER) * 4 "
        f"+ (CAST(strftime('%m', {day}) AS INTEGER) - 1) / 3)"
    )


def _views(postgres: bool) -> list[str]:
    """statistic_entry: per counted row of the store, one entry per (agency or plan) and
    deadline it is counted against; the assignments' and the report periods' apart too."""
    false = "false" if postgres else "0"

    def rows(row: str, occurrence_id: str, original: str, joined: str) -> str:
        """A counted lead assignment (`row` "a") or report period ("o") with its deadlines
        and local completion day."""
        return (
            f"SELECT a.id AS assignment_id, {occurrence_id} AS occurrence_id, "
            "a.task_id AS task_id, a.agency_id AS agency_id, t.plan_id AS plan_id, "
            f"{original} AS d_o, coalesce({row}.extended_due_date, {original}) AS d_e, "
            f"{row}.status AS status, {_local_day(f'{row}.completed_at', postgres)} AS c "
            f"FROM {joined} JOIN task t ON t.id = a.task_id "
            f"WHERE {row}.status <> 'cancelled' "
            f"AND NOT ({row}.status = 'done' AND {row}.completed_at IS NULL) "
            f"AND a.role = 'lead' AND t.removed = {false} AND t.same_as_task_id IS NULL"
        )

    direct = rows(
        "a", "CAST(NULL AS integer)" if postgres else "NULL", "t.due_date", "assignment a"
    )
    periods = rows(
        "o", "o.id", "o.due_date", "occurrence o JOIN assignment a ON a.id = o.assignment_id"
    )
    due = "(CASE s.which WHEN 'o' THEN r.d_o ELSE r.d_e END)"
    done = "r.status = 'done'"
    overdue = f"{due} < {_SETTING.format(column='day')}"
    pairs = [(dim, which) for dim in "ap" for which in "oeb"]
    kinds = (
        "(VALUES {}) AS s(dim, which)".format(", ".join(f"('{d}', '{w}')" for d, w in pairs))
        if postgres
        else "({}) AS s".format(
            " UNION ALL ".join(f"SELECT '{d}' AS dim, '{w}' AS which" for d, w in pairs)
        )
    )
    # One entry for both deadlines where they are the same day (most rows), one each else.
    differ = "IS DISTINCT FROM" if postgres else "IS NOT"
    counted = (
        f"((s.which = 'b' AND r.d_o = r.d_e) "
        f"OR (s.which <> 'b' AND r.d_o {differ} r.d_e AND {due} IS NOT NULL))"
    )
    entries = (
        "SELECT r.assignment_id, r.occurrence_id, r.task_id, "
        "s.dim AS dim, CASE s.dim WHEN 'a' THEN r.agency_id ELSE r.plan_id END AS key, "
        "s.which AS which, "
        f"CASE WHEN {done} THEN 'd' ELSE 'o' END AS kind, "
        # Open work overdue counts whatever its quarter: one row for all of it.
        f"CASE WHEN {done} THEN {_quarter('r.c', postgres)} WHEN {overdue} THEN 0 "
        f"ELSE {_quarter(due, postgres)} END AS q, "
        f"CASE WHEN {done} THEN r.c <= {due} "
        f"ELSE coalesce({overdue}, {false}) END AS flag, "
        f"{due} AS due "
        "FROM ({rows}) AS r CROSS JOIN " + kinds + " WHERE " + counted
    )
    return [
        f"CREATE VIEW statistic_direct_entry AS {entries.format(rows=direct)}",
        f"CREATE VIEW statistic_period_entry AS {entries.format(rows=periods)}",
        "CREATE VIEW statistic_entry AS SELECT * FROM statistic_direct_entry "
        "UNION ALL SELECT * FROM statistic_period_entry",
    ]


def _add(where: str, sign: str, source: str = "statistic_entry") -> str:
    """Add (sign '') or take away (sign '-') the entries meeting `where` to the counts."""
    return (
        f"INSERT INTO statistic_count ({_KEY}, n) "
        f"SELECT {_KEY}, {sign}count(*) FROM {source} WHERE {where} "
        # In key order: two writers touching the same counts lock them in the same order.
        f"GROUP BY {_KEY} ORDER BY {_KEY} "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET n = statistic_count.n + excluded.n"
    )


# What each table's row changes, and the entries it touches (by the row written, OLD or NEW).
_WATCHED = {
    "assignment": (
        ("task_id", "agency_id", "role", "status", "completed_at", "extended_due_date"),
        "assignment_id = {row}.id",
    ),
    "occurrence": (
        ("assignment_id", "status", "completed_at", "due_date", "extended_due_date"),
        "occurrence_id = {row}.id",
    ),
    "task": (("plan_id", "due_date", "removed", "same_as_task_id"), "task_id = {row}.id"),
}


def _changed(columns: Sequence[str], postgres: bool) -> str:
    differ = "IS DISTINCT FROM" if postgres else "IS NOT"
    return " OR ".join(f"OLD.{c} {differ} NEW.{c}" for c in columns)


_OPEN = "status IN ('not_started', 'in_progress', 'blocked', 'awaiting')"


def _day_moved(low: str, high: str, sign: str) -> list[str]:
    """The counted day moving from one day to another: the open entries due between the two
    (`low` the earlier, '0001-01-01' when the day was or becomes unset; `high` the later)
    flip, found by the indexes on the deadlines, not by reading every entry (the deadline
    in force is on the assignment, 0017). Rows with their other deadline elsewhere are
    taken away and added back alike."""
    direct = (
        f"SELECT id FROM assignment WHERE deadline >= {low} AND deadline < {high} AND {_OPEN} "
        "UNION SELECT a.id FROM task t JOIN assignment a ON a.task_id = t.id "
        f"WHERE t.due_date >= {low} AND t.due_date < {high}"
    )
    periods = (
        f"SELECT id FROM occurrence WHERE due_date >= {low} AND due_date < {high} "
        f"UNION SELECT id FROM occurrence WHERE extended_due_date >= {low} "
        f"AND extended_due_date < {high}"
    )
    return [
        _add(f"kind = 'o' AND assignment_id IN ({direct})", sign, "statistic_direct_entry"),
        _add(f"kind = 'o' AND occurrence_id IN ({periods})", sign, "statistic_period_entry"),
    ]


# The zone completions are dated in changing: every done entry's quarter and flag may.
_ZONE_MOVED = "kind = 'd'"


def _postgres_up() -> list[str]:
    statements = []
    for table, (columns, touched) in _WATCHED.items():
        statements += [
            f"""
CREATE FUNCTION statistic_{table}_leave() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_add(touched.format(row="OLD"), "-")};
    -- Before an update, NEW goes on to be written; before a delete, OLD goes.
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$
""",
            f"""
CREATE FUNCTION statistic_{table}_enter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_add(touched.format(row="NEW"), "")};
    RETURN NULL;
END $$
""",
            f"CREATE TRIGGER statistic_{table}_leave BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION statistic_{table}_leave()",
            f"CREATE TRIGGER statistic_{table}_update_leave BEFORE UPDATE OF "
            f"{', '.join(columns)} ON {table} FOR EACH ROW "
            f"WHEN ({_changed(columns, True)}) EXECUTE FUNCTION statistic_{table}_leave()",
            f"CREATE TRIGGER statistic_{table}_enter AFTER INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION statistic_{table}_enter()",
            f"CREATE TRIGGER statistic_{table}_update_enter AFTER UPDATE OF "
            f"{', '.join(columns)} ON {table} FOR EACH ROW "
            f"WHEN ({_changed(columns, True)}) EXECUTE FUNCTION statistic_{table}_enter()",
        ]
    leave = ";\n        ".join(_day_moved("low", "high", "-"))
    enter = ";\n    ".join(_day_moved("low", "high", ""))
    statements += [
        f"""
CREATE FUNCTION statistic_day() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_day date;
    new_day date;
    low date;
    high date;
    moved boolean;
    rezoned boolean;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_day := OLD.day; END IF;
    IF TG_OP <> 'DELETE' THEN new_day := NEW.day; END IF;
    high := greatest(old_day, new_day);
    low := CASE WHEN old_day IS NULL OR new_day IS NULL THEN DATE '0001-01-01'
        ELSE least(old_day, new_day) END;
    moved := old_day IS DISTINCT FROM new_day;
    rezoned := CASE TG_OP
        WHEN 'INSERT' THEN NEW.zone <> 'Asia/Ho_Chi_Minh'
        WHEN 'DELETE' THEN OLD.zone <> 'Asia/Ho_Chi_Minh'
        ELSE OLD.zone IS DISTINCT FROM NEW.zone END;
    IF TG_WHEN = 'BEFORE' THEN
        IF moved THEN {leave}; END IF;
        IF rezoned THEN {_add(_ZONE_MOVED, "-")}; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF moved THEN {enter}; END IF;
    IF rezoned THEN {_add(_ZONE_MOVED, "")}; END IF;
    RETURN NULL;
END $$
""",
        "CREATE TRIGGER statistic_day_leave BEFORE INSERT OR UPDATE OR DELETE ON overdue_day "
        "FOR EACH ROW EXECUTE FUNCTION statistic_day()",
        "CREATE TRIGGER statistic_day_enter AFTER INSERT OR UPDATE OR DELETE ON overdue_day "
        "FOR EACH ROW EXECUTE FUNCTION statistic_day()",
    ]
    return statements


def _postgres_down() -> list[str]:
    statements = [
        "DROP TRIGGER statistic_day_enter ON overdue_day",
        "DROP TRIGGER statistic_day_leave ON overdue_day",
        "DROP FUNCTION statistic_day()",
    ]
    for table in _WATCHED:
        statements += [
            *(
                f"DROP TRIGGER statistic_{table}_{name} ON {table}"
                for name in ("leave", "update_leave", "enter", "update_enter")
            ),
            f"DROP FUNCTION statistic_{table}_leave()",
            f"DROP FUNCTION statistic_{table}_enter()",
        ]
    return statements


def _sqlite_up() -> list[str]:
    statements = []
    for table, (columns, touched) in _WATCHED.items():
        when = _changed(columns, False)
        leave = _add(touched.format(row="OLD"), "-")
        enter = _add(touched.format(row="NEW"), "")
        statements += [
            f"CREATE TRIGGER statistic_{table}_leave BEFORE DELETE ON {table} "
            f"BEGIN {leave}; END",
            f"CREATE TRIGGER statistic_{table}_update_leave BEFORE UPDATE OF "
            f"{', '.join(columns)} ON {table} WHEN {when} BEGIN {leave}; END",
            f"CREATE TRIGGER statistic_{table}_enter AFTER INSERT ON {table} BEGIN {enter}; END",
            f"CREATE TRIGGER statistic_{table}_update_enter AFTER UPDATE OF "
            f"{', '.join(columns)} ON {table} WHEN {when} BEGIN {enter}; END",
        ]
    # SQLite dates completions by the offset kept beside the zone: a change recounts them.
    for event, old, new, rezoned in (
        ("INSERT", "NULL", "NEW.day", "NEW.utc_offset IS NOT 25200"),
        ("DELETE", "OLD.day", "NULL", "OLD.utc_offset IS NOT 25200"),
        ("UPDATE", "OLD.day", "NEW.day", "OLD.utc_offset IS NOT NEW.utc_offset"),
    ):
        name = event.lower()
        high = f"max(coalesce({old}, '0001-01-01'), coalesce({new}, '0001-01-01'))"
        low = f"(CASE WHEN {old} IS NULL OR {new} IS NULL THEN '0001-01-01' ELSE min({old}, {new}) END)"
        moved = f"{old} IS NOT {new}"
        for when, sign in (("BEFORE", "-"), ("AFTER", "")):
            side = "leave" if sign else "enter"
            statements += [
                f"CREATE TRIGGER statistic_day_{name}_{side} {when} {event} ON overdue_day "
                f"WHEN {moved} BEGIN {'; '.join(_day_moved(low, high, sign))}; END",
                f"CREATE TRIGGER statistic_zone_{name}_{side} {when} {event} ON overdue_day "
                f"WHEN {rezoned} BEGIN {_add(_ZONE_MOVED, sign)}; END",
            ]
    return statements


def _sqlite_down() -> list[str]:
    names = [
        f"statistic_{what}_{e}_{s}"
        for what in ("day", "zone")
        for e in ("insert", "delete", "update")
        for s in ("leave", "enter")
    ]
    names += [
        f"statistic_{table}_{name}"
        for table in _WATCHED
        for name in ("leave", "update_leave", "enter", "update_enter")
    ]
    return [f"DROP TRIGGER {name}" for name in names]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # Plain ALTER TABLE on SQLite too: a batch copy would trip on 0019's triggers.
    op.add_column(
        "overdue_day",
        sa.Column("zone", sa.String(64), nullable=False, server_default="Asia/Ho_Chi_Minh"),
    )
    op.add_column(
        "overdue_day",
        sa.Column("utc_offset", sa.Integer(), nullable=False, server_default="25200"),
    )
    op.create_table(
        "statistic_count",
        sa.Column("dim", sa.String(1), nullable=False),
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("which", sa.String(1), nullable=False),
        sa.Column("kind", sa.String(1), nullable=False),
        sa.Column("q", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("flag", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dim", "key", "which", "kind", "q", "flag"),
        # Read in key order, grouped by agency or plan: clustered on SQLite as on a scan of
        # PostgreSQL's heap, instead of an index scan looking each row up (twice as slow).
        sqlite_with_rowid=False,
    )
    for view in _views(postgres):
        op.execute(view)
    op.create_index("ix_occurrence_extended_due_date", "occurrence", ["extended_due_date"])
    op.execute(f"INSERT INTO statistic_count ({_KEY}, n) SELECT {_KEY}, count(*) FROM statistic_entry WHERE true GROUP BY {_KEY}")
    for statement in _postgres_up() if postgres else _sqlite_up():
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _postgres_down() if postgres else _sqlite_down():
        op.execute(statement)
    for view in ("statistic_entry", "statistic_period_entry", "statistic_direct_entry"):
        op.execute(f"DROP VIEW {view}")
    op.drop_index("ix_occurrence_extended_due_date", table_name="occurrence")
    op.drop_table("statistic_count")
    op.drop_column("overdue_day", "utc_offset")
    op.drop_column("overdue_day", "zone")
