"""Three sending processes on one PostgreSQL store and one fake Bot API: each reminder once.

They share the outbox through FOR UPDATE SKIP LOCKED claims, keep every chat's order, and keep
the per-chat interval between them (it is checked against the store's sent_at), so the fake,
which refuses a second message to a chat within 0.15 s, never has to answer 429.
"""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select

from models.tables import Outbox
from services.unit_of_work import Sessions
from tests.conftest import POSTGRES_ONLY
from tests.fakes.fanout import fan_out, in_chat_order, received, start_worker, unsent_rows
from tests.fakes.telegram_api import FakeTelegramAPI

COUNT = 600
pytestmark = POSTGRES_ONLY


async def test_three_instances_deliver_every_reminder_exactly_once_in_chat_order(
    db_url: str, sessions: Sessions, tmp_path: Path
) -> None:
    await fan_out(sessions, count=COUNT, chats=150, now=datetime.now(UTC))
    async with FakeTelegramAPI() as api:
        api.limit_rate(per_second=None, chat_interval=0.15)
        api.slow_down(0.01, methods=["sendMessage"])
        go = tmp_path / "go"
        workers = [
            await start_worker(
                db_url=db_url,
                api=api,
                instance=name,
                capture=True,
                go=go,
                rate=100.0,
                chat_interval=0.25,
            )
            for name in ("a", "b", "c")
        ]
        for worker in workers:
            assert worker.stdout is not None
            assert await asyncio.wait_for(worker.stdout.readline(), timeout=180) == b"ready\n"
        go.touch()
        outputs = await asyncio.wait_for(
            asyncio.gather(*(worker.communicate() for worker in workers)), timeout=180
        )
    assert [worker.returncode for worker in workers] == [0, 0, 0]
    shares = [int(out.decode().split()[-1]) for out, _err in outputs]
    print(f"\nreminders delivered by each instance: {shares}")
    assert sum(shares) == COUNT and all(shares), "every instance should have taken a share"
    keys = received(api)
    assert sorted(keys) == list(range(1, COUNT + 1))
    assert set(keys.values()) == {1}, "a reminder was delivered twice"
    assert in_chat_order(api)
    assert [c.status for c in api.calls if c.status != 200] == []
    assert await unsent_rows(sessions, "sent") == COUNT
    async with sessions() as session:
        senders = (await session.exec(select(Outbox.provider_message_id))).all()
    assert len(set(senders)) == COUNT
    async with sessions() as session:
        claimed = (
            await session.exec(select(Outbox.id).where(col(Outbox.claimed_by).is_not(None)))
        ).all()
    assert claimed == []
