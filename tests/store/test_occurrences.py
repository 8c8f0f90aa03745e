"""Periods of recurring duties in the store: created ahead once, each reminded on its own."""

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.bootstrap import App
from bot.settings import load_settings
from domain.recurrence import Cadence, Recurrence
from domain.status import Status
from models.tables import Occurrence, Outbox, ReminderLedger, Task
from scheduler.jobs import run_sweep
from services.occurrences import generate_occurrences, recurrence_from_json
from services.unit_of_work import Sessions, transaction
from tests.builders import StoreWorld, local
from tests.conftest import BOTH_STORES
from views.messages import Outgoing

# Stored the way services.plans writes Task.recurrence.
QUARTERLY = {
    "cadence": "quarterly",
    "month": None,
    "quarter": None,
    "before_day": 20,
    "description": "quarterly, before day 20 of the last month of the quarter",
}


@pytest.fixture
def world(sessions: Sessions) -> StoreWorld:
    return StoreWorld(sessions)


async def periods(sessions: Sessions) -> list[tuple[int, str, date]]:
    async with sessions() as session:
        rows = await session.exec(select(Occurrence).order_by(col(Occurrence.id)))
        return [(o.assignment_id, o.period_label, o.due_date) for o in rows.all()]


async def generate(sessions: Sessions, today: date) -> int:
    async with transaction(sessions) as session:
        return (await generate_occurrences(session, today=today)).created


def test_a_stored_rule_reads_back_as_the_recurrence_it_was() -> None:
    assert recurrence_from_json(QUARTERLY) == Recurrence(Cadence.QUARTERLY, before_day=20)


@BOTH_STORES
async def test_the_current_and_next_period_are_created_once_for_each_lead(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan("KH-CĐS")
    lead = await world.task(plan, "VI.7.b", None, recurrence=QUARTERLY, cooperating="SXD")
    other = await world.task(plan, "VI.7.c", None, lead="SNV", recurrence=QUARTERLY)

    assert await generate(sessions, date(2023, 4, 10)) == 4
    assert await generate(sessions, date(2023, 4, 10)) == 0
    assert await periods(sessions) == [
        (lead, "2023-Q2", date(2023, 6, 19)),
        (lead, "2023-Q3", date(2023, 9, 19)),
        (other, "2023-Q2", date(2023, 6, 19)),
        (other, "2023-Q3", date(2023, 9, 19)),
    ]
    assert await generate(sessions, date(2023, 7, 1)) == 2
    assert [p[1] for p in await periods(sessions) if p[0] == lead] == [
        "2023-Q2",
        "2023-Q3",
        "2023-Q4",
    ]


@BOTH_STORES
async def test_an_unreadable_rule_is_reported_and_the_rest_still_scheduled(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    await world.task(plan, "A", None, recurrence={"cadence": "fortnightly"})
    await world.task(plan, "B", None, recurrence=QUARTERLY)
    async with transaction(sessions) as session:
        result = await generate_occurrences(session, today=date(2023, 4, 10))
        [bad] = (await session.exec(select(Task.id).where(Task.code == "A"))).all()
    assert (result.created, result.unreadable_tasks) == (2, (bad,))


@BOTH_STORES
async def test_a_quarterly_report_is_reminded_period_by_period_through_a_year(
    world: StoreWorld, sessions: Sessions, db_url: str, engine: AsyncEngine
) -> None:
    plan = await world.plan("KH-CĐS")
    handle = await world.task(plan, "VI.7.b", None, recurrence=QUARTERLY)
    await world.person("Chị Lan", "STTTT")
    app = App(settings=load_settings(database_url=db_url), engine=engine, sessions=sessions)
    # Each quarter's last working day before the 20th; 19/3/2023 is a Sunday.
    due_days = [date(2023, 3, 17), date(2023, 6, 19), date(2023, 9, 19), date(2023, 12, 19)]

    seen = []
    for day in due_days:
        result = await run_sweep(app, now=local(day))
        async with sessions() as session:
            row = (await session.exec(select(Outbox).order_by(col(Outbox.id).desc()))).first()
            assert row is not None
            sent = Outgoing.from_payload(row.payload)
            [item] = sent.items
            occurrence = await session.get(Occurrence, item.occurrence_id)
            assert occurrence is not None
            seen.append((result.reminders, occurrence.period_label, occurrence.due_date))
            assert item.assignment_id == handle
            assert f"[{occurrence.period_label}]" in sent.text
            # The officer reports it done: the period stops being reminded.
            occurrence.status = Status.DONE.value
            session.add(occurrence)
            await session.commit()

    assert seen == [
        (1, "2023-Q1", date(2023, 3, 19)),
        (1, "2023-Q2", date(2023, 6, 19)),
        (1, "2023-Q3", date(2023, 9, 19)),
        (1, "2023-Q4", date(2023, 12, 19)),
    ]
    async with sessions() as session:
        targets = {r.target for r in (await session.exec(select(ReminderLedger))).all()}
    assert len(targets) == 4 and all(t.startswith("o:") for t in targets)
