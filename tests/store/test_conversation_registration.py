"""Registration by invite: valid, expired, used up, multi-use, throttled, and revoking."""

from datetime import date, timedelta

from sqlmodel import select

from domain.access import Role
from models.tables import AuditLog, ChatIdentity, Invite, Person
from services.people import create_invite
from services.unit_of_work import Sessions, transaction
from tests.builders import World
from tests.conftest import BOTH_STORES
from views.messages import MenuChange

pytestmark = BOTH_STORES


async def _invite(
    world: World, *, role: Role = Role.OFFICER, uses: int = 1, days: int = 14
) -> str:
    async with transaction(world.sessions) as session:
        created = await create_invite(
            session,
            agency_code="STTTT",
            role=role,
            uses=uses,
            expires_in=timedelta(days=days),
            now=world.now,
            created_by="test",
        )
    return created.code


async def test_start_with_a_valid_code_registers_and_tells_the_coordinators(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Điều phối viên", role=Role.COORDINATOR, agency=None, chat_id="hub")
    await world.person(
        "Coordinator EN", role=Role.COORDINATOR, agency=None, chat_id="hub-en", locale="en"
    )
    code = await _invite(world)

    answer = await world.say("new", f"/start {code}", sender_name="Trần Thị Bình")

    assert answer.startswith("✅ Đăng ký thành công: Trần Thị Bình, cán bộ đầu mối")
    assert "Sở Thông tin và Truyền thông" in answer
    [told] = await world.outbox("hub")
    assert told.text.startswith("🆕 Trần Thị Bình vừa đăng ký")
    [told_en] = await world.outbox("hub-en")
    assert told_en.text.startswith("🆕 Trần Thị Bình has registered: focal officer")
    async with sessions() as session:
        person = (await session.exec(select(Person).where(Person.name == "Trần Thị Bình"))).one()
        identity = (
            await session.exec(select(ChatIdentity).where(ChatIdentity.chat_id == "new"))
        ).one()
        invite = (await session.exec(select(Invite))).one()
        actions = [a.action for a in (await session.exec(select(AuditLog))).all()]
    assert (person.role, person.agency_id, person.locale) == (
        "officer",
        world.agencies["STTTT"],
        "vi",
    )
    assert identity.person_id == person.id
    assert invite.uses_left == 0
    assert "person.register" in actions
    # The person is known from now on; the used code cannot register anyone else.
    assert "đã đăng ký rồi" in await world.say("new", f"/register {code}")
    assert "không dùng được" in await world.say("other", f"/register {code}")


async def test_the_language_hint_sets_the_new_persons_language(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    code = await _invite(world)
    answer = await world.say("new", f"/start {code}", language="en-US", sender_name="Binh")
    assert answer.startswith("✅ Registered: Binh, focal officer")


async def test_an_expired_code_is_refused(sessions: Sessions) -> None:
    world = World(sessions)
    await world.setup_agencies()
    code = await _invite(world, days=1)
    world.later(days=2)
    assert "không dùng được" in await world.say("new", f"/start {code}")
    assert await world.count(ChatIdentity) == 0


async def test_a_multi_use_code_registers_that_many_people(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    code = await _invite(world, uses=2)
    assert "thành công" in await world.say("a", f"/start {code}")
    assert "thành công" in await world.say("b", f"/start {code.lower()}")
    assert "không dùng được" in await world.say("c", f"/start {code}")
    assert await world.count(Person) == 2


async def test_repeated_wrong_codes_slow_the_chat_down(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    code = await _invite(world)
    for _ in range(4):
        assert "không dùng được" in await world.say("guesser", "/start WRONGCODE1")
    assert "không dùng được" in await world.say("guesser", "/start WRONGCODE2")
    # The fifth wrong code locked the chat for a minute: even the right code must wait.
    locked = await world.say("guesser", f"/start {code}")
    assert "thử lại sau 20/11/2023 09:01" in locked
    world.later(minutes=1, seconds=1)
    assert "không dùng được" in await world.say("guesser", "/start WRONGCODE3")
    assert "09:03" in await world.say("guesser", f"/start {code}")  # now two minutes
    world.later(minutes=3)
    assert "thành công" in await world.say("guesser", f"/start {code}")
    # Another chat was never slowed down.
    assert "không dùng được" in await world.say("someone-else", "/start NOPE")


async def test_a_stranger_learns_only_how_to_register(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    plan = await world.plan()
    await world.task(plan, "III.12", title="Bí mật nội bộ", due=date(2023, 6, 30))
    for text in ("xong", "/tasks", "/overdue", "/task 1", "/whoami", "#1 xong", "/start"):
        answer = await world.say("stranger", text)
        assert "/start" in answer and "Bí mật" not in answer and "III.12" not in answer, text
    assert "/start" in await world.say("stranger", button="s|d|1||")
    assert (await world.assignment(1)).status == "not_started"


async def test_a_coordinator_revokes_a_person_who_becomes_a_stranger(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Điều phối viên", role=Role.COORDINATOR, agency=None, chat_id="hub")
    lan = await world.person("Chị Lan", chat_id="lan")

    listing = await world.say("hub", "/canbo")
    assert f"#{lan} Chị Lan" in listing
    assert "Đã thu hồi quyền của Chị Lan" in await world.say("hub", f"/thuhoi {lan}")

    [farewell] = await world.outbox("lan")
    assert "đã được thu hồi" in farewell.text
    assert "chưa đăng ký" in await world.say("lan", "/tasks")
    assert "Không có người mang số #999" in await world.say("hub", "/revoke 999")
    assert "Cách dùng: /revoke" in await world.say("hub", "/revoke")
    async with sessions() as session:
        person = await session.get(Person, lan)
        actions = [a.action for a in (await session.exec(select(AuditLog))).all()]
    assert person is not None and person.active is False
    assert "person.revoke" in actions


async def test_registering_switching_language_and_revoking_change_the_chats_menu(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Điều phối viên", role=Role.COORDINATOR, agency=None, chat_id="hub")
    code = await _invite(world, role=Role.LEADER)
    await world.say("boss", f"/start {code}", sender_name="Lãnh đạo")
    assert await world.menus("boss") == [MenuChange(role="leader", locale="vi")]

    await world.say("boss", "/lang en")
    assert (await world.menus("boss"))[-1] == MenuChange(role="leader", locale="en")

    async with sessions() as session:
        boss = (await session.exec(select(Person).where(Person.name == "Lãnh đạo"))).one()
    await world.say("hub", f"/revoke {boss.id}")
    assert (await world.menus("boss"))[-1] == MenuChange(role=None, locale="en")
    assert await world.menus("hub") == []


async def test_a_person_who_had_blocked_the_bot_is_active_again_when_they_write(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    lan = await world.person("Chị Lan", chat_id="lan")
    async with transaction(sessions) as session:
        person = await session.get(Person, lan)
        assert person is not None
        person.active = False
        session.add(person)
    assert "Chị Lan" in await world.say("lan", "/whoami")
    async with sessions() as session:
        person = await session.get(Person, lan)
        assert person is not None and person.active
        actions = (await session.exec(select(AuditLog.action))).all()
    assert "person.reactivate" in actions
