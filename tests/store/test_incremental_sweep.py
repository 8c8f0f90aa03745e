"""The incremental sweep (only the assignments whose next step has come) sends exactly what
the full re-plan sends, on random histories: replies, due dates moved by imports and
approved extensions, work awaiting the office's confirmation, snoozes, people joining and
leaving, policies changed, days off added."""

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from domain.access import Role
from domain.calendar import WorkCalendar
from domain.reminders import OfficeHours
from domain.targets import target_key
from models.db import make_engine
from models.tables import Assignment, Person, Plan, Snooze, Task
from services.reminders.load import ReminderSettings
from services.reminders.steps import replan_all
from services.reminders.sweep import sweep
from services.unit_of_work import Sessions, make_sessionmaker, transaction
from tests.builders import HANOI, StoreWorld, ledger, local, outbox

START = local(date(2023, 11, 13), 7, 30)
AGENCIES = ("STTTT", "SNV", "SYT")
DUES = (date(2023, 11, 14), date(2023, 11, 20), date(2023, 11, 24), date(2023, 12, 1))

Op = tuple[Any, ...]

ops = st.one_of(
    st.tuples(st.just("wait"), st.sampled_from([1, 2, 3, 5, 8, 16, 24, 40])),
    st.tuples(st.just("sweep")),
    st.tuples(
        st.just("status"),
        st.integers(0, 5),
        st.sampled_from(["done", "in_progress", "awaiting", "not_started"]),
    ),
    st.tuples(st.just("move due"), st.integers(0, 5), st.integers(-6, 6)),
    st.tuples(st.just("extend"), st.integers(0, 5), st.integers(1, 10)),
    st.tuples(st.just("snooze"), st.integers(0, 7), st.integers(0, 5), st.integers(1, 60)),
    st.tuples(st.just("join"), st.sampled_from(AGENCIES), st.booleans()),
    st.tuples(st.just("leave"), st.integers(0, 7)),
    st.tuples(st.just("policy"), st.sampled_from([None, [5, 1], [2]]), st.integers(0, 3)),
    st.tuples(st.just("day off"), st.integers(0, 20)),
)


@dataclass
class Store:
    """One of the two stores the same history is played on."""

    sessions: Sessions
    world: StoreWorld
    tasks: list[tuple[int, int, str]]
    people: list[tuple[int, str]]
    plan_id: int


async def _build(url: str) -> Store:
    sessions = make_sessionmaker(make_engine(url))
    world = StoreWorld(sessions)
    plan_id = await world.plan(hub="STTTT")
    tasks = []
    for number in range(6):
        lead = AGENCIES[number % len(AGENCIES)]
        handle = await world.task(plan_id, f"T.{number}", DUES[number % len(DUES)], lead=lead)
        async with sessions() as session:
            assignment = await session.get(Assignment, handle)
            assert assignment is not None
            tasks.append((handle, assignment.task_id, lead))
    people = [
        (await world.person("Chị Lan", "STTTT"), "STTTT"),
        (await world.person("Anh Minh", "SNV"), "SNV"),
        (await world.person("Điều phối", "STTTT", role=Role.COORDINATOR), "STTTT"),
    ]
    return Store(sessions, world, tasks, people, plan_id)


async def _apply(store: Store, op: Op, *, now: datetime) -> None:
    kind, *args = op
    sessions, world = store.sessions, store.world
    if kind == "status":
        handle, _task, _lead = store.tasks[args[0]]
        async with transaction(sessions) as session:
            await session.exec(
                sa.update(Assignment).where(col(Assignment.id) == handle).values(status=args[1])
            )
    elif kind == "move due":
        _handle, task_id, _lead = store.tasks[args[0]]
        async with transaction(sessions) as session:
            task = await session.get(Task, task_id)
            assert task is not None and task.due_date is not None
            task.due_date += timedelta(days=args[1])
    elif kind == "extend":
        # An approved extension (services.extensions): later than the deadline in force.
        handle, task_id, _lead = store.tasks[args[0]]
        async with transaction(sessions) as session:
            assignment = await session.get(Assignment, handle)
            task = await session.get(Task, task_id)
            assert assignment is not None and task is not None and task.due_date is not None
            current = assignment.extended_due_date or task.due_date
            assignment.extended_due_date = current + timedelta(days=args[1])
            assignment.extension_count += 1
    elif kind == "snooze":
        # Someone of the task's agency puts it off.
        handle, _task, lead = store.tasks[args[1]]
        theirs = [person for person, agency in store.people if agency == lead]
        if not theirs:
            return
        person = theirs[args[0] % len(theirs)]
        until = now + timedelta(hours=args[2])
        async with transaction(sessions) as session:
            found = (
                await session.exec(
                    select(Snooze).where(
                        Snooze.person_id == person, Snooze.target == target_key(handle)
                    )
                )
            ).first()
            if found is None:
                session.add(
                    Snooze(
                        person_id=person, target=target_key(handle), until=until, created_at=now
                    )
                )
            else:
                found.until = until
    elif kind == "join":
        role = Role.OFFICER if args[1] else Role.COORDINATOR
        name = f"Người {len(store.people)}"
        store.people.append((await world.person(name, args[0], role=role), args[0]))
    elif kind == "leave":
        async with transaction(sessions) as session:
            person = await session.get(Person, store.people[args[0] % len(store.people)][0])
            assert person is not None
            person.active = False
    elif kind == "policy":
        async with transaction(sessions) as session:
            plan = await session.get(Plan, store.plan_id)
            assert plan is not None
            plan.reminder_policy = (
                None if args[0] is None else {"before": args[0], "overdue_every": args[1]}
            )


