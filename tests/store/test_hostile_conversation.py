"""Issue 18, "Conversation and roles": what a hostile sender tried, through the real
conversation, on SQLite and PostgreSQL. Each test is named after the item it covers."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from domain.access import Actor, Role
from domain.replies import ReplyAction
from domain.targets import Target
from models.tables import Assignment
from services import status as status_service
from services.unit_of_work import Sessions, transaction
from tests.builders import World
from tests.conftest import BOTH_STORES

pytestmark = BOTH_STORES

APOLOGY = "hệ thống đang gặp sự cố"
DEAD_BUTTON = "Nút này không còn dùng được"


async def _officer_world(sessions: Sessions) -> tuple[World, int]:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    await world.person("Anh Điều", role=Role.COORDINATOR, agency=None, chat_id="boss")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    return world, handle


async def _state(world: World, handle: int) -> tuple[str, int]:
    stored = await world.assignment(handle)
    return stored.status, stored.progress


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("/tiendo {h} ²", "Cách dùng: /tiendo"),
        ("/tiendo {h} -50", "Cách dùng: /tiendo"),
        ("/chitiet ①", "Không tìm thấy nhiệm vụ mã ①"),
        ("/chitiet 99999999999999999999", "Không tìm thấy việc #"),
        ("/xong ³", "Cách dùng: /xong"),
        ("/xong 9999999999", "Cách dùng: /xong"),
        ("/xong #9999999999", "Cách dùng: /xong"),
        ("/nhaclai {h} ³", "Cách dùng: /nhaclai"),
        ("/nhaclai {h} 0001000000000", "Cách dùng: /nhaclai"),
        ("/sapden ²", "Cách dùng: /upcoming"),
        ("/sapden 0001000000000", "Cách dùng: /upcoming"),
        ("/sapden ٣", "Cách dùng: /upcoming"),
        ("/thuhoi ²", "Cách dùng: /revoke"),
        ("/thuhoi 99999999999999999999", "Cách dùng: /revoke"),
    ],
)
async def test_item1_unicode_digits_and_huge_numbers_get_a_clear_answer(
    sessions: Sessions, typed: str, answer: str
) -> None:
    world, handle = await _officer_world(sessions)
    chat = "boss" if typed.startswith("/thuhoi") else "lan"

    said = await world.say(chat, typed.format(h=handle))

    assert APOLOGY not in said
    assert answer in said, said
    assert await _state(world, handle) == ("not_started", 0)


async def test_item1_a_bounded_number_still_works_with_leading_zeros(sessions: Sessions) -> None:
    world, handle = await _officer_world(sessions)

    await world.say("lan", f"/tiendo {handle} 060")
    assert "đến hạn trong 30 ngày tới" in await world.say("lan", "/sapden 0030")

    assert await _state(world, handle) == ("in_progress", 60)


@pytest.mark.parametrize(
    "data",
    [
        "s|p|{h}||-250",
        "s|p|{h}||250",
        "s|p|{h}||²",
        "s|z|{h}||0",
        "s|z|{h}||99999",
        "s|z|{h}||1000000000000",
        "s|d|{h}||5",
        "s|d|99999999999999999999||",
        "s|d|0||",
        "s|d|{h}|99999999999999999999|",
        "s|q|{h}||",
        "s|d|³||",
        "n|w|²",
        "n|o|99999999999|",
        "x|²|2023-06M",
        "x|1|２０２３-06M",
    ],
)
async def test_item2_forged_button_data_is_refused_and_changes_nothing(
    sessions: Sessions, data: str
) -> None:
    world, handle = await _officer_world(sessions)

    said = await world.say("lan", button=data.format(h=handle))

    assert APOLOGY not in said
    assert DEAD_BUTTON in said, said
    assert await _state(world, handle) == ("not_started", 0)


async def test_item2_a_button_for_another_agencys_task_is_refused(sessions: Sessions) -> None:
    world, handle = await _officer_world(sessions)
    plan = await world.plan(key="other")
    theirs = await world.task(plan, "I.1", due=date(2023, 12, 31), lead="SXD")

    said = await world.say("lan", button=f"s|d|{theirs}||")
    snoozed = await world.say("lan", button=f"s|z|{theirs}||")

    assert "không có quyền" in said and APOLOGY not in snoozed
    assert await _state(world, theirs) == ("not_started", 0)
    assert await _state(world, handle) == ("not_started", 0)


async def test_item2_the_store_refuses_progress_outside_0_to_100(sessions: Sessions) -> None:
    world, handle = await _officer_world(sessions)
    actor = Actor(person_id=1, name="Chị Lan", role=Role.OFFICER, agency_id=None, locale="vi")

    for progress in (-250, 101):
        with pytest.raises(IntegrityError):
            async with transaction(sessions) as session:
                await session.exec(  # type: ignore[call-overload]
                    sa.update(Assignment)
                    .where(sa.column("id") == handle)
                    .values(progress=progress)
                )
    with pytest.raises(ValueError, match="0-100"):
        async with transaction(sessions) as session:
            await status_service.apply_status(
                session,
                actor=actor,
                target=Target(handle),
                action=ReplyAction.PROGRESS,
                percent=-250,
                reason=None,
                channel="telegram",
                source_message_id=None,
                now=world.now,
            )
    assert await _state(world, handle) == ("not_started", 0)


async def _seven_items_six_done(world: World) -> list[int]:
    plan = await world.plan(key="seven")
    handles = [await world.task(plan, f"IV.{n}", due=date(2023, 12, 31)) for n in range(1, 8)]
    await world.reminder("lan", [(h, None) for h in handles], provider_message_id="r7")
    await world.say("lan", "1-6 xong")
    assert [(await world.assignment(h)).status for h in handles] == ["done"] * 6 + ["not_started"]
    return handles


@pytest.mark.parametrize(
    ("typed", "item", "state"),
    [
        ("xong 2", 2, ("done", 100)),
        ("xong #2", None, None),
        ("Xong mục 2", 2, ("done", 100)),
        ("hoàn thành 1", 1, ("done", 100)),
        ("50% 2", 2, ("in_progress", 50)),
        ("đang làm 1 60%", 1, ("in_progress", 60)),
        ("\u200bxong 2", 2, ("done", 100)),
        ("<b>xong</b> 2", 2, ("done", 100)),
    ],
)
async def test_item3_a_number_after_the_status_word_names_the_item(
    sessions: Sessions, typed: str, item: int | None, state: tuple[str, int] | None
) -> None:
    world, _ = await _officer_world(sessions)
    handles = await _seven_items_six_done(world)

    said = await world.say("lan", typed)

    assert await _state(world, handles[6]) == ("not_started", 0), said
    if item is not None:
        assert await _state(world, handles[item - 1]) == state, said
        assert f"#{handles[item - 1]}" in said


async def test_item3_a_status_word_with_a_stray_number_is_asked_back(sessions: Sessions) -> None:
    world, _ = await _officer_world(sessions)
    handles = await _seven_items_six_done(world)

    said = await world.say("lan", "xong 2 việc")

    assert "❓ Chưa rõ: «xong 2 việc»" in said
    assert await _state(world, handles[6]) == ("not_started", 0)


@pytest.mark.parametrize(
    "typed",
    ["<b>/xong {h}</b>", "\u200b/xong {h}", "\ufeff/xong {h}", "\u202e/xong {h}", "*/xong {h}*"],
)
async def test_item3_a_command_wrapped_in_markup_or_invisible_marks_is_read_as_a_command(
    sessions: Sessions, typed: str
) -> None:
    world, handle = await _officer_world(sessions)
    plan = await world.plan(key="other")
    decoy = await world.task(plan, "I.1", due=date(2023, 12, 31))
    await world.reminder("lan", [(decoy, None)], provider_message_id="decoy")

    said = await world.say("lan", typed.format(h=handle))

    assert said.startswith(f"✅ Đã ghi nhận #{handle}"), said
    assert await _state(world, handle) == ("done", 100)
    assert await _state(world, decoy) == ("not_started", 0)


@pytest.mark.parametrize("typed", ["#{h} -90%", "2 -50%", "#{h} −90%", "1 xong\n2 -50%"])
async def test_item4_a_negative_percent_after_an_item_or_handle_is_refused(
    sessions: Sessions, typed: str
) -> None:
    world, handle = await _officer_world(sessions)
    plan = await world.plan(key="two")
    other = await world.task(plan, "II.2", due=date(2023, 12, 31))
    await world.reminder("lan", [(handle, None), (other, None)], provider_message_id="two")

    said = await world.say("lan", typed.format(h=handle))

    assert "50%" not in said.replace("-50%", "") and "90%" not in said.replace("-90%", "")
    assert await _state(world, handle) in {("not_started", 0), ("done", 100)}
    assert await _state(world, other) == ("not_started", 0)
    assert "❓ Chưa rõ: «" in said and "-" in said, said
