"""Issue 18, "Conversation and roles": what a hostile sender tried, through the real
conversation, on SQLite and PostgreSQL. Each test is named after the item it covers."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.access import Actor, Role
from domain.replies import ReplyAction
from domain.targets import Target
from models.tables import Assignment, Invite, Outbox, Person
from services import registration
from services import status as status_service
from services.people import create_invite
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


async def _invite(world: World, *, uses: int = 1, days: int = 14) -> str:
    async with transaction(world.sessions) as session:
        created = await create_invite(
            session,
            agency_code="STTTT",
            role=Role.OFFICER,
            uses=uses,
            expires_in=timedelta(days=days),
            now=world.now,
            created_by="test",
        )
    return created.code


async def _mark(world: World) -> int:
    """The newest outbox row now: what is queued later has a bigger id."""
    async with world.sessions() as session:
        newest = (await session.exec(select(sa.func.max(Outbox.id)))).one()
    return int(newest or 0)


async def _person_named(world: World, name: str) -> int:
    async with world.sessions() as session:
        [person] = (await session.exec(select(Person).where(Person.name == name))).all()
    assert person.id is not None
    return person.id


async def test_item5_a_revoked_person_cannot_come_back_with_an_invite_they_used(
    sessions: Sessions,
) -> None:
    world, _ = await _officer_world(sessions)
    code = await _invite(world, uses=5)
    assert "thành công" in await world.say("new", f"/start {code}")
    revoked = await _person_named(world, "Nguyễn Văn An")
    assert "Đã thu hồi" in await world.say("boss", f"/thuhoi {revoked}")
    world.later(minutes=5)
    mark = await _mark(world)

    again = await world.say("new", f"/start {code}")
    [told] = await world.outbox("boss", after=mark)
    newer = await world.say("new", f"/start {await _invite(world, uses=1)}")

    assert "không dùng được" in again, again
    assert f"Nguyễn Văn An (#{revoked})" in told.text and "mã mời cũ" in told.text
    assert "thành công" in newer  # a code issued after the revocation lets them back
    async with sessions() as session:
        invites = (await session.exec(select(Invite).order_by(col(Invite.id)))).all()
    assert [i.uses_left for i in invites] == [4, 0]


async def test_item7_only_an_admin_revokes_coordinators_and_admins(sessions: Sessions) -> None:
    world, _ = await _officer_world(sessions)
    other_boss = await world.person("Chị Hai", role=Role.COORDINATOR, agency=None, chat_id="c2")
    admin = await world.person("Quản trị", role=Role.ADMIN, agency=None, chat_id="admin")
    await world.person("Lãnh đạo", role=Role.LEADER, agency=None, chat_id="lead")
    second_admin = await world.person("Quản trị 2", role=Role.ADMIN, agency=None, chat_id="a2")

    by_coordinator_on_admin = await world.say("boss", f"/thuhoi {admin}")
    by_coordinator_on_coordinator = await world.say("boss", f"/thuhoi {other_boss}")
    by_leader = await world.say("lead", f"/thuhoi {other_boss}")
    by_admin_on_coordinator = await world.say("admin", f"/thuhoi {other_boss}")
    by_admin_on_admin = await world.say("admin", f"/thuhoi {second_admin}")

    assert "Chỉ quản trị viên" in by_coordinator_on_admin
    assert "Chỉ quản trị viên" in by_coordinator_on_coordinator
    assert "không có quyền" in by_leader
    assert "Đã thu hồi quyền của Chị Hai" in by_admin_on_coordinator
    assert "Đã thu hồi quyền của Quản trị 2" in by_admin_on_admin
    async with sessions() as session:
        active = {p.name for p in (await session.exec(select(Person))).all() if p.active}
    assert active == {"Chị Lan", "Anh Điều", "Quản trị", "Lãnh đạo"}


async def test_item7_the_last_active_admin_cannot_be_revoked(sessions: Sessions) -> None:
    world, _ = await _officer_world(sessions)
    last = await world.person("Quản trị", role=Role.ADMIN, agency=None, chat_id="admin")
    gone = await world.person("Quản trị cũ", role=Role.ADMIN, agency=None, chat_id="old")
    assert "Đã thu hồi" in await world.say("admin", f"/thuhoi {gone}")
    # Whoever asks (here the admin just revoked, acting from the desk), the last one stays.
    acting = Actor(
        person_id=gone, name="Quản trị cũ", role=Role.ADMIN, agency_id=None, locale="vi"
    )

    with pytest.raises(registration.LastAdminError):
        async with transaction(sessions) as session:
            await registration.revoke(session, actor=acting, person_id=last, now=world.now)
    assert "Bạn không thể tự thu hồi" in await world.say("admin", f"/thuhoi {last}")
    assert (await _active(world, last)) is True


async def _active(world: World, person_id: int) -> bool:
    async with world.sessions() as session:
        person = await session.get(Person, person_id)
    assert person is not None
    return person.active


async def test_item9_a_reason_typed_with_bidi_controls_is_stored_without_them(
    sessions: Sessions,
) -> None:
    world, handle = await _officer_world(sessions)

    await world.say("lan", f"#{handle} vướng: \u202echưa có\u202c kinh \u2066phí\u2069\u200b")

    stored = await world.assignment(handle)
    assert stored.blocked_reason == "chưa có kinh phí"
    [change] = await world.history(handle)
    assert change.note == "chưa có kinh phí"


async def test_item9_two_updates_to_one_item_in_one_reply_write_one_history_row(
    sessions: Sessions,
) -> None:
    world, handle = await _officer_world(sessions)
    plan = await world.plan(key="two")
    other = await world.task(plan, "II.2", due=date(2023, 12, 31))
    await world.reminder("lan", [(handle, None), (other, None)], provider_message_id="two")

    said = await world.say("lan", f"1 30%\n2 xong\n1 60%\n#{handle} 70%")

    assert await _state(world, handle) == ("in_progress", 70)
    assert [c.to_progress for c in await world.history(handle)] == [70]
    assert [c.to_status for c in await world.history(other)] == ["done"]
    assert "30%" not in said and "60%" not in said


ONE_ANSWER = (
    "Mã mời này không dùng được. Vui lòng kiểm tra lại mã, hoặc xin điều phối viên một mã mới."
)


@pytest.mark.parametrize("kind", ["wrong", "expired", "used up", "revoked"])
async def test_item9_every_code_that_cannot_be_used_gets_the_same_answer(
    sessions: Sessions, kind: str
) -> None:
    world, _ = await _officer_world(sessions)
    code = await _invite(world, uses=2, days=1)
    if kind == "wrong":
        code = "ABCDEFGHJK"
    elif kind == "expired":
        world.later(days=2)
    elif kind == "used up":
        await world.say("first", f"/start {code}")
        await world.say("second", f"/start {code}")
    else:
        await world.say("someone", f"/start {code}")
        await world.say("boss", f"/thuhoi {await _person_named(world, 'Nguyễn Văn An')}")

    assert await world.say("someone", f"/start {code}") == ONE_ANSWER
