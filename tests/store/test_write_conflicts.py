"""A reply PostgreSQL ends to break a deadlock with another writer is answered all the same.

Two instances answering replies lock the assignments they change and then the counts the
store keeps of them (migrations 0019 and 0020); two that do so in opposite orders deadlock,
and PostgreSQL ends one of the two transactions. The conversation answers that message
again, from the start, and stores it once.
"""

import asyncio
import logging
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import handlers.conversation
from models.db import worth_retrying
from models.tables import Assignment, HandledUpdate, StatusChange
from services.unit_of_work import Sessions
from tests.builders import World
from tests.conftest import BOTH_STORES, POSTGRES_ONLY

_REMINDED = "officer-1"


async def _reminded_officer(world: World) -> int:
    """An officer reminded of one task; the task's assignment."""
    await world.setup_agencies()
    await world.person("Nguyễn Văn A", chat_id=_REMINDED)
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.reminder(_REMINDED, [(handle, None)], provider_message_id="r-1")
    return handle


async def _waiting_on_a_lock(connection: AsyncConnection) -> None:
    """Until another backend waits on a lock (the reply, on what `connection` holds)."""
    # A transaction sees pg_stat_activity as it first read it, unless told to look again.
    look_again = sa.text("SELECT pg_stat_clear_snapshot()")
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database() AND pid <> pg_backend_pid()"
    )
    while not (await connection.execute(waiting)).scalar_one():
        await asyncio.sleep(0.01)
        await connection.execute(look_again)


@POSTGRES_ONLY
async def test_a_reply_ended_by_a_deadlock_is_answered_again_and_stored_once(
    sessions: Sessions, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(sessions)
    handle = await _reminded_officer(world)
    async with engine.connect() as other:
        # Another writer holds the kept statistics and will want the assignment next; it
        # waits long before looking for a deadlock, so the reply is the one ended.
        await other.execute(sa.text("SET LOCAL deadlock_timeout = '10min'"))
        await other.execute(sa.text("SELECT 1 FROM statistic_count FOR UPDATE"))
        with caplog.at_level(logging.INFO, logger=handlers.conversation.__name__):
            reply = asyncio.create_task(world.say(_REMINDED, "xong"))
            # The reply has locked the assignment and waits for the statistics.
            await _waiting_on_a_lock(other)
            await other.execute(
                sa.update(Assignment).where(Assignment.id == handle).values(progress=10)
            )
            await other.rollback()
            answer = await reply
    assert answer.startswith(f"✅ Đã ghi nhận #{handle} III.12"), answer
    assert "answering it again" in caplog.text
    stored = await world.assignment(handle)
    assert (stored.status, stored.progress) == ("done", 100)
    assert len(await world.history(handle)) == 1
    assert await world.count(HandledUpdate) == 1


class _Conflict(Exception):
    """What the driver raises when PostgreSQL ends a transaction to break a deadlock."""

    sqlstate = "40P01"


def _deadlock() -> DBAPIError:
    return DBAPIError("UPDATE assignment …", {}, _Conflict("deadlock detected"))


@BOTH_STORES
async def test_a_reply_that_keeps_conflicting_gets_an_apology_and_stores_nothing(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(sessions)
    handle = await _reminded_officer(world)
    attempts: list[str] = []

    async def conflicting(*_args: object, **_kwargs: object) -> bool:
        attempts.append("answer")
        raise _deadlock()

    monkeypatch.setattr(world.conversation, "_answer", conflicting)
    answer = await world.say(_REMINDED, "xong")
    assert "Vui lòng gửi lại" in answer
    assert len(attempts) == handlers.conversation.ATTEMPTS
    assert (await world.assignment(handle)).status == "not_started"
    assert await world.count(StatusChange) == 0


def test_only_errors_that_pass_are_worth_retrying() -> None:
    assert worth_retrying(_deadlock())
    lost = DBAPIError("SELECT 1", {}, Exception("connection reset"), connection_invalidated=True)
    assert worth_retrying(lost)
    refused = DBAPIError("INSERT …", {}, Exception("value too long"))
    assert not worth_retrying(refused)
