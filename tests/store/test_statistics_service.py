"""The official statistics read from a real store, against a table worked out by hand."""

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from domain.access import Actor, Role
from domain.statistics import (
    AssignmentRow,
    Basis,
    Tally,
    compute,
    half_year,
    quarter,
    year_period,
)
from domain.status import Status
from models.tables import Assignment, Occurrence, Person
from services.statistics import period_statistics
from services.summary import summary_message
from services.unit_of_work import Sessions, transaction
from tests.builders import HANOI, StoreWorld, local
from tests.conftest import BOTH_STORES
from views.statistics import PeriodStatistics

pytestmark = BOTH_STORES

Q2 = quarter(2023, 2)  # 01/04/2023 - 30/06/2023
AS_OF = date(2023, 7, 10)  # after the quarter: the figures are as of 30/06


async def _set(world: StoreWorld, handle: int, **values: Any) -> None:
    async with transaction(world.sessions) as session:
        row = await session.get(Assignment, handle)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)


async def _done(world: StoreWorld, handle: int, on: datetime, **values: Any) -> None:
    await _set(world, handle, status=Status.DONE.value, progress=100, completed_at=on, **values)


async def hand_computed_store(world: StoreWorld) -> None:
    """The hand-computed table: (agency, due, extended, state) → bucket on each deadline."""
    plan = await world.plan("40/KH-UBND")
    # SXD: on time, late, and on time by 30 minutes past local midnight on 01/04.
    a = await world.task(plan, "A", date(2023, 5, 15), lead="SXD")
    await _done(world, a, local(date(2023, 5, 10)))
    b = await world.task(plan, "B", date(2023, 5, 15), lead="SXD")
    await _done(world, b, local(date(2023, 5, 20)))
    late_night = await world.task(plan, "L", date(2023, 4, 3), lead="SXD")
    await _done(world, late_night, local(date(2023, 4, 1), 0, 30))
    cancelled = await world.task(plan, "J", date(2023, 5, 1), lead="SXD")
    await _set(world, cancelled, status=Status.CANCELLED.value)
    # STTTT: extended past the quarter (overdue on the original only), due on the last day
    # (still in time), completed last quarter (not counted), and carried over from Q1.
    c = await world.task(plan, "C", date(2023, 6, 10), lead="STTTT", cooperating="SNN")
    await _set(world, c, status="in_progress", extended_due_date=date(2023, 9, 30))
    await world.task(plan, "D", date(2023, 6, 30), lead="STTTT")
    e = await world.task(plan, "E", date(2023, 3, 15), lead="STTTT")
    await _done(world, e, local(date(2023, 3, 10)))
    await world.task(plan, "F", date(2023, 3, 31), lead="STTTT")
    # SNN: completed early (counts now), extended and completed after the original deadline
    # but before the extended one, due later (not counted), completed after the cut-off.
    g = await world.task(plan, "G", date(2023, 8, 31), lead="SNN")
    await _done(world, g, local(date(2023, 6, 5)))
    await world.task(plan, "H", date(2023, 12, 31), lead="SNN")
    i = await world.task(plan, "I", date(2023, 5, 1), lead="SNN")
    await _done(world, i, local(date(2023, 6, 10)), extended_due_date=date(2023, 6, 15))
    k = await world.task(plan, "K", date(2023, 6, 20), lead="SNN")
    await _done(world, k, local(date(2023, 7, 2)))
    # A recurring report of SNN: the June period is open, the September one not yet due.
    duty_plan = await world.plan("02/CT-UBND")
    duty = await world.task(
        duty_plan, "III.1", None, lead="SNN", recurrence={"kind": "monthly", "day": 20}
    )
    for label, due in (("2023-06", date(2023, 6, 20)), ("2023-09", date(2023, 9, 20))):
        await world.add(
            Occurrence(
                assignment_id=duty,
                period_label=label,
                period_start=due.replace(day=1),
                period_end=due,
                due_date=due,
            )
        )


async def _figures(world: StoreWorld, actor: Actor) -> PeriodStatistics:
    async with world.sessions() as session:
        return await period_statistics(session, actor=actor, period=Q2, as_of=AS_OF, tz=HANOI)


