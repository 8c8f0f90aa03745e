"""A sweep plans and writes the due assignments a chunk of agencies at a time: it sends
exactly what one sweep over all of them at once sends, and a failure between chunks
leaves the rest for the next sweep, nothing sent twice."""

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from domain.access import Role
from domain.targets import target_key
from models.tables import Assignment, ChatIdentity, Outbox, ReminderLedger, Snooze, Task
from services.reminders import chunks as reminders_chunks
from services.reminders import sweep as reminders_sweep
from services.reminders.load import load_store, read_people
from services.reminders.sweep import SweepResult, sweep
from services.unit_of_work import Sessions, transaction
from tests.builders import SETTINGS, StoreWorld, ledger, local, outbox
from tests.conftest import BOTH_STORES, POSTGRES_ONLY
from tests.faults import fail_on_call

AGENCIES = [f"AG{n}" for n in range(8)]
# The first six have officers; the last two nobody, so their hub coordinator is told.
STAFFED = AGENCIES[:6]
MONDAY = date(2023, 11, 20)
DAYS = [MONDAY + timedelta(days=n) for n in (0, 1, 2, 3, 4, 7)]


@pytest.fixture
def world(sessions: Sessions) -> StoreWorld:
    return StoreWorld(sessions)


async def _store(world: StoreWorld) -> list[int]:
    """Three tasks an agency, due over the fortnight; officers, a coordinator, an indicator."""
    plan = await world.plan(hub="VPUB")
    handles = []
    for number, agency in enumerate(AGENCIES * 3):
        due = MONDAY + timedelta(days=number % 11)
        handles.append(await world.task(plan, f"I.{number}", due, lead=agency))
    for number, agency in enumerate(STAFFED * 2):
        await world.person(f"Cán bộ {number}", agency, locale="vi" if number % 3 else "en")
    await world.person("Điều phối", "VPUB", role=Role.COORDINATOR)
    # An indicator (read whole, beside the assignments) joins its agency's chunk.
    await world.indicator(plan, "PL3.7", owners=("AG2",))
    return handles


async def _sent(sessions: Sessions) -> tuple[list[Any], list[Any]]:
    messages = sorted((row.chat_id, row.kind, str(row.payload)) for row in await outbox(sessions))
    rows = sorted(
        (row.target, row.recipient_id, row.kind, row.outbox_id is None)
        for row in await ledger(sessions)
    )
    return messages, rows


async def _forget_what_was_sent(sessions: Sessions) -> None:
    """The store as it was before any sweep: no ledger, no outbox, every assignment due."""
    async with transaction(sessions) as session:
        await session.exec(sa.delete(ReminderLedger))
        await session.exec(sa.delete(Outbox))
        await session.exec(sa.update(Assignment).values(next_step_on=None))


async def _sweep_the_days(sessions: Sessions, snoozer: int, handle: int) -> list[SweepResult]:
    results = []
    for day in DAYS:
        if day == DAYS[2]:
            async with transaction(sessions) as session:
                session.add(
                    Snooze(
                        person_id=snoozer,
                        target=target_key(handle),
                        until=local(day, 15),
                        created_at=local(day, 8),
                    )
                )
        for hour in (9, 16):
            results.append(await sweep(sessions, settings=SETTINGS, now=local(day, hour)))
    return results


