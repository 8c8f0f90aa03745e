"""Zalo's plan limits, end to end: the user cap per bot, the monthly message count, and a
second bot taking the next group of agencies.

Two bots are configured (DONDOC_ZALO_TOKEN with two tokens); the fake Zalo API serves both at
one address, each with its own calls, webhook and quota. Updates come through each bot's
webhook into the real conversation; answers go out through the real outbox dispatcher.
"""

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.bootstrap import App, ChannelContext, ChannelStarter, build, sender_only
from bot.channels.zalo.runtime import ZaloRuntime, start_zalo
from bot.channels.zalo.webhook import WEBHOOK_PATH
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import ChannelLimits, RetryPolicy
from bot.settings import Settings, load_settings
from domain.access import Role
from models.tables import ChannelMonth, ChatIdentity, Outbox, Person
from scheduler.jobs import run_sweep
from services.people import create_invite
from services.quotas import CappedBot, assign_bots
from services.unit_of_work import Sessions, transaction
from tests.builders import NOW, World
from tests.conftest import BOTH_STORES
from tests.fakes.clock import FakeClock
from tests.fakes.senders import RecordingSender
from tests.fakes.zalo_api import TOKEN, FakeZaloApi, text_update

pytestmark = BOTH_STORES

SECRET = "zalo-webhook-secret"
SECOND_TOKEN = "2222333344:second-zalo-token"
SECOND = "zalo-2222333344"
FAST = ChannelLimits(per_second=1000, private_chat_interval=0)


@dataclass
class TwoBots:
    """Two Zalo bots of one deployment, their fake APIs, and the application around them."""

    first: FakeZaloApi
    second: FakeZaloApi
    app: App
    world: World
    clock: FakeClock
    settings: Settings
    runtimes: list[ZaloRuntime]
    dispatcher: OutboxDispatcher
    telegram: RecordingSender

    async def say(self, bot: FakeZaloApi, chat_id: str, text: str) -> list[str]:
        """What the bot showed the chat in answer to `text` (through that bot's webhook)."""
        before = len(bot.texts(chat_id))
        assert await bot.deliver(text_update(chat_id, text)) == 200
        for runtime in self.runtimes:
            await runtime.inbound.settled()
        await self.drain()
        return bot.texts(chat_id)[before:]

    async def drain(self) -> None:
        while await self.dispatcher.drain_once():
            pass

    async def invite(self, agency: str) -> str:
        async with transaction(self.world.sessions) as session:
            created = await create_invite(
                session,
                agency_code=agency,
                role=Role.OFFICER,
                uses=1,
                expires_in=timedelta(days=14),
                now=self.clock(),
                created_by="cli",
            )
        return created.code

    async def fill(self, channel: str, count: int, *, agency: str = "SXD") -> None:
        """`count` people already registered on a bot."""
        for n in range(count):
            await self.world.person(
                f"Cán bộ {n}", agency=agency, chat_id=f"{channel}-u{n}", channel=channel
            )


@pytest.fixture
async def bots(
    db_url: str, engine: AsyncEngine, sessions: Sessions, request: pytest.FixtureRequest
) -> AsyncIterator[TwoBots]:
    users = getattr(request, "param", 50)
    async with FakeZaloApi() as first:
        second = first.another_bot(
            token=SECOND_TOKEN, bot_id="2222333344", account_name="bot.DonDoc2"
        )
        clock = FakeClock(NOW)
        world = World(sessions)
        await world.setup_agencies()
        settings = load_settings(
            database_url=db_url,
            zalo_token=f"{TOKEN},{SECOND_TOKEN}",
            zalo_bot_names="Đôn Đốc HP,Đôn Đốc HP 2",
            zalo_plan_users=users,
            zalo_plan_messages=10,
            zalo_api_base=first.url,
            zalo_webhook_secret=SECRET,
            http_host="127.0.0.1",
            http_port=0,
        )
        runtimes: list[ZaloRuntime] = []

        def zalo(index: int) -> ChannelStarter:
            async def start(context: ChannelContext) -> ZaloRuntime:
                context.app.settings.zalo_webhook_url = f"{context.http.url}{WEBHOOK_PATH}"
                runtime = await start_zalo(
                    context.app, context.conversation, context.http, index=index
                )
                runtimes.append(runtime)
                return runtime

            return start

        telegram = RecordingSender("telegram")
        channels: dict[str, ChannelStarter] = {
            bot.channel: zalo(index) for index, bot in enumerate(settings.zalo_bots)
        }
        channels["telegram"] = sender_only(telegram)
        service = build(
            settings,
            clock=clock,
            channels=channels,
            engine=engine,
            limits={"zalo": FAST, SECOND: FAST, "telegram": FAST},
            schedule=False,
            dispatch=False,
            retry=RetryPolicy(max_attempts=3, base_delay=10, max_delay=60),
            rng=random.Random(7),
        )
        async with service:
            assert service.dispatcher is not None
            yield TwoBots(
                first,
                second,
                service.app,
                world,
                clock,
                settings,
                runtimes,
                service.dispatcher,
                telegram,
            )


async def _identities(bots: TwoBots) -> list[ChatIdentity]:
    async with bots.world.sessions() as session:
        return list((await session.exec(select(ChatIdentity))).all())


async def test_each_bot_registers_its_webhook_and_is_paced_as_a_channel_of_its_own(
    bots: TwoBots,
) -> None:
    assert [b.channel for b in bots.settings.zalo_bots] == ["zalo", SECOND]
    [first_hook] = bots.first.calls_to("setWebhook")
    [second_hook] = bots.second.calls_to("setWebhook")
    assert first_hook.payload["url"].endswith(WEBHOOK_PATH)
    assert second_hook.payload["url"].endswith(f"{WEBHOOK_PATH}/2222333344")


