"""Indicators end to end on Telegram (the real aiogram client against the fake Bot API) and
on Zalo (the real client against the fake Zalo Bot API): Chỉ thị 02's tables imported, the
checkpoint reminder swept, figures answered in one message, a wrong unit questioned, a
coordinator entering a central body's figure, and a red figure explained on request, with
the explanation in the summary and its spreadsheet.
"""

import asyncio
import html
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from bot.bootstrap import App, ChannelContext, build
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.inbound import setup_dispatcher
from bot.channels.telegram.runtime import TelegramRuntime
from bot.channels.zalo.runtime import ZaloRuntime, start_zalo
from bot.channels.zalo.webhook import WEBHOOK_PATH
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import ChannelLimits, RetryPolicy
from bot.settings import load_settings
from domain.access import Role
from models.tables import Agency, Indicator, IndicatorValue, Outbox
from scheduler.jobs import run_sweep
from services import agencies as agency_service
from services.indicators.importing import read_plan_file
from services.indicators.store import save_indicators
from services.plans import save_plan
from services.unit_of_work import Sessions, transaction
from tests.builders import World
from tests.conftest import BOTH_STORES
from tests.fakes.clock import FakeClock
from tests.fakes.telegram_api import DEFAULT_TOKEN, SENDING, Call, FakeTelegramAPI
from tests.fakes.zalo_api import TOKEN, FakeZaloApi, text_update
from views.messages import Outgoing

pytestmark = BOTH_STORES
SEED_004 = next((Path(__file__).resolve().parents[2] / "bot" / "data" / "seeds").glob("004_*"))
# Thursday 15 June 2023, 09:00 in Hanoi: "6 tháng" figures are due on Tuesday 20 June.
JUNE = datetime(2023, 6, 15, 2, 0, tzinfo=UTC)
EXPLANATION = "Do 2 xã đảo chưa có trạm phát sóng, đã đề nghị doanh nghiệp lắp đặt trong quý III"
SECRET = "zalo-webhook-secret"
LIMITS = {
    "zalo": ChannelLimits(per_second=1000, private_chat_interval=0),
    "telegram": ChannelLimits(per_second=1000, private_chat_interval=0),
}


async def _directive(sessions: Sessions, world: World) -> dict[str, int]:
    """The shipped registry and Chỉ thị 02 (its tasks and indicators), as `dondoc import`
    stores them; the indicators' ids by key."""
    registry = agency_service.read_registry(
        agency_service.SHIPPED_REGISTRY.read_text(encoding="utf-8")
    )
    async with transaction(sessions) as session:
        await agency_service.load_registry(session, registry=registry, now=JUNE, actor="test")
        draft, found = read_plan_file(SEED_004, registry=registry)
        saved = await save_plan(session, draft=draft, now=JUNE, actor="test")
        await save_indicators(session, plan=saved.plan, found=found, now=JUNE, actor="test")
    async with sessions() as session:
        world.agencies = {a.code: a.id or 0 for a in (await session.exec(select(Agency))).all()}
        return {i.key: i.id or 0 for i in (await session.exec(select(Indicator))).all()}


async def _values(sessions: Sessions, indicator: int) -> list[IndicatorValue]:
    async with sessions() as session:
        rows = await session.exec(
            select(IndicatorValue)
            .where(IndicatorValue.indicator_id == indicator)
            .order_by(col(IndicatorValue.id))
        )
        return list(rows.all())


def _indicator_numbers(message: Outgoing) -> dict[int, int]:
    """Indicator id → its number in a reminder."""
    return {item.indicator_id: item.number for item in message.indicators}


async def _reminder_payload(sessions: Sessions, chat: str) -> Outgoing:
    async with sessions() as session:
        row = (
            await session.exec(
                select(Outbox)
                .where(Outbox.chat_id == chat, Outbox.kind == "reminder")
                .order_by(col(Outbox.id).desc())
            )
        ).first()
    assert row is not None
    return Outgoing.from_payload(row.payload)


