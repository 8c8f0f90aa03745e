"""Escalation against a real store: overdue digests to the hub coordinator, blocked items at
once, long-overdue items for leadership, each line once."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from domain.access import Role
from domain.calendar import WorkCalendar
from domain.reminders import OfficeHours
from domain.status import Status
from models.tables import Assignment, Outbox
from services.reminders.escalation import EscalationResult, escalate
from services.reminders.load import ReminderSettings
from services.unit_of_work import Sessions, transaction
from tests.builders import StoreWorld, local
from tests.conftest import BOTH_STORES
from views.messages import Outgoing

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SETTINGS = ReminderSettings(
    hours=OfficeHours(WorkCalendar(), time(8), time(17), HANOI),
    escalate_after_days=5,
    long_overdue_days=20,
)


@pytest.fixture
def world(sessions: Sessions) -> StoreWorld:
    return StoreWorld(sessions)


async def digests(sessions: Sessions) -> list[tuple[int | None, str]]:
    async with sessions() as session:
        rows = (await session.exec(select(Outbox).order_by(col(Outbox.id)))).all()
    assert {r.kind for r in rows} <= {"escalation"}
    return [(r.person_id, Outgoing.from_payload(r.payload).text) for r in rows]


async def block(sessions: Sessions, handle: int, reason: str, at: datetime) -> None:
    async with transaction(sessions) as session:
        assignment = await session.get(Assignment, handle)
        assert assignment is not None
        assignment.status = Status.BLOCKED.value
        assignment.blocked_reason = reason
        assignment.last_update_at = at
        session.add(assignment)


@BOTH_STORES
async def test_five_working_days_overdue_reaches_the_hub_coordinator_in_one_digest_once(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan(hub="STTTT")
    first = await world.task(plan, "III.12", date(2023, 11, 20), lead="SXD")
    second = await world.task(plan, "III.13", date(2023, 11, 17), lead="SNV")
    hub = await world.person("Anh Hùng", "STTTT", role=Role.COORDINATOR)
    await world.person("Chị Lan", "SXD")

    assert await escalate(sessions, settings=SETTINGS, now=local(date(2023, 11, 24))) == (
        EscalationResult(messages=1, items=1)
    )
    result = await escalate(sessions, settings=SETTINGS, now=local(date(2023, 11, 27)))
    again = await escalate(sessions, settings=SETTINGS, now=local(date(2023, 11, 27), 15))

    assert (result, again) == (EscalationResult(messages=1, items=1), EscalationResult())
    [(to_second, text_second), (to_first, text_first)] = await digests(sessions)
    assert to_first == to_second == hub
    assert f"#{second} III.13" in text_second
    assert text_first.startswith("📣 Việc cần đôn đốc (quá hạn từ 5 ngày làm việc")
    assert "• Quá hạn: 1 việc · 1 cơ quan" in text_first
    assert "▸ Sở SXD (SXD) — 1 việc" in text_first
    assert text_first.endswith(
        f"#{first} III.12 Xây dựng kho dữ liệu dùng chung của thành phố · hạn 20/11/2023 · "
        "quá hạn 5 ngày làm việc"
    )


@BOTH_STORES
async def test_a_blocked_task_reaches_the_coordinator_at_once_and_once_per_blocking(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan(hub="STTTT")
    ongoing = await world.task(plan, "3.19", None, lead="SXD", title="Thường xuyên đôn đốc")
    hub = await world.person("Anh Hùng", "STTTT", role=Role.COORDINATOR)
    await block(sessions, ongoing, "chưa có kinh phí", datetime(2023, 11, 20, 2, 0, tzinfo=UTC))

    first = await escalate(sessions, settings=SETTINGS, now=local(date(2023, 11, 20), 10))
    repeat = await escalate(sessions, settings=SETTINGS, now=local(date(2023, 11, 21), 10))
    await block(
        sessions, ongoing, "chờ ý kiến Sở Tài chính", datetime(2023, 11, 22, 2, tzinfo=UTC)
    )
    later = await escalate(sessions, settings=SETTINGS, now=local(date(2023, 11, 22), 10))

    assert (first.items, repeat.items, later.items) == (1, 0, 1)
    texts = await digests(sessions)
    assert [person for person, _ in texts] == [hub, hub]
    assert "⚠️ Báo vướng (1)\n▸ Sở SXD (SXD) — 1 việc" in texts[0][1]
    assert f"#{ongoing} 3.19 Thường xuyên đôn đốc: chưa có kinh phí" in texts[0][1]
    assert f"#{ongoing} 3.19 Thường xuyên đôn đốc: chờ ý kiến Sở Tài chính" in texts[1][1]


@BOTH_STORES
async def test_long_overdue_tasks_are_listed_for_leadership(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan(hub="VPUB")
    handle = await world.task(plan, "PL4.19", date(2023, 6, 30), lead="SGDDT")
    coordinator = await world.person("Anh Hùng", "VPUB", role=Role.COORDINATOR)
    leader = await world.person("Chủ tịch", None, role=Role.LEADER, locale="en")

    result = await escalate(sessions, settings=SETTINGS, now=local(date(2023, 8, 1)))

    assert result == EscalationResult(messages=2, items=2)
    texts = dict(await digests(sessions))
    assert "📋 Quá hạn (1)" in texts[coordinator]
    assert "📌 Quá hạn kéo dài" not in texts[coordinator]
    assert "📌 Long overdue (1)\n▸ Sở SGDDT (SGDDT) — tasks: 1" in texts[leader]
    assert f"#{handle} PL4.19" in texts[leader]
    assert "30/06/2023 · 22 working days overdue" in texts[leader]


@BOTH_STORES
async def test_without_a_hub_coordinator_a_city_wide_one_is_told(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan(hub="STTTT")
    await world.task(plan, "I.1", date(2023, 11, 1), lead="SXD")
    city = await world.person("Điều phối thành phố", None, role=Role.COORDINATOR)
    await escalate(sessions, settings=SETTINGS, now=local(date(2023, 11, 10)))
    assert [person for person, _ in await digests(sessions)] == [city]


@BOTH_STORES
async def test_nobody_to_escalate_to_is_reported_not_dropped(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan(hub="STTTT")
    await world.task(plan, "I.1", date(2023, 11, 1), lead="SXD")
    result = await escalate(sessions, settings=SETTINGS, now=local(date(2023, 11, 10)))
    assert result == EscalationResult(plans_without_contact=(plan,))
