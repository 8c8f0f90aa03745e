"""A sending process killed (SIGKILL) in the middle of a 500-reminder fan-out loses nothing.

The worker is a separate process (tests/fakes/dispatcher_worker.py) with the real aiogram client
against the fake Bot API. After the kill a new instance finishes the job. Every reminder arrives;
only those in flight at the kill (claimed, not yet recorded as sent) may arrive twice.
"""

import asyncio
import signal
from datetime import UTC, datetime

from services.unit_of_work import Sessions
from tests.conftest import BOTH_STORES
from tests.fakes.fanout import fan_out, in_chat_order, received, start_worker, unsent_rows
from tests.fakes.telegram_api import FakeTelegramAPI

COUNT = 500
pytestmark = BOTH_STORES


async def test_a_killed_sender_resumes_and_every_reminder_arrives_at_most_in_flight_twice(
    db_url: str, sessions: Sessions
) -> None:
    await fan_out(sessions, count=COUNT, chats=200, now=datetime.now(UTC))
    async with FakeTelegramAPI() as api:
        # Slow answers keep requests in flight, so the kill lands between call and commit.
        api.slow_down(0.03, methods=["sendMessage"])
        options = {"rate": 150.0, "chat_interval": 0.1, "lease": 4.0}
        first = await start_worker(db_url=db_url, api=api, instance="first", **options)
        for _ in range(3000):
            if sum(received(api).values()) >= COUNT // 3 or first.returncode is not None:
                break
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(first.wait(), timeout=120) == -signal.SIGKILL
        before_restart = sum(received(api).values())
        in_flight = await unsent_rows(sessions, "sending")

        second = await start_worker(db_url=db_url, api=api, instance="second", **options)
        assert await asyncio.wait_for(second.wait(), timeout=120) == 0

    keys = received(api)
    duplicates = sum(n - 1 for n in keys.values())
    print(
        f"\nkilled after {before_restart} of {COUNT} deliveries; in flight at the kill: "
        f"{in_flight}; delivered twice: {duplicates}"
    )
    assert COUNT // 3 <= before_restart < COUNT, "the kill must land mid fan-out"
    assert sorted(keys) == list(range(1, COUNT + 1))
    assert duplicates <= in_flight
    assert await unsent_rows(sessions, "sent") == COUNT
    assert in_chat_order(api)
