"""The dispatcher with the real Telegram sender against a misbehaving fake Bot API."""

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram import Bot

from bot.channels.telegram.client import make_bot
from bot.channels.telegram.sender import TelegramSender
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import ChannelLimits, RetryPolicy
from bot.settings import load_settings
from domain.access import Role
from models.tables import Agency, ChatIdentity, Person
from services.clock import system_clock
from services.outbox import enqueue_for_person
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES
from tests.fakes.fanout import fan_out, in_chat_order, received, unsent_rows
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from views.messages import Outgoing

pytestmark = BOTH_STORES
Sessions = Sessions


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(seed=11) as server:
        yield server


@pytest.fixture
async def bot(api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    settings = load_settings(
        _env_file=None, telegram_token=DEFAULT_TOKEN, telegram_api_base=api.base_url
    )
    client = make_bot(settings, timeout=5)
    yield client
    await client.session.close()


def outbox(sessions: Sessions, bot: Bot, limits: ChannelLimits) -> OutboxDispatcher:
    return OutboxDispatcher(
        sessions=sessions,
        senders={"telegram": TelegramSender(bot)},
        clock=system_clock,
        limits={"telegram": limits},
        retry=RetryPolicy(max_attempts=40, base_delay=0.02, max_delay=0.3),
        idle_poll=0.05,
        rng=random.Random(3),
    )


async def run_until_sent(sessions: Sessions, dispatcher: OutboxDispatcher, count: int) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        for _ in range(1200):
            if await unsent_rows(sessions, "sent") >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("not everything was sent in time")
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=60)


async def test_a_storm_of_429s_and_5xx_still_delivers_everything_once_in_chat_order(
    api: FakeTelegramAPI, bot: Bot, sessions: Sessions
) -> None:
    await fan_out(sessions, count=200, chats=20, now=datetime.now(UTC))
    api.fail_calls([3, 4, 5, 90], status=429, retry_after=1)
    api.fail_randomly(0.3, status=500)
    api.fail_randomly(0.1, status=502)
    await run_until_sent(
        sessions,
        outbox(sessions, bot, ChannelLimits(per_second=500, private_chat_interval=0)),
        200,
    )
    keys = received(api)
    assert sorted(keys) == list(range(1, 201)) and set(keys.values()) == {1}
    assert in_chat_order(api)
    statuses = {c.status for c in api.calls}
    assert {429, 500, 502} <= statuses


async def test_a_dispatcher_configured_faster_than_the_api_honours_its_429s(
    api: FakeTelegramAPI, bot: Bot, sessions: Sessions
) -> None:
    await fan_out(sessions, count=120, chats=30, now=datetime.now(UTC))
    api.limit_rate(per_second=60, chat_interval=0.2)
    await run_until_sent(
        sessions,
        outbox(sessions, bot, ChannelLimits(per_second=400, private_chat_interval=0)),
        120,
    )
    keys = received(api)
    assert sorted(keys) == list(range(1, 121)) and set(keys.values()) == {1}
    assert in_chat_order(api)
    assert any(c.status == 429 for c in api.calls)


async def test_within_the_configured_limits_the_api_never_has_to_refuse(
    api: FakeTelegramAPI, bot: Bot, sessions: Sessions
) -> None:
    await fan_out(sessions, count=120, chats=40, now=datetime.now(UTC))
    api.limit_rate(per_second=60, chat_interval=0.2)
    await run_until_sent(
        sessions,
        outbox(sessions, bot, ChannelLimits(per_second=50, private_chat_interval=0.25)),
        120,
    )
    assert sorted(received(api)) == list(range(1, 121))
    assert [c.status for c in api.calls if c.status != 200] == []


async def test_a_person_who_blocked_the_bot_is_marked_inactive_and_the_coordinator_told(
    api: FakeTelegramAPI, bot: Bot, sessions: Sessions
) -> None:
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        agency = Agency(code="SXD", name="Sở Xây dựng", kind="so")
        session.add(agency)
        await session.flush()
        officer = Person(name="Chị Lan", agency_id=agency.id, created_at=now)
        coordinator = Person(name="Anh Minh", role=Role.COORDINATOR.value, created_at=now)
        session.add_all([officer, coordinator])
        await session.flush()
        assert officer.id is not None and coordinator.id is not None
        session.add_all(
            [
                ChatIdentity(
                    person_id=officer.id, channel="telegram", chat_id="501", created_at=now
                ),
                ChatIdentity(
                    person_id=coordinator.id, channel="telegram", chat_id="900", created_at=now
                ),
            ]
        )
        await enqueue_for_person(
            session, person_id=officer.id, message=Outgoing(text="🔔 Nhắc việc #57"), now=now
        )
    api.block("501")
    await run_until_sent(
        sessions, outbox(sessions, bot, ChannelLimits(per_second=30, private_chat_interval=1)), 1
    )
    [notice] = api.texts_to("900")
    assert "Chị Lan (Sở Xây dựng)" in notice and "chặn bot" in notice
    assert api.texts_to("501") == []
    async with sessions() as session:
        blocked = await session.get(Person, officer.id)
    assert blocked is not None and blocked.active is False
