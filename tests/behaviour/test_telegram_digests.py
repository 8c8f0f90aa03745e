"""Escalation digests delivered through the real outbox, sender and aiogram client to the fake
Bot API: one message per digest, a task shared by many agencies on one line, and a digest
longer than Telegram takes cut into numbered parts."""

from datetime import date, time

from domain.access import Role
from domain.calendar import WorkCalendar
from domain.reminders import OfficeHours
from services.reminders.escalation import escalate
from services.reminders.load import ReminderSettings
from services.unit_of_work import Sessions
from tests.behaviour.test_telegram_conversation import Bench, bench, texts
from tests.builders import HANOI, StoreWorld
from tests.conftest import BOTH_STORES
from tests.fakes.telegram_api import Call

pytestmark = BOTH_STORES
SETTINGS = ReminderSettings(
    hours=OfficeHours(WorkCalendar(), time(8), time(17), HANOI),
    escalate_after_days=5,
    long_overdue_days=20,
)


async def _escalated(tb: Bench, chat: int) -> list[Call]:
    mark = len(tb.api.calls)
    await escalate(tb.sessions, settings=SETTINGS, now=tb.clock.now)
    tb.wake()
    await tb._settle(tb.conversation.handled)
    return tb.sent_to(chat, since=mark)


async def test_a_task_late_at_many_agencies_reaches_the_coordinator_as_one_line(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Điều phối", chat_id="504", role=Role.COORDINATOR, agency=None)
        store = StoreWorld(sessions, codes=dict(tb.world.agencies))
        districts = [f"Q{n:02}" for n in range(1, 21)]
        for code in districts:
            await store.agency(code, f"UBND quận {code}")
        tb.world.agencies.update(store.codes)
        plan = await tb.world.plan()
        await tb.world.task(
            plan,
            "III.1.2",
            title="Trước ngày 15/02 xây dựng kế hoạch",
            due=date(2023, 2, 14),
            lead=tuple(districts),
        )
        alone = await tb.world.task(plan, "I.4", due=date(2023, 11, 1), lead="SXD")

        [digest] = texts(await _escalated(tb, 504))

    assert digest.startswith("📣 Việc cần đôn đốc")
    assert "• Quá hạn: 21 việc · 21 cơ quan" in digest
    assert "• III.1.2 Trước ngày 15/02 xây dựng kế hoạch — 20 cơ quan quá hạn: Q01" in (digest)
    assert f"▸ Sở Xây dựng (SXD) — 1 việc\n   #{alone} I.4" in digest
    assert "Q12, … (+8)" in digest and "Q13" not in digest


async def test_a_digest_over_telegrams_limit_comes_in_numbered_parts(sessions: Sessions) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Điều phối", chat_id="504", role=Role.COORDINATOR, agency=None)
        store = StoreWorld(sessions, codes=dict(tb.world.agencies))
        plan = await tb.world.plan()
        for n in range(60):
            code = f"XA{n:02}"
            await store.agency(code, f"Ủy ban nhân dân xã số {n} của thành phố Hải Phòng")
            tb.world.agencies.update(store.codes)
            await tb.world.task(
                plan,
                f"II.{n}",
                title="Rà soát, cập nhật và công khai danh mục thủ tục hành chính " * 2,
                due=date(2023, 11, 1),
                lead=code,
            )

        parts = texts(await _escalated(tb, 504))

    assert 2 <= len(parts) <= 9
    count = len(parts)
    assert parts[0].split("\n", 1)[0].endswith(f"(1/{count})")
    assert [p.startswith(f"({n}/{count}) ") for n, p in enumerate(parts[1:], start=2)] == [
        True
    ] * (count - 1)
    assert all(len(p) <= 4096 for p in parts)
    assert sum(p.count("▸ Ủy ban nhân dân xã số") for p in parts) == 60