async def test_the_four_buckets_match_the_hand_computed_table(sessions: Sessions) -> None:
    world = StoreWorld(sessions)
    await hand_computed_store(world)
    leader = Actor(1, "Lãnh đạo", Role.LEADER, None, "vi")

    found = await _figures(world, leader)

    stats = found.statistics
    assert stats.overall.original == Tally(3, 2, 1, 4)
    assert stats.overall.extended == Tally(4, 1, 1, 3)
    assert stats.by_agency["SXD"].original == Tally(2, 1, 0, 0)
    assert stats.by_agency["STTTT"].original == Tally(0, 0, 1, 2)
    assert stats.by_agency["STTTT"].extended == Tally(0, 0, 1, 1)
    assert stats.by_agency["SNN"].original == Tally(1, 1, 0, 2)
    assert stats.by_agency["SNN"].extended == Tally(2, 0, 0, 2)
    assert stats.by_plan["02/CT-UBND"].original == Tally(0, 0, 0, 1)
    ranking = [(r.agency_code, r.rank) for r in stats.ranking(Basis.EXTENDED)]
    assert ranking == [("SXD", 1), ("SNN", 2), ("STTTT", 3)]
    assert found.agency_names["SNN"] == "Sở SNN"
    assert found.plan_titles["40/KH-UBND"] == "Kế hoạch 40/KH-UBND"


async def test_an_officer_counts_only_their_own_agency(sessions: Sessions) -> None:
    world = StoreWorld(sessions)
    await hand_computed_store(world)
    person_id = await world.person("Chị Lan", "SNN")
    async with sessions() as session:
        person = (await session.exec(select(Person).where(Person.id == person_id))).one()
    found = await _figures(world, Actor.of(person))

    assert set(found.statistics.by_agency) == {"SNN"}
    assert found.statistics.overall.original == Tally(1, 1, 0, 2)
    assert found.own_agency


async def test_a_quarter_not_over_counts_work_due_later_in_it_as_in_time(
    sessions: Sessions,
) -> None:
    world = StoreWorld(sessions)
    await hand_computed_store(world)
    leader = Actor(1, "Lãnh đạo", Role.LEADER, None, "vi")
    async with sessions() as session:
        found = await period_statistics(
            session, actor=leader, period=Q2, as_of=date(2023, 5, 16), tz=HANOI
        )

    # By 16/05: A and L on time; B, due 15/05, open and overdue; C, D, K and the June report
    # in time; F overdue since Q1; I overdue on its original deadline only (extended to 15/06).
    assert found.statistics.overall.original == Tally(2, 0, 4, 3)
    assert found.statistics.overall.extended == Tally(2, 0, 4, 2)


async def test_the_weekly_summary_adds_the_quarters_four_buckets_so_far(
    sessions: Sessions, tmp_path: Path
) -> None:
    world = StoreWorld(sessions)
    await hand_computed_store(world)
    leader_id = await world.person("Lãnh đạo", None, role=Role.LEADER)
    async with sessions() as session:
        leader = await session.get(Person, leader_id)
        assert leader is not None
        message = await summary_message(
            session, person=leader, now=local(date(2023, 6, 30), 17), out_dir=tmp_path
        )

    assert (
        "📊 Quý II/2023 đến nay: 4 đúng hạn · 1 HT quá hạn · 1 trong hạn · 3 chưa HT quá hạn; "
        "tỷ lệ hoàn thành đúng hạn 50%"
    ) in message.text


async def test_the_stores_counts_agree_with_the_domain_on_every_period(
    sessions: Sessions,
) -> None:
    """Random work around the quarter boundaries, counted in SQL and by domain.compute."""
    world = StoreWorld(sessions)
    plan = await world.plan("40/KH-UBND")
    rng = random.Random(5)
    rows = []
    for n in range(80):
        due = date(2023, 3, 1) + timedelta(days=rng.randrange(0, 240))
        extended = due + timedelta(days=rng.randrange(1, 90)) if rng.random() < 0.3 else None
        status = rng.choice([Status.DONE, Status.DONE, Status.IN_PROGRESS, Status.CANCELLED])
        agency = rng.choice(["SXD", "SNN", "STTTT"])
        handle = await world.task(plan, f"R.{n}", due, lead=agency)
        # Completions at any hour, so local midnight in Hà Nội is crossed both ways.
        moment = local(due + timedelta(days=rng.randrange(-40, 40)), rng.randrange(0, 24))
        completed = moment if status is Status.DONE else None
        await _set(
            world,
            handle,
            status=status.value,
            extended_due_date=extended,
            completed_at=completed,
        )
        rows.append(
            AssignmentRow(
                handle,
                agency,
                "40/KH-UBND",
                due,
                extended,
                status,
                completed.astimezone(HANOI).date() if completed else None,
                status is Status.DONE,
            )
        )
    leader = Actor(1, "Lãnh đạo", Role.LEADER, None, "vi")
    periods = [quarter(2023, n) for n in (1, 2, 3, 4)] + [half_year(2023, 1), year_period(2023)]
    for period in periods:
        for as_of in (date(2023, 5, 31), date(2023, 8, 15), date(2024, 1, 10)):
            async with sessions() as session:
                found = await period_statistics(
                    session, actor=leader, period=period, as_of=as_of, tz=HANOI
                )
            expected = compute(rows, period=period, as_of=as_of)
            assert found.statistics.overall == expected.overall, (period, as_of)
            assert found.statistics.by_agency == expected.by_agency, (period, as_of)
