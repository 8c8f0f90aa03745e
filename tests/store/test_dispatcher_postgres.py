"""Several dispatchers on one PostgreSQL store claim disjoint rows (FOR UPDATE SKIP LOCKED)."""

import asyncio
import random
from datetime import UTC, datetime

from sqlmodel import select

from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import ChannelLimits
from models.tables import Outbox
from services.outbox import enqueue
from services.unit_of_work import Sessions, transaction
from tests.conftest import POSTGRES_ONLY
from tests.fakes.clock import FakeClock
from tests.fakes.senders import RecordingSender
from views.messages import Outgoing

NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)
pytestmark = POSTGRES_ONLY


async def test_three_instances_draining_at_once_send_every_message_once_in_chat_order(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    async with transaction(sessions) as session:
        for i in range(3):
            for chat in range(40):
                await enqueue(
                    session,
                    channel="telegram",
                    chat_id=str(600 + chat),
                    message=Outgoing(text=f"{chat}-{i}"),
                    now=NOW,
                )
    instances = [
        OutboxDispatcher(
            sessions=sessions,
            senders={"telegram": sender},
            clock=clock,
            limits={"telegram": ChannelLimits(per_second=1000, private_chat_interval=1.0)},
            instance_id=name,
            max_batch=9,
            rng=random.Random(1),
        )
        for name in ("a", "b", "c")
    ]
    for _ in range(30):
        await asyncio.gather(*(instance.drain_once() for instance in instances))
        clock.advance(seconds=1)
    texts = [m.text for _c, m in sender.sent]
    assert sorted(texts) == sorted(f"{c}-{i}" for c in range(40) for i in range(3))
    for chat in range(40):
        assert sender.texts_to(str(600 + chat)) == [f"{chat}-{i}" for i in range(3)]
    async with sessions() as session:
        states = {row.state for row in (await session.exec(select(Outbox))).all()}
    assert states == {"sent"}