async def test_the_51st_registration_on_a_basic_plan_bot_is_refused_with_what_to_do(
    bots: TwoBots,
) -> None:
    await bots.fill("zalo", 50)
    code = await bots.invite("STTTT")

    [answer] = await bots.say(bots.first, "zu-51", f"/start {code}")

    assert "đã đủ 50 người dùng theo gói của Zalo" in answer
    assert "mã mời của bạn vẫn dùng được" in answer
    assert f"«Đôn Đốc HP 2» và gửi cho bot đó: /start {code}" in answer
    assert not [i for i in await _identities(bots) if i.chat_id == "zu-51"]

    # The same code works on the second bot, as the answer said.
    [welcome] = await bots.say(bots.second, "zu-51b", f"/start {code}")
    assert welcome.startswith("✅ Đăng ký thành công")
    [identity] = [i for i in await _identities(bots) if i.chat_id == "zu-51b"]
    assert identity.channel == SECOND


async def test_when_every_bot_is_full_the_answer_points_to_the_coordinator(
    bots: TwoBots,
) -> None:
    await bots.fill("zalo", 50)
    await bots.fill(SECOND, 50)
    code = await bots.invite("STTTT")

    [answer] = await bots.say(bots.first, "zu-x", f"/start {code}")

    assert "đã đủ 50 người dùng" in answer and "Telegram" in answer


async def test_coordinators_are_warned_once_when_a_bot_reaches_80_percent_of_its_users(
    bots: TwoBots,
) -> None:
    await bots.world.person("Anh Minh", role=Role.COORDINATOR, chat_id="tg-minh", agency=None)
    await bots.fill("zalo", 38)
    for n in (39, 40, 41):
        code = await bots.invite("STTTT")
        [welcome] = await bots.say(bots.first, f"zu-{n}", f"/start {code}")
        assert welcome.startswith("✅")

    warnings = [t for t in bots.telegram.texts_to("tg-minh") if "người dùng theo gói" in t]
    assert warnings == [
        "⚠️ Bot Zalo Đôn Đốc HP đã có 40/50 người dùng theo gói của Zalo. Khi đủ 50, người mới "
        "không đăng ký được qua bot này: hãy chuẩn bị thêm một bot Zalo (DONDOC_ZALO_TOKEN "
        "nhận nhiều token) hoặc mời qua Telegram."
    ]


async def test_a_second_bot_takes_the_next_group_of_agencies(bots: TwoBots) -> None:
    await bots.fill("zalo", 48, agency="SXD")
    await bots.world.person("Chị Hoa", agency="SNN", chat_id="zu2-hoa", channel=SECOND)
    capped = [CappedBot("zalo", "Đôn Đốc HP", 50), CappedBot(SECOND, "Đôn Đốc HP 2", 50)]
    agencies = ["SXD", "STTTT", "UBND-HB", "UBND-LC", "SNN"]

    async with bots.world.sessions() as session:
        chosen = await assign_bots(
            session, agency_ids=[bots.world.agencies[a] for a in agencies], bots=capped
        )

    names = [bot.name if bot else None for bot in chosen]
    # SXD's people are on the first bot; STTTT takes its last seat; the next group goes to the
    # second bot, and SNN stays where its officer already is.
    assert names == ["Đôn Đốc HP", "Đôn Đốc HP", "Đôn Đốc HP 2", "Đôn Đốc HP 2", "Đôn Đốc HP 2"]


async def test_an_officer_on_the_second_bot_is_reminded_and_answered_by_that_bot(
    bots: TwoBots,
) -> None:
    code = await bots.invite("STTTT")
    await bots.say(bots.second, "zu2-lan", f"/start {code}")
    plan = await bots.world.plan()
    handle = await bots.world.task(plan, "III.1", due=date(2023, 11, 10))

    [welcome] = bots.second.texts("zu2-lan")
    await run_sweep(bots.app, now=bots.clock())
    await bots.drain()
    [reminder] = bots.second.texts("zu2-lan")[1:]
    assert welcome.startswith("✅") and f"#{handle}" in reminder
    [confirmation] = await bots.say(bots.second, "zu2-lan", "xong")

    assert confirmation.startswith(f"✅ Đã ghi nhận #{handle}")
    assert bots.first.calls_to("sendMessage") == []
    async with bots.world.sessions() as session:
        rows = (await session.exec(select(Outbox).order_by(col(Outbox.id)))).all()
    assert {r.channel for r in rows} == {SECOND}
    assert (await bots.world.assignment(handle)).status == "done"


async def test_each_bot_counts_its_messages_and_warns_at_80_percent_of_the_month(
    bots: TwoBots,
) -> None:
    await bots.world.person("Anh Minh", role=Role.COORDINATOR, chat_id="tg-minh", agency=None)
    await bots.world.person("Chị Lan", chat_id="zu-lan", channel="zalo")
    for n in range(9):
        await bots.say(bots.first, "zu-lan", f"/help {n}")

    async with bots.world.sessions() as session:
        [month] = (await session.exec(select(ChannelMonth))).all()
    assert (month.channel, month.month, month.messages) == ("zalo", "2023-11", 9)
    warnings = [t for t in bots.telegram.texts_to("tg-minh") if "tin nhắn của tháng" in t]
    assert warnings == [
        "⚠️ Bot Zalo Đôn Đốc HP đã gửi 8/10 tin nhắn của tháng này theo gói của Zalo. Khi hết "
        "hạn mức, tin qua bot này phải chờ sang tháng; hãy cân nhắc nâng gói hoặc chuyển bớt "
        "người sang Telegram hay một bot Zalo khác."
    ]
    async with bots.world.sessions() as session:
        people = (await session.exec(select(Person))).all()
    assert all(p.active for p in people)
