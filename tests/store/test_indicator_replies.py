"""Figures and explanations by chat, through the conversation as bootstrap builds it."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import col, select

from domain.access import Role
from models.enums import OutboxKind
from models.tables import IndicatorValue, Outbox, ReminderLedger, StatusChange
from services.outbox import enqueue
from services.unit_of_work import Sessions, transaction
from tests.builders import StoreWorld, World
from tests.conftest import BOTH_STORES
from views.buttons import explain_request
from views.messages import IndicatorItem, Outgoing, ReminderItem

pytestmark = BOTH_STORES
# Thursday 15 June 2023, 09:00 in Hanoi: "6 tháng" figures are due on Tuesday 20 June.
JUNE = datetime(2023, 6, 15, 2, 0, tzinfo=UTC)


@pytest.fixture
async def world(sessions: Sessions) -> World:
    world = World(sessions, now=JUNE)
    await world.setup_agencies()
    return world


async def _indicators(world: World) -> dict[str, int]:
    rows = StoreWorld(world.sessions, codes=dict(world.agencies))
    plan = await world.plan(ref="02/CT-UBND", key="004")
    return {
        "PL1.3": await rows.indicator(
            plan,
            "PL1.3",
            name="Chỉ số sản xuất công nghiệp (IIP)",
            unit="%",
            target="115,0",
            accumulation="level",
            position=1,
        ),
        "PL1.12": await rows.indicator(
            plan,
            "PL1.12",
            owners=("SNN", "STTTT"),
            name="Tỷ lệ thất nghiệp ở thành thị",
            unit="%",
            target="3,59",
            accumulation="level",
            direction="lower",
            position=2,
        ),
        "PL3.7": await rows.indicator(plan, "PL3.7", position=3),
        "PL3.9": await rows.indicator(
            plan,
            "PL3.9",
            owners=("SXD",),
            name="Diện tích sàn nhà ở bình quân",
            unit="m² sàn/người",
            target="≥ 28",
            accumulation="level",
            position=4,
        ),
    }


async def _asked(
    world: World,
    chat: str,
    indicators: list[int],
    *,
    tasks: list[int] = (),  # type: ignore[assignment]
    provider: str = "r1",
    kind: str = OutboxKind.REMINDER,
    explain: bool = False,
    requested_by: int | None = None,
) -> None:
    message = Outgoing(
        text="🔔",
        items=tuple(ReminderItem(n, handle) for n, handle in enumerate(tasks, 1)),
        indicators=tuple(
            IndicatorItem(n, i, "2023-06M", explain=explain, requested_by=requested_by)
            for n, i in enumerate(indicators, len(tasks) + 1)
        ),
    )
    async with transaction(world.sessions) as session:
        row = await enqueue(
            session, channel="telegram", chat_id=chat, message=message, now=world.now, kind=kind
        )
        row.state, row.provider_message_id = "sent", provider
        session.add(row)


async def _values(world: World) -> list[IndicatorValue]:
    async with world.sessions() as session:
        rows = await session.exec(select(IndicatorValue).order_by(col(IndicatorValue.id)))
        return list(rows.all())


async def test_three_figures_in_one_message_are_stored_coloured_and_echoed(world: World) -> None:
    ids = await _indicators(world)
    lan = await world.person("Chị Lan", chat_id="lan")
    await _asked(world, "lan", [ids["PL1.3"], ids["PL1.12"], ids["PL3.7"]])

    text = await world.say("lan", "1. 115,2  2. ước 3,4%  3. 3,7 triệu lượt")

    assert text.splitlines()[0] == "✅ Đã ghi số liệu 6 tháng 2023:"
    assert "• PL1.3 Chỉ số sản xuất công nghiệp (IIP): 115,2 % · 🟢 đạt" in text
    assert "• PL1.12 Tỷ lệ thất nghiệp ở thành thị: 3,4 % (ước) · 🟢 đạt" in text
    assert "• PL3.7 Thu hút khách du lịch: 3.700 1.000 lượt · 🟢 đạt" in text
    assert "3,7 triệu lượt = 3.700 (1.000 lượt)" in text
    assert "(mục tiêu kỳ này: 3.650 1.000 lượt)" in text  # pro rata: half of 7.300
    assert "/undo" in text
    stored = await _values(world)
    assert [(v.indicator_id, v.checkpoint_key, v.value, v.estimate) for v in stored] == [
        (ids["PL1.3"], "2023-06M", Decimal("115.2"), False),
        (ids["PL1.12"], "2023-06M", Decimal("3.4"), True),
        (ids["PL3.7"], "2023-06M", Decimal("3700"), False),
    ]
    assert {(v.reported_by_id, v.on_behalf, v.channel) for v in stored} == {
        (lan, False, "telegram")
    }
    assert stored[1].agency_id == world.agencies["STTTT"]  # a co-owner reports for itself

    world.later(minutes=3)
    undone = await world.say("lan", "/undo")
    assert undone == "↩️ Đã hoàn tác số liệu: PL1.3, PL1.12, PL3.7."
    assert all(v.undone for v in await _values(world))


async def test_a_figure_in_the_wrong_unit_is_questioned_and_nothing_stored(world: World) -> None:
    ids = await _indicators(world)
    await world.person("Chị Lan", chat_id="lan")
    await _asked(world, "lan", [ids["PL3.7"]])
    text = await world.say("lan", "3,7 triệu USD")
    assert (
        "❓ «3,7 triệu USD»: Đơn vị «triệu USD» khác đơn vị của chỉ tiêu 1 («1.000 lượt»)" in text
    )
    assert await _values(world) == []
    text = await world.say("lan", "7.300.000")
    assert "có đúng không?" in text and "7.300" in text
    assert await _values(world) == []


async def test_task_replies_keep_their_meaning_next_to_indicators(world: World) -> None:
    ids = await _indicators(world)
    plan = await world.plan(key="000")
    task = await world.task(plan, "III.12")
    await world.person("Chị Lan", chat_id="lan")
    await _asked(world, "lan", [ids["PL3.7"]], tasks=[task])

    assert (await world.say("lan", "1 xong")).startswith("✅ Đã ghi nhận")
    assert (await world.assignment(task)).status == "done"
    text = await world.say("lan", "2. 3.700")
    assert "• PL3.7 Thu hút khách du lịch: 3.700 1.000 lượt" in text
    text = await world.say("lan", "CT9: 30")  # not theirs: Sở Xây dựng's
    assert text.startswith("❓ «CT9: 30»: Lời nhắc không có chỉ tiêu 9")


async def test_an_officer_names_their_indicator_unasked_and_may_not_report_anothers(
    world: World,
) -> None:
    ids = await _indicators(world)
    await world.person("Chị Lan", chat_id="lan")
    text = await world.say("lan", "PL3.7: 3.700")
    assert "✅ Đã ghi số liệu 6 tháng 2023:" in text
    assert "PL3.9" not in text
    assert (await world.say("lan", "PL3.9: 30")).startswith("❓ «PL3.9: 30»")
    assert [v.indicator_id for v in await _values(world)] == [ids["PL3.7"]]


async def test_a_coordinator_enters_a_figure_for_an_owner_recorded_as_such(world: World) -> None:
    ids = await _indicators(world)
    binh = await world.person("Chị Bình", role=Role.COORDINATOR, agency=None, chat_id="binh")
    text = await world.say("binh", "PL1.12: 3,4%")
    assert "Ghi thay Sở Nông nghiệp và Phát triển nông thôn." in text
    [value] = await _values(world)
    assert (value.indicator_id, value.agency_id, value.reported_by_id, value.on_behalf) == (
        ids["PL1.12"],
        world.agencies["SNN"],
        binh,
        True,
    )
    await world.person("Anh Cường", role=Role.LEADER, agency=None, chat_id="cuong")
    assert await world.say("cuong", "PL1.12: 3,2%") == "Bạn không có quyền thực hiện việc này."


async def test_a_red_figure_is_explained_on_request_and_the_coordinator_told(world: World) -> None:
    ids = await _indicators(world)
    lan = await world.person("Chị Lan", chat_id="lan")
    await world.person("Chị Bình", role=Role.COORDINATOR, agency=None, chat_id="binh")
    await _asked(world, "lan", [ids["PL3.7"]])
    await world.say("lan", "3.000")

    data = explain_request(ids["PL3.7"], "2023-06M")
    answer = await world.say("binh", button=data)
    assert answer == "📨 Đã gửi yêu cầu giải trình PL3.7 tới: Chị Lan."
    async with world.sessions() as session:
        [request] = (
            await session.exec(select(Outbox).where(Outbox.kind == OutboxKind.INDICATOR_REQUEST))
        ).all()
        [entry] = (await session.exec(select(ReminderLedger))).all()
    asked = Outgoing.from_payload(request.payload)
    assert request.person_id == lan
    assert "📨 Yêu cầu giải trình (Chị Bình)" in asked.text
    assert "3.000 1.000 lượt · 🔴 chưa đạt (mục tiêu kỳ này: 3.650 1.000 lượt)" in asked.text
    assert (entry.target, entry.recipient_id, entry.kind, entry.outbox_id) == (
        f"i:{ids['PL3.7']}",
        lan,
        "explain@2023-06M",
        request.id,
    )
    again = await world.say("binh", button=data)
    assert again == "Yêu cầu giải trình PL3.7 đã được gửi trước đó tới: Chị Lan."

    told = await world.outbox("binh")
    # Figures alone are no explanation: nothing is stored, and the explanation still waits.
    assert not (await world.say("lan", "2. 3.100")).startswith("✅")
    said = await world.say("lan", "Do ảnh hưởng của mưa bão tháng 5, lượng khách giảm")
    assert said.startswith("✅ Đã ghi giải trình chỉ tiêu PL3.7 (6 tháng 2023).")
    latest = (await _values(world))[-1]
    assert (latest.value, latest.explanation) == (
        Decimal("3000"),
        "Do ảnh hưởng của mưa bão tháng 5, lượng khách giảm",
    )
    notices = (await world.outbox("binh"))[len(told) :]
    assert notices[-1].text == (
        "💬 Sở Thông tin và Truyền thông giải trình chỉ tiêu PL3.7 Thu hút khách du lịch "
        "(6 tháng 2023): Do ảnh hưởng của mưa bão tháng 5, lượng khách giảm"
    )


async def test_a_figure_that_meets_its_target_needs_no_explanation(world: World) -> None:
    ids = await _indicators(world)
    await world.person("Chị Lan", chat_id="lan")
    await world.person("Chị Bình", role=Role.COORDINATOR, agency=None, chat_id="binh")
    await world.say("lan", "PL3.7: 3.700")
    answer = await world.say("binh", button=explain_request(ids["PL3.7"], "2023-06M"))
    assert answer == "Chỉ tiêu PL3.7 đang 🟢 đạt: chưa cần giải trình."
    assert await world.say("lan", button=explain_request(ids["PL3.7"], "2023-06M")) == (
        "Bạn không có quyền thực hiện việc này."
    )


async def test_undo_takes_back_a_task_update_made_after_figures(world: World) -> None:
    await _indicators(world)
    plan = await world.plan(key="000")
    task = await world.task(plan, "III.12")
    await world.person("Chị Lan", chat_id="lan")
    await world.say("lan", "PL3.7: 3.700")
    world.later(minutes=1)
    await world.say("lan", f"#{task} xong")
    world.later(minutes=1)
    await world.say("lan", "/undo")
    assert (await world.assignment(task)).status == "not_started"
    assert [v.undone for v in await _values(world)] == [False]
    async with world.sessions() as session:
        assert [c.undone for c in (await session.exec(select(StatusChange))).all()] == [True]


async def test_an_officer_lists_their_indicators_with_what_is_due_first(world: World) -> None:
    await _indicators(world)
    await world.person("Chị Lan", chat_id="lan")
    await world.say("lan", "PL3.7: 3.000")
    text = await world.say("lan", "/chitieu")
    lines = text.splitlines()
    assert lines[0] == "📈 Chỉ tiêu của cơ quan bạn, 6 tháng 2023:"
    assert lines[1] == "🔴 1 · 🟡 0 · ⚪ 2 · 🟢 0"
    assert lines[3].startswith("⚪ PL1.3 Chỉ số sản xuất công nghiệp (IIP): chưa báo cáo, hạn")
    assert lines[4] == "⚪ PL1.12 Tỷ lệ thất nghiệp ở thành thị: chưa báo cáo, hạn 20/06/2023"
    assert lines[5].startswith("🔴 PL3.7 Thu hút khách du lịch: 3.000 1.000 lượt")
    assert "PL3.9" not in text


async def test_a_coordinator_sees_every_indicator_reds_first_with_a_button_to_chase_them(
    world: World,
) -> None:
    ids = await _indicators(world)
    await world.person("Chị Lan", chat_id="lan")
    await world.person("Chị Bình", role=Role.COORDINATOR, agency=None, chat_id="binh")
    await world.say("lan", "PL3.7: 3.000")
    [listed] = await world.send("binh", "/chitieu")
    lines = listed.text.splitlines()
    assert lines[1] == "🔴 1 · 🟡 0 · ⚪ 3 · 🟢 0"
    assert lines[3].startswith("🔴 PL3.7 Thu hút khách du lịch") and lines[3].endswith("· STTTT")
    assert [row[0].data for row in listed.buttons] == [explain_request(ids["PL3.7"], "2023-06M")]
    table = await world.say("binh", "/chitieu PL1")
    assert "(PL1)" in table and "PL3.7 Thu hút" not in table and "PL1.12 Tỷ lệ" in table
    agency = await world.say("binh", "/chitieu SXD")
    assert "PL3.9 Diện tích" in agency and "PL3.7 Thu hút" not in agency
    assert (await world.say("binh", "/chitieu XYZ")).startswith("Không tìm thấy «XYZ».")


async def test_an_indicators_history_shows_each_checkpoint_and_every_figure(world: World) -> None:
    await _indicators(world)
    await world.person("Chị Lan", chat_id="lan")
    await world.person("Chị Bình", role=Role.COORDINATOR, agency=None, chat_id="binh")
    await world.say("binh", "/chitieu PL3.7 1.700")
    world.later(minutes=20)
    await world.say("lan", "PL3.7: 3.000")
    text = await world.say("lan", "/chitieu PL3.7")
    assert text.splitlines()[0] == "📈 PL3.7 Thu hút khách du lịch (1.000 lượt)"
    assert "Kế hoạch 02/CT-UBND · mục tiêu 2023: 7.300" in text
    assert "• Quý I 2023: chưa báo cáo, hạn 20/03/2023 · ⚪ chưa báo cáo" in text
    assert "• 6 tháng 2023: 3.000 1.000 lượt (mục tiêu kỳ này: 3.650 1.000 lượt) · 🔴" in text
    assert (
        "· 6 tháng 2023 · 1.700 1.000 lượt (Chị Bình ghi thay Sở Thông tin và Truyền thông)"
        in text
    )
    assert "15/06/2023 09:20 · 6 tháng 2023 · 3.000 1.000 lượt (Chị Lan, Sở Thông tin" in text
    history = await world.send("binh", "/chitieu 7")
    assert history[0].text == text
    assert history[0].buttons  # red: the coordinator may ask why