async def _sent(store: Store) -> tuple[list[Any], list[Any]]:
    messages = sorted(
        (row.chat_id, row.kind, str(row.payload)) for row in await outbox(store.sessions)
    )
    rows = sorted(
        (row.target, row.recipient_id, row.kind, row.outbox_id is None)
        for row in await ledger(store.sessions)
    )
    return messages, rows


async def _play(history: list[Op], template: Path, folder: Path) -> None:
    urls = []
    for name in ("incremental", "full"):
        shutil.copyfile(template, folder / f"{name}.db")
        urls.append(f"sqlite+aiosqlite:///{folder / name}.db")
    incremental, full = [await _build(url) for url in urls]
    now = START
    days_off: set[date] = set()
    calendar = WorkCalendar()
    try:
        for op in history:
            if op[0] == "wait":
                now += timedelta(hours=op[1])
            elif op[0] == "day off":
                days_off.add(now.astimezone(HANOI).date() + timedelta(days=op[1]))
                calendar = WorkCalendar(extra_days_off=days_off)
                # A new calendar comes with a restart, which has everything planned again.
                await replan_all(incremental.sessions)
            elif op[0] == "sweep":
                reminders = ReminderSettings(hours=OfficeHours(calendar, tz=HANOI))
                await sweep(incremental.sessions, settings=reminders, now=now)
                await sweep(full.sessions, settings=reminders, now=now, incremental=False)
                assert await _sent(incremental) == await _sent(full)
            else:
                for store in (incremental, full):
                    await _apply(store, op, now=now)
    finally:
        for store in (incremental, full):
            await store.sessions.kw["bind"].dispose()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(ops, min_size=5, max_size=40))
def test_the_incremental_sweep_sends_what_a_full_replan_sends(
    history: list[Op], sqlite_template: Path
) -> None:
    # Every history ends with the office open a while, swept.
    tail: list[Op] = [("wait", 24), ("sweep",), ("wait", 48), ("sweep",)]
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_play([*history, *tail], sqlite_template, Path(folder)))


def test_a_sweep_plans_again_only_what_changed_since_it_last_looked(
    sqlite_template: Path,
) -> None:
    async def play(folder: Path) -> None:
        shutil.copyfile(sqlite_template, folder / "store.db")
        store = await _build(f"sqlite+aiosqlite:///{folder / 'store.db'}")
        reminders = ReminderSettings(hours=OfficeHours(WorkCalendar(), tz=HANOI))
        monday = local(date(2023, 11, 13), 9)
        try:
            first = await sweep(store.sessions, settings=reminders, now=monday)
            again = await sweep(store.sessions, settings=reminders, now=monday.replace(hour=10))
            await _apply(store, ("status", 0, "in_progress"), now=monday)
            changed = await sweep(store.sessions, settings=reminders, now=monday.replace(hour=11))
            await replan_all(store.sessions)
            rebuilt = await sweep(store.sessions, settings=reminders, now=monday.replace(hour=12))
        finally:
            await store.sessions.kw["bind"].dispose()
        assert first.read == 6
        assert (again.read, again.messages) == (0, 0)
        assert (changed.read, changed.messages) == (1, 0)
        assert (rebuilt.read, rebuilt.messages) == (6, 0)

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(play(Path(folder)))


def test_work_awaiting_the_offices_confirmation_is_not_reminded_until_it_is_returned(
    sqlite_template: Path,
) -> None:
    async def play(folder: Path) -> list[list[str]]:
        shutil.copyfile(sqlite_template, folder / "store.db")
        store = await _build(f"sqlite+aiosqlite:///{folder / 'store.db'}")
        reminders = ReminderSettings(hours=OfficeHours(WorkCalendar(), tz=HANOI))
        monday = local(date(2023, 11, 13), 9)
        handle = store.tasks[0][0]
        seen = []
        try:
            await _apply(store, ("status", 0, "awaiting"), now=monday)
            for hour, status in ((9, None), (10, "in_progress")):
                if status is not None:
                    await _apply(store, ("status", 0, status), now=monday)
                await sweep(store.sessions, settings=reminders, now=monday.replace(hour=hour))
                rows = await ledger(store.sessions)
                seen.append(sorted(r.kind for r in rows if r.target == target_key(handle)))
        finally:
            await store.sessions.kw["bind"].dispose()
        return seen

    with tempfile.TemporaryDirectory() as folder:
        awaiting, returned = asyncio.run(play(Path(folder)))
    assert awaiting == []
    assert returned == ["before:1@2023-11-14"]
