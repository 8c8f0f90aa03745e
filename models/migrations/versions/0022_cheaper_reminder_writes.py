"""reminderledger and outbox: cheaper to write a day's reminders into

- Drop ix_reminder_kind (kind, target, recipient_id). Since the escalation reads its ledger
  rows by target (services.reminders.load.ledger_rows, a `kind || ''` filter that no index
  serves), nothing reads the ledger by kind: every read is by target, which
  uq_reminder_once (target, recipient_id, kind) answers, as it did before. The index was
  only written to, once per ledger row: on PostgreSQL a fifth of the time a 1,000,000
  assignment store's day's first sweep spent inserting its 460,000 ledger rows.
- On PostgreSQL, compress new outbox payloads with lz4 instead of pglz (where the server
  has lz4): a reminder's payload is some 9 KB of JSON, which pglz compressed at a third of
  the cost of inserting the whole outbox row; lz4 does it in a fraction of that, for
  payloads some 20% larger (still stored in line). Rows written before keep their pglz
  payloads, which read as they did.
- On PostgreSQL, check the ledger's two foreign keys (recipient_id to person, outbox_id to
  outbox) once per statement instead of once per row. A foreign key runs one lookup per
  inserted row (a query through SPI, some 4 us each): two per ledger row, a sweep's
  largest cost after the rows themselves. The triggers that replace them keep every
  guarantee the keys gave, in the same statement and the same transaction:
  - an INSERT or UPDATE of ledger rows locks the distinct people and outbox rows they
    name, FOR KEY SHARE as a foreign key does (a delete waits for this transaction, and
    this statement waits for a delete in progress), and fails with foreign_key_violation
    (an IntegrityError, as before) if any of them is missing;
  - a DELETE from person or outbox fails the same way if the ledger names a deleted row,
    as does changing the id of a row it names (NO ACTION, as the keys were).
  A sweep's write of some 8,000 ledger rows then locks its ~1,000 people and outbox rows
  once each. The unique key uq_reminder_once, which makes each reminder exactly-once, is
  untouched. SQLite keeps the declared keys (its checks are in-process and cheap); the
  models still declare them, which is what SQLite gets (models.tables.CHECKED_PER_STATEMENT).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 20:10:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _has_lz4() -> bool:
    """Whether this PostgreSQL server was built with lz4."""
    return bool(
        op.get_bind()
        .exec_driver_sql(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        .first()
    )


# The ledger's foreign keys checked per statement on PostgreSQL: (constraint, column, table).
_KEYS = (
    ("reminderledger_recipient_id_fkey", "recipient_id", "person"),
    ("reminderledger_outbox_id_fkey", "outbox_id", "outbox"),
)


def _violation(message: str, constraint: str) -> str:
    return (
        f"RAISE EXCEPTION '{message}' USING ERRCODE = 'foreign_key_violation', "
        f"CONSTRAINT = '{constraint}', TABLE = 'reminderledger';"
    )


def _checked_per_statement() -> list[str]:
    """The functions and triggers that replace the ledger's foreign keys on PostgreSQL."""
    checks = []
    for constraint, column, parent in _KEYS:
        # count(DISTINCT) leaves out NULLs, which a foreign key lets through too.
        checks.append(
            f"SELECT count(DISTINCT {column}) INTO wanted FROM new_rows; "
            f"WITH locked AS (SELECT 1 FROM {parent} "
            f"WHERE id IN (SELECT {column} FROM new_rows) FOR KEY SHARE) "
            "SELECT count(*) INTO found FROM locked; "
            "IF found < wanted THEN "
            + _violation(
                f'insert or update on table "reminderledger" violates foreign key '
                f'constraint "{constraint}"',
                constraint,
            )
            + " END IF;"
        )
    statements = [
        "CREATE FUNCTION reminderledger_refers() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE wanted bigint; found bigint; BEGIN "
        + " ".join(checks)
        + " RETURN NULL; END $$",
        *(
            f"CREATE TRIGGER reminderledger_refers_{event} AFTER {event} ON reminderledger "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION reminderledger_refers()"
            for event in ("insert", "update")
        ),
    ]
    for constraint, column, parent in _KEYS:
        refused = _violation(
            f'update or delete on table "{parent}" violates foreign key constraint '
            f'"{constraint}" on table "reminderledger"',
            constraint,
        )
        statements += [
            f"CREATE FUNCTION {parent}_deleted_for_ledger() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN IF EXISTS (SELECT 1 FROM reminderledger "
            f"WHERE {column} IN (SELECT id FROM old_rows)) THEN {refused} END IF; "
            "RETURN NULL; END $$",
            f"CREATE TRIGGER {parent}_deleted_for_ledger AFTER DELETE ON {parent} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {parent}_deleted_for_ledger()",
            f"CREATE FUNCTION {parent}_renumbered_for_ledger() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM reminderledger "
            f"WHERE {column} = OLD.id) THEN {refused} END IF; RETURN NULL; END $$",
            f"CREATE TRIGGER {parent}_renumbered_for_ledger AFTER UPDATE OF id ON {parent} "
            "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) "
            f"EXECUTE FUNCTION {parent}_renumbered_for_ledger()",
        ]
    return statements


def upgrade() -> None:
    op.drop_index("ix_reminder_kind", table_name="reminderledger")
    if op.get_bind().dialect.name != "postgresql":
        return
    if _has_lz4():
        op.execute("ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION lz4")
    for constraint, _column, _parent in _KEYS:
        op.drop_constraint(constraint, "reminderledger", type_="foreignkey")
    for statement in _checked_per_statement():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, trigger in [
            ("reminderledger", "reminderledger_refers_insert"),
            ("reminderledger", "reminderledger_refers_update"),
            *(
                (parent, f"{parent}_{what}_for_ledger")
                for _constraint, _column, parent in _KEYS
                for what in ("deleted", "renumbered")
            ),
        ]:
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute("DROP FUNCTION reminderledger_refers()")
        for _constraint, _column, parent in _KEYS:
            for what in ("deleted", "renumbered"):
                op.execute(f"DROP FUNCTION {parent}_{what}_for_ledger()")
        for constraint, column, parent in _KEYS:
            op.create_foreign_key(constraint, "reminderledger", parent, [column], ["id"])
        op.execute("ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION default")
    op.create_index(
        "ix_reminder_kind", "reminderledger", ["kind", "target", "recipient_id"], unique=False
    )