@dataclass
class TelegramBench:
    """The Telegram side: the fake Bot API, the app, and a way to wait for answers."""

    api: FakeTelegramAPI
    app: App
    world: World
    clock: FakeClock
    sessions: Sessions
    wake: Callable[[], None]

    async def settle(self) -> None:
        for _ in range(6000):
            async with self.sessions() as session:
                pending = (
                    await session.exec(
                        select(func.count())
                        .select_from(Outbox)
                        .where(col(Outbox.state).in_(["pending", "sending"]))
                    )
                ).one()
            if pending == 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the bot did not answer in time")

    def sent_to(self, chat: int, *, since: int = 0) -> list[Call]:
        return [
            c
            for c in self.api.calls[since:]
            if c.ok and c.method in SENDING and c.chat_id == str(chat)
        ]

    async def exchange(self, chat: int, update: dict[str, object]) -> list[Call]:
        mark = len(self.api.calls)
        before = await self._handled()
        self.api.push_update(update)
        for _ in range(6000):
            if await self._handled() > before:
                break
            await asyncio.sleep(0.01)
        await self.settle()
        return self.sent_to(chat, since=mark)

    async def _handled(self) -> int:
        from models.tables import HandledUpdate

        async with self.sessions() as session:
            return int((await session.exec(select(func.count()).select_from(HandledUpdate))).one())

    async def say(self, chat: int, text: str, *, reply_to: int | None = None) -> list[str]:
        update = self.api.message_update(chat, text, reply_to_message_id=reply_to)
        return [html.unescape(c.text or "") for c in await self.exchange(chat, update)]

    async def press(self, chat: int, data: str, *, under: Call) -> list[str]:
        assert under.message_id is not None
        update = self.api.callback_update(chat, data, message_id=under.message_id)
        return [html.unescape(c.text or "") for c in await self.exchange(chat, update)]

    async def sweep(self, chat: int) -> Call:
        mark = len(self.api.calls)
        await run_sweep(self.app, now=self.clock(), on_enqueued=self.wake)
        await self.settle()
        return self.sent_to(chat, since=mark)[-1]


@asynccontextmanager
async def telegram_bench(sessions: Sessions, tmp_path: Path) -> AsyncIterator[TelegramBench]:
    world = World(sessions, now=JUNE, data_dir=tmp_path)
    clock = FakeClock(JUNE)
    settings = load_settings(
        _env_file=None,
        database_url="sqlite:///unused.db",
        http_host="127.0.0.1",
        http_port=0,
        data_dir=tmp_path,
    )
    async with FakeTelegramAPI() as api:
        bot: Bot = make_bot(
            load_settings(
                _env_file=None, telegram_token=DEFAULT_TOKEN, telegram_api_base=api.base_url
            ),
            timeout=5,
        )

        async def telegram(context: ChannelContext) -> TelegramRuntime:
            runtime = TelegramRuntime(
                bot=bot,
                dispatcher=setup_dispatcher(conversation=context.conversation, clock=clock),
                webhook_url=None,
                webhook_secret=None,
                polling_timeout=1,
            )
            runtime.route(context.http)
            await runtime.start()
            return runtime

        service = build(
            settings,
            clock=clock,
            channels={"telegram": telegram},
            engine=sessions.kw["bind"],
            limits=LIMITS,
            schedule=False,
            idle_poll=0.05,
        )
        async with service:
            yield TelegramBench(api, service.app, world, clock, sessions, service.wake)


