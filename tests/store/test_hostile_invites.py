"""Issue 18 item 8: the invite throttle holds when guesses arrive in parallel at several
instances sharing one PostgreSQL store."""

import asyncio
from datetime import date

from domain.access import Role
from services import registration
from services.unit_of_work import Sessions
from tests.builders import World
from tests.conftest import POSTGRES_ONLY
from views.messages import Incoming

pytestmark = POSTGRES_ONLY

APOLOGY = "hệ thống đang gặp sự cố"
ONE_ANSWER = (
    "Mã mời này không dùng được. Vui lòng kiểm tra lại mã, hoặc xin điều phối viên một mã mới."
)


async def test_item8_parallel_wrong_codes_on_several_instances_are_counted_in_the_store(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    plan = await world.plan()
    await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.person("Anh Điều", role=Role.COORDINATOR, agency=None, chat_id="boss")
    instances = [world.conversation, World(sessions).conversation, World(sessions).conversation]
    guesses = [
        Incoming(
            channel="telegram",
            chat_id="guesser",
            at=world.now,
            text=f"/start WRONGCODE{n:02d}",
            message_id=f"g{n}",
        )
        for n in range(30)
    ]

    await asyncio.gather(*(instances[n % 3].handle(guess) for n, guess in enumerate(guesses)))

    answers = [m.text for m in await world.outbox("guesser")]
    assert len(answers) == 30 and not any(APOLOGY in a for a in answers)
    assert sum(a == ONE_ANSWER for a in answers) == registration.FREE_ATTEMPTS, answers
    assert sum("thử lại sau" in a for a in answers) == 30 - registration.FREE_ATTEMPTS
