"""What a sweep sends to the database comes in a few shapes, whatever the values: the
driver keeps the statements it prepared (128 a connection in Python's sqlite3), and a
statement per chunk of values, each holding thousands of them, kept some 100 MiB."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access import Role
from domain.reminders import OpenTarget
from domain.targets import target_key
from models.tables import ReminderLedger
from services.reminders import write as reminders_write
from services.reminders.history import ledger_rows, target_info
from services.reminders.load import load_store
from services.reminders.sweep import sweep
from services.unit_of_work import Sessions
from tests.builders import SETTINGS, StoreWorld, ledger, local
from tests.conftest import BOTH_STORES


@pytest.fixture
def world(sessions: Sessions) -> StoreWorld:
    return StoreWorld(sessions)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL text of every statement run on `engine` in the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@BOTH_STORES
async def test_looking_up_many_or_few_keys_is_one_statement_with_the_right_answer(
    world: StoreWorld, engine: AsyncEngine, sessions: Sessions
) -> None:
    plan = await world.plan()
    handles = [await world.task(plan, f"I.{n}", date(2023, 11, 20)) for n in range(5)]
    await world.person("Chị Lan", "STTTT")
    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 20)))
    sent = {(row.target, row.recipient_id, row.kind) for row in await ledger(sessions)}
    keys = [target_key(handle) for handle in handles]

    found = []
    with statements(engine) as seen:
        async with sessions() as session:
            for wanted in (keys[:1], keys, [*keys, "a:999999", "o'quoted"]):
                found.append(
                    await ledger_rows(session, column=ReminderLedger.target, values=wanted)
                )
    assert len(seen) == 3
    assert len(set(seen)) == 1
    assert found[1] == found[2] == sent
    assert found[0] == {row for row in sent if row[0] == keys[0]}

    targets = await _targets(sessions, handles)
    with statements(engine) as seen:
        async with sessions() as session:
            for count in (1, 3):
                shown = await target_info(session, targets[:count])
                assert sorted(info.handle for info in shown.values()) == handles[:count]
    assert len(seen) == 2
    assert len(set(seen)) == 1


async def _targets(sessions: Sessions, handles: list[int]) -> list[OpenTarget]:
    """The open targets of the assignments, in the order of `handles`."""
    async with sessions() as session:
        store = await load_store(
            session,
            settings=SETTINGS,
            now=local(date(2023, 11, 20)),
            remind_through=None,
            blocked_any=False,
        )
    by_id = {t.assignment_id: t for t in store.targets}
    return [by_id[handle] for handle in handles]


@pytest.mark.parametrize("count", [0, 1, 5, 512, 1000, 1023])
def test_outbox_rows_go_in_slices_of_a_power_of_two(count: int) -> None:
    rows = list(range(count))
    pages = list(reminders_write._pages(rows))
    assert [row for page in pages for row in page] == rows
    sizes = [len(page) for page in pages]
    assert all(size & (size - 1) == 0 and size <= reminders_write.LARGEST_PAGE for size in sizes)
    assert sizes == sorted(sizes, reverse=True)


@BOTH_STORES
async def test_a_sweep_writes_its_outbox_rows_in_a_few_statement_shapes(
    world: StoreWorld, engine: AsyncEngine, sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminders_write, "LARGEST_PAGE", 4)
    plan = await world.plan()
    await world.task(plan, "I.1", date(2023, 11, 20))
    people = [await world.person(f"Cán bộ {n}", "STTTT") for n in range(11)]
    await world.person("Điều phối", "STTTT", role=Role.COORDINATOR)

    with statements(engine) as seen:
        result = await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 20)))

    assert result.messages == len(people)
    outbox_inserts = {s for s in seen if s.startswith("INSERT INTO outbox")}
    # 11 rows: pages of 4, 4, 2 and 1 on SQLite; one statement over arrays on PostgreSQL.
    assert len(outbox_inserts) == (1 if engine.dialect.name == "postgresql" else 3)