async def test_on_telegram_figures_a_wrong_unit_an_entry_for_a_central_body_and_an_explanation(
    sessions: Sessions, tmp_path: Path
) -> None:
    async with telegram_bench(sessions, tmp_path) as tb:
        ids = await _directive(sessions, tb.world)
        await tb.world.person("Chị Lan", agency="STTTT", chat_id="501")
        await tb.world.person("Chị Bình", role=Role.COORDINATOR, agency=None, chat_id="900")
        await tb.world.person("Anh Cường", role=Role.LEADER, agency=None, chat_id="901")

        reminder = await tb.sweep(501)
        shown = html.unescape(reminder.text or "")
        assert "📈 Số liệu chỉ tiêu 6 tháng 2023" in shown
        numbers = _indicator_numbers(await _reminder_payload(sessions, "501"))
        assert len(numbers) == 21  # Sở TTTT's twenty, #27 as its two sub-rows
        fixed, mobile, internet, homes = (
            numbers[ids[key]] for key in ("PL3.21", "PL3.22", "PL3.23", "PL3.24")
        )

        # Three figures in one message, replying to the reminder.
        [echo] = await tb.say(
            501,
            f"{fixed}. 25,3  {mobile}. ước 80,1  {internet}. chưa có số liệu",
            reply_to=reminder.message_id,
        )
        assert echo.startswith("✅ Đã ghi số liệu 6 tháng 2023:")
        assert "PL3.21 Số thuê bao băng rộng cố định trên 100…: 25,3 Thuê bao · 🟢 đạt" in echo
        assert "PL3.22" in echo and "80,1 Thuê bao (ước)" in echo
        assert "PL3.23 Tỷ lệ người dân sử dụng Internet: chưa có số liệu" in echo
        assert [(v.kind, v.value, v.estimate) for v in await _values(sessions, ids["PL3.22"])] == [
            ("value", Decimal("80.1"), True)
        ]

        # The wrong unit is asked back; nothing is stored.
        [question] = await tb.say(501, f"{homes}. 77,5 thuê bao", reply_to=reminder.message_id)
        assert "Đơn vị «thuê bao» khác đơn vị của chỉ tiêu" in question and "(«%»)" in question
        assert await _values(sessions, ids["PL3.24"]) == []

        # The coordinator enters Cục Thống kê's figure: it has nobody in the bot.
        [entered] = await tb.say(900, "/chitieu PL3.46 74,9")
        assert "PL3.46 Tuổi thọ trung bình" in entered
        assert "Ghi thay Cục Thống kê" in entered
        [life] = await _values(sessions, ids["PL3.46"])
        assert (life.value, life.on_behalf) == (Decimal("74.9"), True)
        assert life.agency_id == tb.world.agencies["CTK"]

        # A red figure, the coordinator's one button, the officer's explanation.
        [red] = await tb.say(501, "PL3.25: 90")
        assert "🔴 chưa đạt" in red
        mark = len(tb.api.calls)
        await tb.say(900, "/chitieu PL3.25")
        [history] = tb.sent_to(900, since=mark)
        [[button]] = history.buttons
        assert button["text"] == "📨 Yêu cầu giải trình PL3.25"
        mark = len(tb.api.calls)
        [sent] = await tb.press(900, button["callback_data"], under=history)
        assert sent == "📨 Đã gửi yêu cầu giải trình PL3.25 tới: Chị Lan."
        [request] = tb.sent_to(501, since=mark)
        assert "📨 Yêu cầu giải trình (Chị Bình)" in html.unescape(request.text or "")
        mark = len(tb.api.calls)
        [thanks] = await tb.say(501, EXPLANATION, reply_to=request.message_id)
        assert thanks.startswith("✅ Đã ghi giải trình chỉ tiêu PL3.25")
        [told] = [html.unescape(c.text or "") for c in tb.sent_to(900, since=mark)]
        assert told.startswith("💬 Sở Thông tin và Truyền thông giải trình chỉ tiêu PL3.25")

        mark = len(tb.api.calls)
        await tb.say(901, "/summary")
        calls = tb.sent_to(901, since=mark)
    summary = next(html.unescape(c.text or "") for c in calls if c.method == "sendMessage")
    assert "🔴 Chưa đạt:" in summary and f"Giải trình: {EXPLANATION[:40]}" in summary
    documents = [c for c in calls if c.method == "sendDocument"]
    assert documents, [c.method for c in calls]
    [spreadsheet] = list(tmp_path.glob("now-*-vi.xlsx"))
    pl3 = [
        [cell.value for cell in row]
        for row in openpyxl.load_workbook(spreadsheet)["PL3"].iter_rows()
    ]
    [row] = [r for r in pl3 if r[0] == "25"]
    assert "chưa đạt" in row and EXPLANATION in row
    assert any(c.method == "sendPhoto" for c in calls)


@dataclass
class ZaloBench:
    api: FakeZaloApi
    app: App
    world: World
    clock: FakeClock
    dispatcher: OutboxDispatcher
    zalo: ZaloRuntime

    async def drain(self) -> None:
        while await self.dispatcher.drain_once():
            pass

    async def say(self, chat: str, text: str) -> list[str]:
        before = len(self.api.texts(chat))
        assert await self.api.deliver(text_update(chat, text)) == 200
        # Zalo's updates are answered from the store once acknowledged (services.inbox).
        await self.zalo.inbound.settled()
        await self.drain()
        return self.api.texts(chat)[before:]


