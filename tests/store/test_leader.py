"""Leader election and the scheduler wiring: one instance runs the jobs on PostgreSQL, another
takes over when it dies; SQLite always leads (one instance only)."""

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.bootstrap import App
from bot.settings import load_settings
from domain.access import Role
from models.db import make_engine
from models.tables import Outbox
from scheduler.leader import SCHEDULER_LOCK_KEY, Leadership
from scheduler.wiring import (
    ESCALATION_JOB,
    HOUSEKEEPING_JOB,
    SWEEP_JOB,
    WEEKLY_JOB,
    WeeklySummary,
    build_scheduler,
    last_fire,
    weekly_trigger,
)
from services.unit_of_work import Sessions
from tests.builders import StoreWorld, local
from tests.conftest import BOTH_STORES, POSTGRES_ONLY


async def holder_pid(engine: AsyncEngine) -> int | None:
    async with engine.connect() as connection:
        return await connection.scalar(
            sa.text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND ((classid::bigint << 32) | objid::bigint) = :key"
            ),
            {"key": SCHEDULER_LOCK_KEY},
        )


@POSTGRES_ONLY
async def test_only_one_instance_leads_and_another_takes_over_when_it_dies(
    db_url: str, engine: AsyncEngine
) -> None:
    first_engine, second_engine = make_engine(db_url), make_engine(db_url)
    first, second = Leadership(first_engine), Leadership(second_engine)
    try:
        assert await first.ensure() is True
        assert await second.ensure() is False
        assert await first.ensure() is True  # still held, nothing changes
        pid = await holder_pid(engine)
        assert pid is not None

        # The leader's process dies: its session ends and PostgreSQL frees the lock.
        async with engine.connect() as connection:
            await connection.scalar(sa.select(sa.func.pg_terminate_backend(pid)))
        # pg_terminate_backend only signals: wait (bounded) until that backend has exited.
        for _ in range(1200):
            async with engine.connect() as connection:
                alive = await connection.scalar(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": pid},
                )
            if not alive:
                break
            await asyncio.sleep(0.05)

        assert await second.ensure() is True
        assert await first.ensure() is False
        assert (first.is_leader, second.is_leader) == (False, True)

        await second.release()
        assert await first.ensure() is True
    finally:
        await first.release()
        await second.release()
        await first_engine.dispose()
        await second_engine.dispose()


async def test_on_sqlite_the_single_instance_always_leads(engine: AsyncEngine) -> None:
    leadership = Leadership(engine)
    assert await leadership.ensure() is True and leadership.is_leader


def test_jobs_have_fixed_ids_coalesce_and_a_misfire_grace(
    db_url: str, engine: AsyncEngine, sessions: Sessions
) -> None:
    settings = load_settings(database_url=db_url, sweep_seconds=30)
    app = App(settings=settings, engine=engine, sessions=sessions)
    scheduler = build_scheduler(app=app, on_enqueued=lambda: None)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {SWEEP_JOB, ESCALATION_JOB, WEEKLY_JOB, HOUSEKEEPING_JOB}
    for name in (SWEEP_JOB, ESCALATION_JOB):
        job = jobs[name]
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(seconds=30)
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 30)
    weekly = jobs[WEEKLY_JOB]
    assert isinstance(weekly.trigger, CronTrigger)
    assert (weekly.coalesce, weekly.max_instances) == (True, 1)
    first = weekly.trigger.get_next_fire_time(None, local(date(2023, 11, 15), 12))
    assert first == local(date(2023, 11, 20), 7, 30)
    daily = jobs[HOUSEKEEPING_JOB]
    assert (daily.coalesce, daily.max_instances) == (True, 1)
    first = daily.trigger.get_next_fire_time(None, local(date(2023, 11, 15), 12))
    assert first == local(date(2023, 11, 16), 3, 15)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(date(2023, 11, 22), 10), local(date(2023, 11, 20), 7, 30)),
        (local(date(2023, 11, 20), 7, 30), local(date(2023, 11, 20), 7, 30)),
        (local(date(2023, 11, 20), 7, 29), local(date(2023, 11, 13), 7, 30)),
    ],
)
def test_the_last_weekly_time_is_found(now: datetime, expected: datetime) -> None:
    assert last_fire(weekly_trigger(load_settings()), now) == expected


def test_the_weekly_time_is_configurable() -> None:
    trigger = weekly_trigger(load_settings(weekly_summary_cron="fri 16:00"))
    friday = local(date(2023, 11, 24), 16)
    assert trigger.get_next_fire_time(None, local(date(2023, 11, 20))) == friday


@BOTH_STORES
async def test_a_weekly_summary_missed_by_a_restart_is_sent_late_and_only_once(
    db_url: str,
    engine: AsyncEngine,
    sessions: Sessions,
    tmp_path: Path,
) -> None:
    world = StoreWorld(sessions)
    plan = await world.plan()
    await world.task(plan, "I.1", date(2023, 11, 10))
    leader = await world.person("Chủ tịch", None, role=Role.LEADER)
    settings = load_settings(database_url=db_url, data_dir=str(tmp_path))
    clock = {"now": local(date(2023, 11, 20), 10)}
    app = App(settings=settings, engine=engine, sessions=sessions, clock=lambda: clock["now"])
    woken: list[int] = []

    async def summaries() -> list[int | None]:
        async with sessions() as session:
            rows = (await session.exec(select(Outbox).where(Outbox.kind != "reminder"))).all()
        return [r.person_id for r in rows]

    before_restart = WeeklySummary(app, on_enqueued=lambda: woken.append(1))
    await before_restart()
    await before_restart()
    assert await summaries() == [leader] and woken == [1]

    after_restart = WeeklySummary(app, on_enqueued=lambda: woken.append(1))
    await after_restart()
    assert await summaries() == [leader]

    clock["now"] = local(date(2023, 11, 22), 10)
    await WeeklySummary(app, on_enqueued=lambda: woken.append(1))()
    assert await summaries() == [leader] and woken == [1]


@BOTH_STORES
async def test_a_scheduled_sweep_runs_in_the_leader_and_is_skipped_elsewhere(
    db_url: str, engine: AsyncEngine, sessions: Sessions
) -> None:
    world = StoreWorld(sessions)
    plan = await world.plan()
    await world.task(plan, "I.1", date(2023, 11, 20))
    await world.person("Chị Lan", "STTTT")
    woken: list[int] = []
    settings = load_settings(database_url=db_url)

    def at_monday() -> datetime:
        return local(date(2023, 11, 20))

    app = App(settings=settings, engine=engine, sessions=sessions, clock=at_monday)
    other_engine = make_engine(db_url)
    leader, follower = Leadership(engine), Leadership(other_engine)
    try:
        assert await leader.ensure()
        for leadership in (follower, leader):
            scheduler = build_scheduler(
                app=app, on_enqueued=lambda: woken.append(1), leadership=leadership
            )
            job = scheduler.get_job(SWEEP_JOB)
            await job.func(*job.args)
        async with sessions() as session:
            rows = (await session.exec(select(Outbox))).all()
    finally:
        await leader.release()
        await follower.release()
        await other_engine.dispose()

    # On SQLite both "instances" lead (only one may run); the second sweep sends nothing new.
    assert len(rows) == 1 and woken == [1]
