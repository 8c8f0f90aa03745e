"""What the ledger holds of targets (what was sent), and what messages show of them."""

from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from domain.indicators.collection import indicator_of
from domain.reminders import PAIR, PAIRS, LedgerKey, OpenTarget, Recorded
from models.tables import Assignment, Occurrence, Plan, ReminderLedger, Task
from services.reminders.load import among, rows_among
from services.unit_of_work import UnitOfWork
from views.reminders import TargetInfo


async def ledger_rows(
    session: UnitOfWork,
    *,
    column: Any,
    values: Collection[str],
    kinds: Collection[str] | None = None,
) -> set[LedgerKey]:
    """Ledger keys whose `column` (ReminderLedger.target, which the unique key indexes) is
    one of `values` (and, given `kinds`, whose kind is one of them)."""
    found: set[LedgerKey] = set()
    statement = sa.select(
        col(ReminderLedger.target),
        col(ReminderLedger.recipient_id),
        col(ReminderLedger.kind),
    )
    if kinds is not None:
        # `kind || ''`, not the column: SQLite then reads the rows by target and checks
        # each one's kind, instead of walking the index of kinds for every pair of a kind
        # and a target (20 times slower for a chunk of 700 targets).
        kind = col(ReminderLedger.kind).op("||", return_type=sa.String())(sa.literal_column("''"))
        dialect = (await session.connection()).dialect
        statement = statement.where(among(kind, sorted(kinds), dialect=dialect))
    async for rows in rows_among(session, statement, col(column), sorted(values)):
        found.update((target, person, kind) for target, person, kind in rows)
    return found


async def recorded_of(session: UnitOfWork, targets: Collection[str]) -> Recorded:
    """Every ledger row of `targets`, packed by the database into a text per target
    (domain.reminders.Recorded); those of a target whose kinds would not pack, as rows."""
    kind = col(ReminderLedger.kind)
    pair = sa.cast(col(ReminderLedger.recipient_id), sa.String()) + PAIR + kind
    statement = sa.select(
        col(ReminderLedger.target),
        sa.func.aggregate_strings(pair, PAIRS),
        sa.func.max(sa.case((kind.contains(PAIRS), 1), else_=0)),
    ).group_by(col(ReminderLedger.target))
    packed: dict[str, str] = {}
    unpacked: list[str] = []
    async for rows in rows_among(session, statement, col(ReminderLedger.target), sorted(targets)):
        for target, text, split in rows:
            if split:
                unpacked.append(target)
            else:
                packed[target] = text
    # (None unpacked, the usual case: no statement is run.)
    return Recorded(
        packed, await ledger_rows(session, column=ReminderLedger.target, values=unpacked)
    )


async def target_info(session: UnitOfWork, targets: Iterable[OpenTarget]) -> dict[str, TargetInfo]:
    """What messages show about task targets (indicators: Store.owed.info)."""
    wanted = {t.key: t for t in targets if indicator_of(t.key) is None}
    assignment_ids = sorted({t.assignment_id for t in wanted.values()})
    occurrence_ids = sorted({t.occurrence_id for t in wanted.values() if t.occurrence_id})
    base: dict[int, tuple[Any, ...]] = {}
    tasks = (
        sa.select(
            col(Assignment.id),
            col(Assignment.progress),
            col(Assignment.blocked_reason),
            col(Task.code),
            col(Task.title),
            col(Plan.ref),
            col(Plan.source_key),
        )
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
    )
    async for rows in rows_among(session, tasks, col(Assignment.id), assignment_ids):
        base.update({row[0]: tuple(row) for row in rows})
    periods: dict[int, tuple[Any, ...]] = {}
    occurrences = sa.select(
        col(Occurrence.id),
        col(Occurrence.period_label),
        col(Occurrence.progress),
        col(Occurrence.blocked_reason),
    )
    async for rows in rows_among(session, occurrences, col(Occurrence.id), occurrence_ids):
        periods.update({row[0]: tuple(row) for row in rows})
    info = {}
    for key, target in wanted.items():
        row = base.get(target.assignment_id)
        if row is None:
            continue
        _, progress, reason, code, title, ref, source_key = row
        period = None
        if target.occurrence_id is not None:
            occurrence = periods.get(target.occurrence_id)
            if occurrence is None:
                continue
            _, period, progress, reason = occurrence
        # Positional, in the fields' order (handle, task_code, title, plan_label, period,
        # progress, blocked_reason).
        info[key] = TargetInfo(
            target.assignment_id, code, title, ref or source_key, period, progress, reason
        )
    return info
