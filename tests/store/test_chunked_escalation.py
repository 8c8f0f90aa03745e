"""The escalation pass reads and plans the open targets a chunk of agencies at a time and
writes each person's digest once, whole: it sends exactly what one pass over every target at
once sends, and a stop between chunks, or between two people's digests, loses and repeats
nothing when the next pass runs."""

from datetime import date, timedelta
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from domain.access import Role
from domain.status import Status
from models.enums import AssignmentRole
from models.tables import Assignment, Outbox, ReminderLedger, Task
from services.reminders import escalation as reminders_escalation
from services.reminders import write as reminders_write
from services.reminders.escalation import escalate
from services.unit_of_work import Sessions, transaction
from tests.builders import EPOCH, SETTINGS, StoreWorld, ledger, local, message, outbox
from tests.conftest import BOTH_STORES
from tests.faults import fail_on_call

AGENCIES = [f"AG{n}" for n in range(8)]
# Five working days after the indicator's June report day (2023-06-20), then a fortnight on,
# when more tasks are late by the long-overdue limit (20 working days).
DAYS = [local(date(2023, 6, 28), 10), local(date(2023, 7, 12), 10)]


@pytest.fixture
def world(sessions: Sessions) -> StoreWorld:
    return StoreWorld(sessions)


async def _late_store(world: StoreWorld) -> dict[str, int]:
    """Under two plans with hubs of their own: four tasks given to every agency (one line
    each in a digest) and two more an agency, due over May and June, a few blocked; a late
    indicator; the two hub coordinators and a leader."""
    plans = [await world.plan("1/KH-UBND", hub="VPUB"), await world.plan("2/KH-UBND", hub="STT")]
    for number in range(4):
        task_id = await world.add(
            Task(
                plan_id=plans[number % 2],
                code=f"I.{number}",
                title="Rà soát, cập nhật cơ sở dữ liệu dùng chung",
                due_date=date(2023, 5, 2) + timedelta(days=9 * number),
                due_kind="date",
            )
        )
        for agency in AGENCIES:
            await world.add(
                Assignment(
                    task_id=task_id,
                    agency_id=await world.agency(agency),
                    role=AssignmentRole.LEAD.value,
                    status=Status.IN_PROGRESS.value,
                    last_update_at=EPOCH,
                )
            )
    for number, agency in enumerate(AGENCIES * 2):
        await world.task(
            plans[number % 2],
            f"II.{number}",
            date(2023, 5, 2) + timedelta(days=3 * number),
            lead=agency,
            status=Status.BLOCKED if number % 7 == 3 else Status.IN_PROGRESS,
        )
    await world.indicator(plans[0], "PL3.7", owners=("AG2",))
    return {
        "hub": await world.person("Điều phối 1", "VPUB", role=Role.COORDINATOR),
        "other hub": await world.person("Điều phối 2", "STT", role=Role.COORDINATOR, locale="en"),
        "leader": await world.person("Chủ tịch", None, role=Role.LEADER),
    }


async def _sent(sessions: Sessions) -> tuple[list[Any], list[Any]]:
    messages = sorted(
        (row.person_id, row.kind, str(row.payload)) for row in await outbox(sessions)
    )
    rows = sorted((row.target, row.recipient_id, row.kind) for row in await ledger(sessions))
    return messages, rows


async def _forget_what_was_sent(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        await session.exec(sa.delete(ReminderLedger))
        await session.exec(sa.delete(Outbox))


def _chunks_of(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Chunks of `size` assignments, and the planned lines spilled every `size` too."""
    monkeypatch.setattr(reminders_escalation, "CHUNK", size)
    monkeypatch.setattr(reminders_escalation._EscalationLines, "RUN", size)


@BOTH_STORES
async def test_an_escalation_chunk_by_chunk_sends_what_one_pass_over_everything_sends(
    world: StoreWorld, sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await _late_store(world)

    _chunks_of(monkeypatch, 2)
    chunked = [await escalate(sessions, settings=SETTINGS, now=day) for day in DAYS]
    by_chunks = await _sent(sessions)
    await _forget_what_was_sent(sessions)
    _chunks_of(monkeypatch, 10_000)
    whole = [await escalate(sessions, settings=SETTINGS, now=day) for day in DAYS]

    assert await _sent(sessions) == by_chunks
    assert chunked == whole
    # One digest a person each day, each line once: the second day only what came late since.
    assert [r.messages for r in chunked] == [3, 1]
    _messages, rows = by_chunks
    assert len(rows) == len(set(rows)) == sum(r.items for r in chunked)
    assert chunked[0].items > 20
    # A task given to every agency (so read in every chunk) is still one line.
    first = {row.person_id: message(row).text for row in (await outbox(sessions))[:3]}
    assert (
        "• I.0 Rà soát, cập nhật cơ sở dữ liệu dùng chung — 8 cơ quan quá hạn: AG0, AG1, AG2,"
        " AG3, AG4, AG5, AG6, AG7"
    ) in first[people["hub"]]
    assert "📈 Chỉ tiêu chưa báo cáo số liệu, quá hạn từ 5 ngày" in first[people["hub"]]
    assert "• Overdue: tasks 24 · agencies 8" in first[people["other hub"]]
    assert "📌 Quá hạn kéo dài (42)" in first[people["leader"]]


@BOTH_STORES
@pytest.mark.parametrize(
    ("module", "name", "failing", "written"),
    [
        # The third chunk was never planned: nothing is written before every chunk is.
        (reminders_escalation, "_plan_escalation_chunk", 3, 0),
        # The first person's digest was written, the second's not.
        (reminders_write, "insert_ledger", 2, 1),
    ],
)
async def test_an_escalation_stopped_midway_is_finished_by_the_next_pass_each_line_once(
    world: StoreWorld,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
    module: ModuleType,
    name: str,
    failing: int,
    written: int,
) -> None:
    await _late_store(world)
    day = DAYS[0]

    def one_digest_a_transaction() -> None:
        _chunks_of(monkeypatch, 2)
        monkeypatch.setattr(reminders_escalation, "DIGESTS_PER_WRITE", 1)

    one_digest_a_transaction()
    calls = fail_on_call(monkeypatch, module, name, failing)
    with pytest.raises(RuntimeError):
        await escalate(sessions, settings=SETTINGS, now=day)
    assert len(calls) == failing
    partly, _rows = await _sent(sessions)
    monkeypatch.undo()
    one_digest_a_transaction()
    rest = await escalate(sessions, settings=SETTINGS, now=day + timedelta(minutes=5))
    after_both = await _sent(sessions)
    await _forget_what_was_sent(sessions)
    once = await escalate(sessions, settings=SETTINGS, now=day)

    assert len(partly) == written
    assert once.messages == 3
    assert rest.messages == once.messages - written
    assert rest.conflicts == 0
    assert after_both == await _sent(sessions)