@pytest.fixture
async def zalo(
    db_url: str, engine: AsyncEngine, sessions: Sessions, tmp_path: Path
) -> AsyncIterator[ZaloBench]:
    async with FakeZaloApi() as api:
        clock = FakeClock(JUNE)
        world = World(sessions, now=JUNE, data_dir=tmp_path)
        settings = load_settings(
            database_url=db_url,
            zalo_token=TOKEN,
            zalo_api_base=api.url,
            zalo_webhook_secret=SECRET,
            http_host="127.0.0.1",
            http_port=0,
            data_dir=tmp_path,
        )

        started: list[ZaloRuntime] = []

        async def channel(context: ChannelContext) -> ZaloRuntime:
            context.app.settings.zalo_webhook_url = f"{context.http.url}{WEBHOOK_PATH}"
            runtime = await start_zalo(context.app, context.conversation, context.http)
            started.append(runtime)
            return runtime

        service = build(
            settings,
            clock=clock,
            channels={"zalo": channel},
            engine=engine,
            limits=LIMITS,
            schedule=False,
            dispatch=False,
            retry=RetryPolicy(max_attempts=3, base_delay=10, max_delay=60),
            rng=random.Random(7),
        )
        async with service:
            assert service.dispatcher is not None
            yield ZaloBench(api, service.app, world, clock, service.dispatcher, started[0])


async def test_on_zalo_an_owner_answers_the_numbered_reminder_and_explains_a_red_figure(
    zalo: ZaloBench, sessions: Sessions
) -> None:
    ids = await _directive(sessions, zalo.world)
    await zalo.world.person("Chị Lan", agency="STTTT", chat_id="zl-lan", channel="zalo")
    await zalo.world.person(
        "Chị Bình", role=Role.COORDINATOR, agency=None, chat_id="zl-binh", channel="zalo"
    )
    before = len(zalo.api.texts("zl-lan"))
    await run_sweep(zalo.app, now=zalo.clock())
    await zalo.drain()
    reminder = "\n".join(zalo.api.texts("zl-lan")[before:])
    assert "📈 Số liệu chỉ tiêu 6 tháng 2023" in reminder
    assert "Số liệu chỉ tiêu:" in reminder  # the hint says how to answer, Zalo has no buttons
    numbers = _indicator_numbers(await _reminder_payload(sessions, "zl-lan"))
    fixed, mobile, cable = (numbers[ids[key]] for key in ("PL3.21", "PL3.22", "PL3.28"))

    [echo] = await zalo.say("zl-lan", f"{fixed}. 25,3\n{mobile}. 81\n{cable}. 70%")
    assert "PL3.21" in echo and "PL3.22" in echo and "PL3.28" in echo
    assert "🔴 chưa đạt" in echo  # 70 % of homes on fibre, 77,5 % planned
    [wrong] = await zalo.say("zl-lan", "PL3.29: 2,6 nghìn chứng thư")
    assert "2,6 nghìn chứng thư = 2.600 (Chứng thư)" in wrong  # converted: the same base
    [asked] = await zalo.say("zl-lan", "PL3.31: 430 km")
    assert "Đơn vị «km» khác đơn vị" in asked

    listed = "\n".join(await zalo.say("zl-binh", "/chitieu STTTT"))
    assert "🔴 PL3.28 Tỷ lệ hộ gia đình sử dụng cáp quang" in listed
    assert "1. 📨 Yêu cầu giải trình PL3.28" in listed  # a button, numbered on Zalo
    [sent] = await zalo.say("zl-binh", "1")
    assert sent == "📨 Đã gửi yêu cầu giải trình PL3.28 tới: Chị Lan."
    request = zalo.api.texts("zl-lan")[-1]
    assert request.startswith("📨 Yêu cầu giải trình (Chị Bình)")
    [thanks] = await zalo.say("zl-lan", EXPLANATION)
    assert thanks.startswith("✅ Đã ghi giải trình chỉ tiêu PL3.28")
    assert zalo.api.texts("zl-binh")[-1].startswith("💬 Sở Thông tin và Truyền thông")
    [fibre] = [v for v in await _values(sessions, ids["PL3.28"]) if v.explanation]
    assert (fibre.value, fibre.explanation) == (Decimal("70"), EXPLANATION)

    summary = "\n".join(await zalo.say("zl-binh", "/summary"))
    assert "PL3.28" in summary and f"Giải trình: {EXPLANATION[:40]}" in summary
