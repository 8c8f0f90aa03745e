"""Time travel: checkpoint reminders go through the task reminders' ledger and outbox.

Each owner is asked for a checkpoint's figures once per step, in the same message as their
task reminders when both are due, never outside the send window; a late owner is nagged and
escalated like a task, and a figure stops it.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.access import Role
from models.tables import IndicatorValue
from services.reminders.escalation import escalate
from services.reminders.preview import preview
from services.reminders.sweep import sweep
from services.unit_of_work import Sessions
from tests.builders import SETTINGS, StoreWorld, ledger, local, message, outbox
from tests.conftest import BOTH_STORES
from views.buttons import decode_explain

# Quarterly checkpoints, figures due by the 20th: "6 tháng" is due Tuesday 20/06/2023.
REPORT_DAY = date(2023, 6, 20)


@pytest.fixture
def world(sessions: Sessions) -> StoreWorld:
    return StoreWorld(sessions)


async def _figure(
    sessions: Sessions, indicator: int, value: str | None, *, checkpoint: str = "2023-06M"
) -> None:
    async with sessions() as session, session.begin():
        session.add(
            IndicatorValue(
                indicator_id=indicator,
                checkpoint_key=checkpoint,
                kind="value" if value else "no-data",
                value=Decimal(value) if value else None,
                reported_at=datetime(2023, 6, 1, tzinfo=UTC),
            )
        )


def _working_days(start: date, end: date) -> list[date]:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [day for day in days if SETTINGS.hours.calendar.is_working_day(day)]


@BOTH_STORES
async def test_an_owner_is_asked_once_per_step_in_the_same_message_as_their_tasks(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    task = await world.task(plan, "III.12", REPORT_DAY)
    visitors = await world.indicator(plan, "PL3.7")
    # Owned by the officer's agency, but led by another: asked of its lead only.
    await world.indicator(plan, "PL3.9", owners=("SDL", "STTTT"), position=1)
    lan = await world.person("Chị Lan", "STTTT")

    # From the day the "6 tháng" series starts (Quý I was reported: see the next tests).
    await _figure(sessions, visitors, "1800", checkpoint="2023-03M")
    for day in _working_days(date(2023, 5, 31), REPORT_DAY):
        for hour in (8, 11, 16):
            await sweep(sessions, settings=SETTINGS, now=local(day, hour))

    rows = await outbox(sessions)
    assert [r.person_id for r in rows] == [lan] * 5
    first = message(rows[0])
    assert [(i.number, i.assignment_id) for i in first.items] == [(1, task)]
    assert [(i.number, i.indicator_id, i.checkpoint) for i in first.indicators] == [
        (2, visitors, "2023-06M")
    ]
    assert "📈 Số liệu chỉ tiêu 6 tháng 2023" in first.text
    assert "2. PL3.7 Thu hút khách du lịch (1.000 lượt) · mục tiêu: 7.300" in first.text
    assert "Số liệu chỉ tiêu: 2. 7,5" in (first.reply_hint or "")
    mine = [
        (row.target, row.kind, row.outbox_id)
        for row in await ledger(sessions)
        if row.target == f"i:{visitors}"
    ]
    steps = ["before:14", "before:7", "before:3", "before:1", "due"]
    assert [(target, kind) for target, kind, _ in mine] == [
        (f"i:{visitors}", f"{step}@2023-06-20") for step in steps
    ]
    # Each indicator step went out with the task's step of the same day, in one message.
    tasks = {
        row.kind: row.outbox_id for row in await ledger(sessions) if row.target == f"a:{task}"
    }
    assert {kind: box for _, kind, box in mine} == tasks


@BOTH_STORES
async def test_nothing_goes_out_outside_the_send_window(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    await world.indicator(plan, "PL3.7")
    await world.person("Chị Lan", "STTTT")
    for moment in (
        local(date(2023, 6, 15), 7, 59),
        local(date(2023, 6, 15), 17, 0),
        local(date(2023, 6, 17), 10),  # a Saturday
    ):
        assert (await sweep(sessions, settings=SETTINGS, now=moment)).messages == 0
    assert await outbox(sessions) == []
    assert (
        await sweep(sessions, settings=SETTINGS, now=local(date(2023, 6, 15), 8))
    ).messages == 1


@BOTH_STORES
async def test_a_late_owner_is_nagged_and_escalated_like_a_task_until_a_figure_comes(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    visitors = await world.indicator(plan, "PL3.7")
    lan = await world.person("Chị Lan", "STTTT")
    binh = await world.person("Chị Bình", None, role=Role.COORDINATOR)

    for day in _working_days(REPORT_DAY, date(2023, 6, 28)):
        await sweep(sessions, settings=SETTINGS, now=local(day, 9))
        await escalate(sessions, settings=SETTINGS, now=local(day, 9))
    kinds = [r.kind for r in await ledger(sessions) if r.recipient_id == lan]
    assert kinds == ["due@2023-06-20", "overdue:3@2023-06-20", "overdue:6@2023-06-20"]
    [digest] = [r for r in await outbox(sessions) if r.person_id == binh]
    shown = message(digest)
    assert "📈 Chỉ tiêu chưa báo cáo số liệu, quá hạn từ 5 ngày làm việc (1)" in shown.text
    assert "quá hạn 5 ngày làm việc" in shown.text
    [[button]] = shown.buttons
    assert button.label == "📨 Yêu cầu giải trình PL3.7"
    press = decode_explain(button.data)
    assert press is not None and (press.indicator_id, press.checkpoint) == (visitors, "2023-06M")

    await _figure(sessions, visitors, None)  # "chưa có số liệu": still owed
    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 7, 3), 9))
    assert [r.kind for r in await ledger(sessions) if r.recipient_id == lan][-1] == (
        "overdue:9@2023-06-20"
    )
    await _figure(sessions, visitors, "3700")
    before = len(await outbox(sessions))
    for day in _working_days(date(2023, 7, 4), date(2023, 7, 14)):
        await sweep(sessions, settings=SETTINGS, now=local(day, 9))
        await escalate(sessions, settings=SETTINGS, now=local(day, 9))
    assert len(await outbox(sessions)) == before


@BOTH_STORES
async def test_a_lead_with_nobody_registered_is_reported_to_the_coordinator_once(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    await world.indicator(plan, "PL1.12", owners=("CTK",), name="Tỷ lệ thất nghiệp", unit="%")
    binh = await world.person("Chị Bình", None, role=Role.COORDINATOR)
    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 6, 15), 9))
    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 6, 16), 9))
    [notice] = await outbox(sessions)
    assert notice.person_id == binh
    assert "1 chỉ tiêu chờ báo cáo số liệu" in message(notice).text
    assert "nhiệm vụ đang chờ nhắc" not in message(notice).text


@BOTH_STORES
async def test_a_monthly_indicator_is_asked_every_month_with_a_fresh_series(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    await world.indicator(plan, "PL3.7", cadence="monthly")
    lan = await world.person("Chị Lan", "STTTT")
    for day in (date(2023, 4, 20), date(2023, 5, 19), date(2023, 6, 20)):
        await sweep(sessions, settings=SETTINGS, now=local(day, 9))
    kinds = [r.kind for r in await ledger(sessions) if r.recipient_id == lan]
    assert kinds == ["due@2023-04-20", "due@2023-05-19", "due@2023-06-20"]
    texts = [message(row).text for row in await outbox(sessions)]
    assert ["4 tháng 2023" in texts[0], "5 tháng 2023" in texts[1]] == [True, True]


@BOTH_STORES
async def test_the_schedule_preview_lists_the_checkpoint_reminders_too(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    await world.indicator(plan, "PL3.7")
    await world.person("Chị Lan", "STTTT")
    async with sessions() as session:
        found = await preview(
            session,
            settings=SETTINGS,
            start=date(2023, 6, 12),
            end=date(2023, 6, 20),
            now=local(date(2023, 6, 12), 7),
        )
    assert [(row.task_code, row.handle, row.period, row.kind) for row in found.rows] == [
        ("PL3.7", None, "2023-06M", "before:7"),
        ("PL3.7", None, "2023-06M", "before:3"),
        ("PL3.7", None, "2023-06M", "before:1"),
        ("PL3.7", None, "2023-06M", "due"),
    ]
