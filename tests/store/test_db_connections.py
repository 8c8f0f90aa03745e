"""A pooled PostgreSQL connection that died is replaced, and nothing is lost to it."""

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

import models.db
from services.unit_of_work import Sessions
from tests.builders import World
from tests.conftest import POSTGRES_ONLY
from tests.databases import admin_dsn
from views.messages import Incoming

pytestmark = POSTGRES_ONLY


async def _backend(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())


async def _kill(pid: int) -> None:
    """What a server restart or a firewall dropping idle connections does to one of them."""
    admin = await asyncpg.connect(admin_dsn())
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_connection_killed_while_idle_is_replaced_by_a_live_one(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models.db, "PING_AFTER_IDLE", 0.0)
    first = await _backend(engine)
    await _kill(first)
    # The ping finds the pooled connection dead, and the pool connects afresh.
    assert await _backend(engine) != first


async def test_a_connection_in_use_moments_ago_is_not_pinged(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models.db, "PING_AFTER_IDLE", 3600.0)
    first = await _backend(engine)
    await _kill(first)
    # No round trip was spent on a ping: the dead connection is found by the statement
    # itself, which fails, and the pool is invalidated so that the retry connects afresh.
    with pytest.raises(DBAPIError) as failed:
        await _backend(engine)
    assert failed.value.connection_invalidated
    assert await _backend(engine) != first


async def test_a_message_is_answered_even_if_the_store_connection_died_just_before(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Nguyễn Văn A", chat_id="officer-1")
    await _kill(await _backend(engine))
    await world.conversation.handle(
        Incoming(
            channel="telegram", chat_id="officer-1", at=world.now, text="/whoami", message_id="m-1"
        )
    )
    [answer] = await world.outbox("officer-1")
    assert "Nguyễn Văn A" in answer.text
    assert "sự cố" not in answer.text  # not the apology