@BOTH_STORES
async def test_a_sweep_chunk_by_chunk_sends_what_one_sweep_over_everything_sends(
    world: StoreWorld, sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    handles = await _store(world)
    snoozer = await world.person("Chị Lan", "AG1")

    monkeypatch.setattr(reminders_sweep, "CHUNK", 2)
    chunked = await _sweep_the_days(sessions, snoozer, handles[1])
    by_chunks = await _sent(sessions)
    async with transaction(sessions) as session:
        await session.exec(sa.delete(Snooze))
    await _forget_what_was_sent(sessions)
    monkeypatch.setattr(reminders_sweep, "CHUNK", 10_000)
    whole = await _sweep_the_days(sessions, snoozer, handles[1])

    assert await _sent(sessions) == by_chunks
    assert chunked == whole
    # Every day brought something, and more assignments than one chunk holds.
    assert all(r.messages for r in chunked[::2])
    assert chunked[0].read == len(handles) + 1
    # The agencies nobody receives for are told of once, in one digest.
    assert chunked[0].notices == 2
    assert sum(r.notices for r in chunked) == 2


@BOTH_STORES
@pytest.mark.parametrize(
    ("name", "failing"),
    [
        ("write_prepared", 3),  # the third chunk's messages were never written
        ("move_on", 2),  # the second chunk's were, but its next days not moved on
        ("_plan_chunk", 3),  # the third chunk was never planned (the second being worded)
    ],
)
async def test_a_sweep_that_fails_between_chunks_leaves_the_rest_to_the_next_sweep(
    world: StoreWorld,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    name: str,
    failing: int,
) -> None:
    await _store(world)
    wednesday: datetime = local(DAYS[2], 9)
    monkeypatch.setattr(reminders_sweep, "CHUNK", 2)
    calls = fail_on_call(monkeypatch, reminders_sweep, name, failing)

    with pytest.raises(RuntimeError):
        await sweep(sessions, settings=SETTINGS, now=wednesday)
    # No chunk starts after the failure is seen; the one written beside it may have begun.
    beside = max(reminders_sweep.WRITES_AT_ONCE.values()) - 1
    assert failing <= len(calls) <= failing + beside
    # The one failure is raised, not logged again as a second one, and nothing is left
    # running with a failure of its own.
    assert "failed too" not in caplog.text
    assert "never retrieved" not in caplog.text
    partly, _rows = await _sent(sessions)
    monkeypatch.undo()
    monkeypatch.setattr(reminders_sweep, "CHUNK", 2)
    rest = await sweep(sessions, settings=SETTINGS, now=wednesday + timedelta(minutes=5))
    after_both = await _sent(sessions)
    await _forget_what_was_sent(sessions)
    once = await sweep(sessions, settings=SETTINGS, now=wednesday)

    assert 0 < len(partly) < once.messages
    assert rest.messages == once.messages - len(partly)
    assert after_both == await _sent(sessions)
    assert rest.conflicts == 0


@POSTGRES_ONLY
async def test_an_assignment_closed_after_the_sweep_found_it_is_not_reminded(
    world: StoreWorld, sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On PostgreSQL a sweep finds the due assignments' ids first, then reads each chunk by
    # id: a chunk read after a reply sees the reply.
    plan = await world.plan(hub="VPUB")
    first = await world.task(plan, "I.1", MONDAY, lead="AG0")
    second = await world.task(plan, "I.2", MONDAY, lead="AG1")
    for agency in ("AG0", "AG1"):
        await world.person(f"Cán bộ {agency}", agency)
    monkeypatch.setattr(reminders_sweep, "CHUNK", 1)
    read_by_id: list[list[int]] = []
    rows_among = reminders_chunks.rows_among

    async def replied_before_the_second_chunk(*args: Any) -> AsyncIterator[Sequence[Any]]:
        read_by_id.append(list(args[-1]))
        if len(read_by_id) == 2:
            async with transaction(sessions) as session:
                await session.exec(
                    sa.update(Assignment).where(col(Assignment.id) == second).values(status="done")
                )
        async for rows in rows_among(*args):
            yield rows

    monkeypatch.setattr(reminders_chunks, "rows_among", replied_before_the_second_chunk)
    result = await sweep(sessions, settings=SETTINGS, now=local(MONDAY, 9))

    assert read_by_id == [[first], [second]]
    assert {row.target for row in await ledger(sessions)} == {target_key(first)}
    assert result.read == 1


@BOTH_STORES
async def test_a_step_come_for_a_task_since_made_a_recurring_duty_is_not_reminded(
    world: StoreWorld, sessions: Sessions
) -> None:
    # A recurring duty is reminded through its report periods. PostgreSQL finds the steps
    # come without looking at their tasks, then reads each by id, task and all: the task's
    # rule, which no trigger watches, must still keep its assignment out.
    plan = await world.plan(hub="VPUB")
    kept = await world.task(plan, "I.1", DAYS[3], lead="AG0")
    duty = await world.task(plan, "I.2", DAYS[3], lead="AG0")
    await world.person("Cán bộ", "AG0")
    await sweep(sessions, settings=SETTINGS, now=local(MONDAY, 9))
    before = [row.target for row in await ledger(sessions)]
    async with transaction(sessions) as session:
        assignment = await session.get(Assignment, duty)
        assert assignment is not None
        await session.exec(
            sa.update(Task)
            .where(col(Task.id) == assignment.task_id)
            .values(recurrence={"cadence": "quarterly"})
        )

    for day in DAYS[1:]:
        await sweep(sessions, settings=SETTINGS, now=local(day, 9))

    after = [row.target for row in await ledger(sessions)]
    assert target_key(duty) in before
    assert after.count(target_key(kept)) > before.count(target_key(kept))
    assert after.count(target_key(duty)) == before.count(target_key(duty))


@BOTH_STORES
async def test_people_read_by_agency_are_those_the_whole_read_finds(
    world: StoreWorld, sessions: Sessions
) -> None:
    # A sweep reads the officers of the agencies a chunk has work for, and everyone else
    # who may be told once: what it finds of them is what reading everyone finds.
    await world.plan(hub="VPUB")
    officers = {
        agency: [await world.person(f"{agency} {n}", agency) for n in (1, 2)]
        for agency in ("AG0", "AG1", "AG2")
    }
    coordinator = await world.person("Điều phối", "VPUB", role=Role.COORDINATOR)
    leader = await world.person("Lãnh đạo", None, role=Role.LEADER)
    # An officer registered again on Zalo: the chat registered last is the one written to.
    await world.add(
        ChatIdentity(
            person_id=officers["AG1"][0], channel="zalo", chat_id="z1", created_at=local(MONDAY)
        )
    )
    now = local(MONDAY, 9)
    first, rest = world.codes["AG1"], [world.codes["AG0"], world.codes["AG2"]]

    async with sessions() as session:
        whole, by_agency = [
            await load_store(
                session,
                settings=SETTINGS,
                now=now,
                remind_through=None,
                blocked_any=False,
                assignments=False,
            )
            for _ in range(2)
        ]
        await read_people(session, whole, now=now)
        await read_people(session, by_agency, now=now, agencies=[first])

        assert by_agency.recipients == {first: whole.recipients[first]}
        assert set(by_agency.contacts) == {*officers["AG1"], coordinator, leader}
        assert by_agency.contacts[officers["AG1"][0]].channel == "zalo"
        await read_people(session, by_agency, now=now, agencies=[first, *rest])

    assert by_agency.recipients == whole.recipients
    assert by_agency.contacts == whole.contacts
    assert by_agency.coordinators == whole.coordinators
    assert by_agency.leaders == whole.leaders == [leader]
    assert by_agency.agencies == whole.agencies
