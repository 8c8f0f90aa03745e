"""An officer and a coordinator on Zalo, end to end.

The real Zalo client talks to the fake Zalo Bot API on 127.0.0.1; updates come in through
the webhook (with its secret) to the real conversation; answers go out through the real
outbox dispatcher and ZaloSender. Nothing here is mocked but Zalo itself.
"""

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.bootstrap import App, ChannelContext, build, sender_only
from bot.channels.zalo.inbound import ZaloInbound
from bot.channels.zalo.runtime import ZaloRuntime, start_zalo
from bot.channels.zalo.webhook import WEBHOOK_PATH
from bot.http import HttpServer
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import ChannelLimits, RetryPolicy
from bot.settings import Settings, load_settings
from domain.access import Role
from handlers.conversation import Conversation
from models.enums import OutboxState
from models.tables import ChatIdentity, ExtensionRequest, HandledUpdate, Outbox, Person, Plan
from scheduler.jobs import run_sweep
from services.file_links import FileLinks
from services.people import create_invite
from services.summary import ReportConfig, send_weekly_summaries
from services.unit_of_work import Sessions, transaction
from tests.builders import NOW, World
from tests.conftest import BOTH_STORES
from tests.fakes.clock import FakeClock
from tests.fakes.senders import RecordingSender
from tests.fakes.zalo_api import TOKEN, FakeZaloApi, event_update, text_update

pytestmark = BOTH_STORES

SECRET = "zalo-webhook-secret"
# Before NOW: the sweep's first reminder for such a task asks "is this done?".
OVERDUE = date(2023, 11, 10)
LIMITS = {
    "zalo": ChannelLimits(per_second=1000, private_chat_interval=0),
    "telegram": ChannelLimits(per_second=1000, private_chat_interval=0),
}


@dataclass
class ZaloStage:
    """Everything of one end-to-end run: fake Zalo, webhook, conversation, dispatcher."""

    api: FakeZaloApi
    http: HttpServer
    app: App
    world: World
    clock: FakeClock
    settings: Settings
    conversation: Conversation
    zalo: ZaloRuntime
    dispatcher: OutboxDispatcher
    telegram: RecordingSender

    async def deliver(self, chat_id: str, text: str, **update: str) -> None:
        """Zalo posts the officer's message to the webhook; the bot's answers are then sent."""
        assert await self.api.deliver(text_update(chat_id, text, **update)) == 200
        await self.zalo.inbound.settled()
        await self.drain()

    async def drain(self) -> None:
        """Send everything due now."""
        while await self.dispatcher.drain_once():
            pass

    async def say(self, chat_id: str, text: str) -> list[str]:
        """What Zalo showed the chat in answer to `text`."""
        before = len(self.api.texts(chat_id))
        await self.deliver(chat_id, text)
        return self.api.texts(chat_id)[before:]

    async def sweep(self) -> None:
        """The scheduler's reminder sweep at the current time, then delivery."""
        await run_sweep(self.app, now=self.clock())
        await self.drain()

    async def outbox(self) -> list[Outbox]:
        async with self.world.sessions() as session:
            return list((await session.exec(select(Outbox).order_by(col(Outbox.id)))).all())


@pytest.fixture
async def stage(db_url: str, engine: AsyncEngine, sessions: Sessions) -> AsyncIterator[ZaloStage]:
    async with FakeZaloApi() as api:
        clock = FakeClock(NOW)
        world = World(sessions)
        await world.setup_agencies()
        settings = load_settings(
            database_url=db_url,
            zalo_token=TOKEN,
            zalo_api_base=api.url,
            zalo_webhook_secret=SECRET,
            http_host="127.0.0.1",
            http_port=0,
        )
        telegram = RecordingSender("telegram")
        started: list[ZaloRuntime] = []

        async def zalo(context: ChannelContext) -> ZaloRuntime:
            # Registered with Zalo at the address the test server got.
            context.app.settings.zalo_webhook_url = f"{context.http.url}{WEBHOOK_PATH}"
            runtime = await start_zalo(context.app, context.conversation, context.http)
            started.append(runtime)
            return runtime

        service = build(
            settings,
            clock=clock,
            channels={"zalo": zalo, "telegram": sender_only(telegram)},
            engine=engine,
            limits=LIMITS,
            schedule=False,
            dispatch=False,
            retry=RetryPolicy(max_attempts=3, base_delay=10, max_delay=60),
            rng=random.Random(7),
        )
        async with service:
            assert service.dispatcher is not None
            yield ZaloStage(
                api,
                service.http,
                service.app,
                world,
                clock,
                settings,
                service.conversation,
                started[0],
                service.dispatcher,
                telegram,
            )


async def _invite(stage: ZaloStage, agency: str, role: Role) -> str:
    async with transaction(stage.world.sessions) as session:
        created = await create_invite(
            session,
            agency_code=agency,
            role=role,
            uses=1,
            expires_in=timedelta(days=14),
            now=stage.clock(),
            created_by="cli",
        )
    return created.code


async def _officer(stage: ZaloStage, chat_id: str, *titles: str, locale: str = "vi") -> list[int]:
    """An officer of STTTT on this Zalo chat and their tasks, already overdue; returns handles."""
    await stage.world.person("Chị Lan", chat_id=chat_id, channel="zalo", locale=locale)
    plan = await stage.world.plan(key=f"plan-{chat_id}")
    return [
        await stage.world.task(plan, f"III.{n}", title=title, due=OVERDUE)
        for n, title in enumerate(titles, 1)
    ]


async def test_an_officer_registers_gets_a_bundled_reminder_and_answers_two_items(
    stage: ZaloStage,
) -> None:
    code = await _invite(stage, "STTTT", Role.OFFICER)
    [welcome] = await stage.say("zu-lan", f"/start {code}")
    async with stage.world.sessions() as session:
        identity = (await session.exec(select(ChatIdentity))).one()
        person = await session.get(Person, identity.person_id)
    assert (identity.channel, identity.chat_id) == ("zalo", "zu-lan")
    assert person is not None and person.name == "Nguyễn Văn An"
    assert person.name in welcome

    plan = await stage.world.plan()
    first = await stage.world.task(plan, "III.1", due=OVERDUE)
    second = await stage.world.task(plan, "III.2", due=OVERDUE)
    before = len(stage.api.texts("zu-lan"))
    await stage.sweep()
    [reminder] = stage.api.texts("zu-lan")[before:]
    assert reminder.startswith("🔔 Nhắc việc: 2 nhiệm vụ")
    assert f"#{first}" in reminder and f"#{second}" in reminder
    assert reminder.endswith("Trả lời: 1 xong · 2 50% · 2 vướng <lý do>")
    assert "Xong" not in reminder  # no buttons on Zalo: the hint replaces them

    [confirmation] = await stage.say("zu-lan", "1 xong, 2 50%")

    assert confirmation.startswith("✅ Đã ghi nhận:")
    assert f"#{first} III.1" in confirmation and f"#{second} III.2" in confirmation
    done, half = await stage.world.assignment(first), await stage.world.assignment(second)
    assert (done.status, half.status, half.progress) == ("done", "in_progress", 50)
    changes = await stage.world.history(first) + await stage.world.history(second)
    assert {c.channel for c in changes} == {"zalo"}
    assert all(
        c.source_message_id and c.source_message_id.startswith("zalo:zu-lan:") for c in changes
    )


async def test_a_coordinator_asks_for_overdue_on_zalo(stage: ZaloStage) -> None:
    await stage.world.person("Anh Minh", role=Role.COORDINATOR, chat_id="zu-minh", channel="zalo")
    plan = await stage.world.plan()
    late = await stage.world.task(plan, "I.4", due=date(2023, 10, 31), lead="SXD")
    await stage.world.task(plan, "I.5", due=date(2023, 12, 31), lead="SXD")

    [answer] = await stage.say("zu-minh", "/overdue")

    assert f"#{late} I.4" in answer
    assert "Sở Xây dựng" in answer
    assert "I.5" not in answer


async def test_tasks_on_zalo_offers_the_next_page_as_a_numbered_option(stage: ZaloStage) -> None:
    handles = await _officer(stage, "zu-lan", *(f"Nhiệm vụ số {n}" for n in range(1, 26)))

    [first] = await stage.say("zu-lan", "/viec")
    [second] = await stage.say("zu-lan", "1")

    assert "Trang 1/2 · 25 việc" in first and "\n1. Sau »" in first
    assert f"#{handles[20]} III.21" not in first
    assert "Trang 2/2" in second and f"#{handles[24]} III.25" in second
    assert "\n1. « Trước" in second


async def test_a_coordinators_file_on_zalo_is_pointed_to_telegram_or_dondoc_import(
    stage: ZaloStage,
) -> None:
    await stage.world.person("Anh Minh", role=Role.COORDINATOR, chat_id="zu-minh", channel="zalo")
    # Zalo delivers a file to a bot as an unsupported message, without the file.
    upload = event_update("zu-minh", "message.unsupported.received", message_id="doc-1")

    assert await stage.api.deliver(upload) == 200
    await stage.zalo.inbound.settled()
    await stage.drain()
    [asked] = await stage.say("zu-minh", "/nhap")

    use_telegram = (
        "Kênh này không gửi được tệp. Để nhập kế hoạch, hãy gửi tệp cho bot trên Telegram, "
        "hoặc nhờ quản trị viên chạy lệnh: dondoc import TỆP"
    )
    assert stage.api.texts("zu-minh")[0] == (
        "Xin lỗi, Đôn Đốc chỉ đọc được tin nhắn chữ. Vui lòng gõ câu trả lời, "
        "ví dụ: xong, 50% hoặc vướng <lý do>.\n" + use_telegram
    )
    assert asked == use_telegram


async def test_a_reply_that_fits_two_tasks_is_answered_with_a_question(
    stage: ZaloStage,
) -> None:
    first, second = await _officer(stage, "zu-lan", "Chuyển đổi số", "Cải cách hành chính")
    await stage.sweep()

    [question] = await stage.say("zu-lan", "xong")

    assert "Bạn muốn cập nhật việc nào?" in question
    assert f"1. #{first}" in question and f"2. #{second}" in question
    assert (await stage.world.assignment(first)).status == "not_started"
    assert (await stage.world.assignment(second)).status == "not_started"

    [confirmation] = await stage.say("zu-lan", "2")

    assert confirmation.startswith(f"✅ Đã ghi nhận #{second}")
    assert (await stage.world.assignment(first)).status == "not_started"
    assert (await stage.world.assignment(second)).status == "done"


async def test_an_english_reader_gets_the_zalo_lines_in_english(stage: ZaloStage) -> None:
    await _officer(stage, "zu-lan", "Digital", "Reform", locale="en")
    await stage.sweep()

    [question] = await stage.say("zu-lan", "done")

    assert "Which task" in question
    assert "Chọn" not in question and "Trả lời" not in question


async def test_a_replayed_update_is_applied_once(stage: ZaloStage) -> None:
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.sweep()
    update = text_update("zu-lan", "50%", message_id="zalo-msg-1")

    assert await stage.api.deliver(update) == 200
    assert await stage.api.deliver(update) == 200  # Zalo delivers it again
    await stage.zalo.inbound.settled()
    another_instance = ZaloInbound(
        conversation=stage.conversation,
        sessions=stage.world.sessions,
        clock=stage.clock,
        default_locale="vi",
    )
    await another_instance.process(update)  # and another instance receives it too
    await stage.drain()

    assert len(await stage.world.history(handle)) == 1
    answers = [t for t in stage.api.texts("zu-lan") if t.startswith("✅")]
    assert len(answers) == 1
    assert await stage.world.count(HandledUpdate) == 1


async def test_a_2500_character_answer_arrives_as_two_messages(stage: ZaloStage) -> None:
    title = "Triển khai nền tảng chuyển đổi số dùng chung của thành phố cho các sở, ngành"
    # Nineteen: one page of /tasks, so no page option is added to the text.
    await _officer(stage, "zu-lan", *(f"{title} (đợt {n})" for n in range(1, 20)))

    parts = await stage.say("zu-lan", "/tasks")

    [row] = [r for r in await stage.outbox() if r.payload["text"].startswith("📋")]
    answer = row.payload["text"]
    assert 2000 < len(answer) <= 4000
    assert len(parts) == 2
    assert all(len(p) <= 2000 for p in parts)
    assert "\n".join(parts) == answer


@pytest.mark.parametrize(
    "headers", [{}, {"X-Bot-Api-Secret-Token": "not-the-secret"}], ids=["missing", "wrong"]
)
async def test_webhook_calls_without_the_secret_change_nothing(
    stage: ZaloStage, headers: dict[str, str]
) -> None:
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.sweep()
    rows_before = len(await stage.outbox())
    secret = headers.get("X-Bot-Api-Secret-Token")

    status = await stage.api.deliver(
        text_update("zu-lan", "xong"), secret=secret, headers=bool(headers)
    )
    await stage.drain()

    assert status == 401
    assert (await stage.world.assignment(handle)).status == "not_started"
    assert await stage.world.history(handle) == []
    assert len(await stage.outbox()) == rows_before
    assert await stage.world.count(HandledUpdate) == 0


async def test_a_403_and_a_5xx_are_retried_and_delivered_without_deactivating_anyone(
    stage: ZaloStage,
) -> None:
    # Zalo's error table: 403 is "Internal server error", not a person who blocked the bot.
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.world.person("Anh Minh", role=Role.COORDINATOR, chat_id="tg-minh")
    await stage.sweep()
    stage.api.fail("sendMessage", status=403, error_code=403, description="Internal server error")
    stage.api.fail("sendMessage", status=502, body="<html>Bad Gateway</html>")

    await stage.deliver("zu-lan", "xong")
    [row] = [r for r in await stage.outbox() if r.kind == "message"]
    assert (row.state, row.attempts) == (OutboxState.PENDING.value, 1)  # counted, backs off
    assert "403" in (row.last_error or "")
    stage.clock.advance(minutes=5)
    await stage.drain()
    [row] = [r for r in await stage.outbox() if r.kind == "message"]
    assert (row.state, row.attempts) == (OutboxState.PENDING.value, 2)
    assert "502" in (row.last_error or "")
    stage.clock.advance(minutes=5)
    await stage.drain()

    [row] = [r for r in await stage.outbox() if r.kind == "message"]
    assert row.state == OutboxState.SENT.value
    failed = stage.api.calls_to("sendMessage", ok=False)
    assert [c.status for c in failed] == [403, 502]
    confirmations = [t for t in stage.api.texts("zu-lan") if t.startswith("✅")]
    assert len(confirmations) == 1
    assert (await stage.world.assignment(handle)).status == "done"
    async with stage.world.sessions() as session:
        lan = (await session.exec(select(Person).where(Person.name == "Chị Lan"))).one()
    assert lan.active
    assert stage.telegram.texts_to("tg-minh") == []  # nobody was reported blocked


async def test_a_spent_quota_pauses_zalo_tells_coordinators_once_and_resumes_by_itself(
    stage: ZaloStage,
) -> None:
    first, second = await _officer(stage, "zu-lan", "Chuyển đổi số", "Cải cách hành chính")
    await stage.world.person("Chị Mai", chat_id="zu-mai", channel="zalo")
    await stage.world.person("Anh Minh", role=Role.COORDINATOR, chat_id="tg-minh")
    stage.api.quota = 0
    await stage.sweep()  # two reminders, to Lan and Mai: both refused for quota
    await stage.drain()  # and the coordinator's notice, on Telegram

    rows = [r for r in await stage.outbox() if r.channel == "zalo"]
    assert {r.state for r in rows} == {OutboxState.PENDING.value}
    assert {r.attempts for r in rows} == {0}  # not the messages' fault: nothing counted
    wait = min(r.next_attempt_at for r in rows) - stage.clock()
    assert wait >= timedelta(minutes=10)  # a long wait, for every message of the bot
    [notice] = stage.telegram.texts_to("tg-minh")
    assert "hết hạn mức" in notice and "tự thử lại" in notice
    refused = len(stage.api.calls_to("sendMessage", ok=False))
    assert 1 <= refused <= 2

    await stage.drain()  # nothing is tried again before the wait is over
    assert len(stage.api.calls_to("sendMessage", ok=False)) == refused

    stage.clock.advance(seconds=wait.total_seconds() + 1)
    await stage.drain()  # still spent: the wait doubles, the coordinator is not told again
    assert len(stage.telegram.texts_to("tg-minh")) == 1
    rows = [r for r in await stage.outbox() if r.channel == "zalo"]
    assert {r.state for r in rows} == {OutboxState.PENDING.value}
    longer = min(r.next_attempt_at for r in rows) - stage.clock()
    assert longer > wait

    stage.api.quota = 100  # the new month, or a bigger plan
    stage.clock.advance(seconds=longer.total_seconds() + 1)
    await stage.drain()

    rows = [r for r in await stage.outbox() if r.channel == "zalo"]
    assert {r.state for r in rows} == {OutboxState.SENT.value}
    [reminder] = stage.api.texts("zu-lan")
    assert f"#{first}" in reminder and f"#{second}" in reminder
    assert len(stage.api.texts("zu-mai")) == 1
    assert len(stage.telegram.texts_to("tg-minh")) == 1


async def test_a_leader_reads_the_summary_on_zalo(stage: ZaloStage) -> None:
    await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.world.person(
        "Chủ tịch", role=Role.LEADER, agency=None, chat_id="zu-ct", channel="zalo"
    )

    answer = "\n".join(await stage.say("zu-ct", "/baocao"))

    [row] = [r for r in await stage.outbox() if r.chat_id == "zu-ct"]
    assert answer.startswith(row.payload["text"])
    assert "Sở Thông tin và Truyền thông" in answer
    # The chart and the spreadsheet come along; with no public URL for them, Zalo (which
    # sends photos only by URL) says so in words instead of dropping them silently.
    assert [a["kind"] for a in row.payload["attachments"]] == ["photo", "document"]
    assert "chưa xem được trên Zalo" in answer and "chưa tải được trên Zalo" in answer


@pytest.mark.parametrize("public_url", [None, "https://files.example.gov.vn/bao-cao"])
async def test_the_weekly_chart_is_a_photo_only_where_it_has_a_public_url(
    stage: ZaloStage, tmp_path: Path, public_url: str | None
) -> None:
    await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.world.person(
        "Chủ tịch", role=Role.LEADER, agency=None, chat_id="zu-ct", channel="zalo"
    )

    sent = await send_weekly_summaries(
        stage.world.sessions,
        now=stage.clock(),
        out_dir=tmp_path,
        config=ReportConfig(
            links=FileLinks.of(tmp_path, base_url=public_url) if public_url else None
        ),
    )
    await stage.drain()

    assert sent == 1
    text = "\n".join(stage.api.texts("zu-ct"))
    photos = stage.api.calls_to("sendPhoto")
    if public_url is None:
        assert photos == []
        assert "🖼 Tình trạng nhiệm vụ theo cơ quan: ảnh này chưa xem được trên Zalo." in text
        assert "tệp này chưa tải được trên Zalo" in text
    else:
        [photo] = photos
        assert photo.payload["chat_id"] == "zu-ct"
        # A signed link that expires (services.file_links), which bot.files serves.
        address, _, signed = photo.payload["photo"].partition("?")
        assert address.startswith(f"{public_url}/") and address.endswith(".png")
        assert signed.startswith("e=") and "&s=" in signed
        assert photo.payload["caption"] == "Tình trạng nhiệm vụ theo cơ quan"
        assert f"📎 Danh sách nhiệm vụ (Excel): {public_url}/" in text


async def test_a_stranger_learns_only_how_to_register(stage: ZaloStage) -> None:
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")

    [answer] = await stage.say("zu-stranger", "xong")

    assert "/start" in answer and "#" not in answer
    assert (await stage.world.assignment(handle)).status == "not_started"


@pytest.mark.parametrize(("text", "expected"), [("x" * 5000, "quá dài"), ("🙂🙂🙂", "chưa hiểu")])
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(
    stage: ZaloStage, text: str, expected: str
) -> None:
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.sweep()

    [answer] = await stage.say("zu-lan", text)

    assert expected in answer
    assert await stage.world.history(handle) == []


async def test_markup_is_read_as_plain_text_and_never_echoed(stage: ZaloStage) -> None:
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.sweep()

    [answer] = await stage.say("zu-lan", "<script>alert(1)</script> xong")

    assert "<script>" not in answer
    assert (await stage.world.assignment(handle)).status == "done"


async def test_a_picture_is_answered_text_only_once(stage: ZaloStage) -> None:
    await _officer(stage, "zu-lan", "Chuyển đổi số")
    picture = event_update("zu-lan", "message.image.received", message_id="img-9")

    assert await stage.api.deliver(picture) == 200
    assert await stage.api.deliver(picture) == 200
    await stage.zalo.inbound.settled()
    await stage.drain()

    assert stage.api.texts("zu-lan") == [
        "Xin lỗi, Đôn Đốc chỉ đọc được tin nhắn chữ. Vui lòng gõ câu trả lời, "
        "ví dụ: xong, 50% hoặc vướng <lý do>."
    ]


async def test_an_extension_asked_by_number_on_zalo_is_approved_by_typing_an_option(
    stage: ZaloStage,
) -> None:
    await stage.world.person(
        "Anh Minh", role=Role.COORDINATOR, agency=None, chat_id="zu-minh", channel="zalo"
    )
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.sweep()
    before = len(stage.api.texts("zu-minh"))
    update = text_update("zu-lan", "1 gia hạn đến 15/12: chờ kinh phí", message_id="zalo-ext-1")
    assert await stage.api.deliver(update) == 200
    assert await stage.api.deliver(update) == 200  # delivered twice: asked once
    await stage.zalo.inbound.settled()
    await stage.drain()
    [notice] = stage.api.texts("zu-minh")[before:]
    asked = [t for t in stage.api.texts("zu-lan") if t.startswith("⏳")]

    [approved] = await stage.say("zu-minh", "1")
    told = stage.api.texts("zu-lan")[-1]
    stored = await stage.world.assignment(handle)
    async with stage.world.sessions() as session:
        requests = (await session.exec(select(ExtensionRequest))).all()

    assert len(asked) == 1 and "15/12/2023" in asked[0]
    assert "chờ kinh phí" in notice and "✅ Duyệt" in notice and "✖ Từ chối" in notice
    assert approved.startswith(f"✅ Đã duyệt gia hạn việc #{handle} đến 15/12/2023")
    assert "hạn mới 15/12/2023" in told
    assert stored.extended_due_date == date(2023, 12, 15)
    assert [r.state for r in requests] == ["approved"]


async def test_a_refusal_on_zalo_asks_the_reason_and_tells_the_officer(stage: ZaloStage) -> None:
    await stage.world.person(
        "Anh Minh", role=Role.COORDINATOR, agency=None, chat_id="zu-minh", channel="zalo"
    )
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.say("zu-lan", f"gia hạn #{handle} thêm 10 ngày")
    [why] = await stage.say("zu-minh", "3")
    [refused] = await stage.say("zu-minh", "quá nhiều lần gia hạn")
    told = stage.api.texts("zu-lan")[-1]
    stored = await stage.world.assignment(handle)

    assert "lý do" in why
    assert refused.startswith(f"✖ Đã từ chối đề nghị gia hạn việc #{handle}")
    assert "không được duyệt" in told and "quá nhiều lần gia hạn" in told
    assert stored.extended_due_date is None and stored.extension_count == 0


async def test_a_completion_on_zalo_sends_its_document_and_the_office_confirms_by_option(
    stage: ZaloStage,
) -> None:
    await stage.world.person(
        "Anh Minh", role=Role.COORDINATOR, agency=None, chat_id="zu-minh", channel="zalo"
    )
    await stage.world.person(
        "Lãnh đạo", role=Role.LEADER, agency=None, chat_id="zu-ld", channel="zalo"
    )
    await stage.world.person("Chị Lan", chat_id="zu-lan", channel="zalo")
    plan_id = await stage.world.plan()
    async with transaction(stage.world.sessions) as session:
        plan = await session.get(Plan, plan_id)
        assert plan is not None
        plan.confirm_completion = True
        session.add(plan)
    handle = await stage.world.task(plan_id, "III.1", due=date(2023, 12, 31))

    [asked] = await stage.say("zu-lan", f"#{handle} xong")
    before = len(stage.api.texts("zu-minh"))
    [shown] = await stage.say("zu-lan", "theo QĐ 15/2023/QĐ-UBND ngày 10/11/2023")
    [notice] = stage.api.texts("zu-minh")[before:]
    [confirmed] = await stage.say("zu-minh", "1")
    told = stage.api.texts("zu-lan")[-1]
    done = await stage.world.assignment(handle)

    assert "Chờ xác nhận" in asked
    assert "Quyết định số 15/2023/QĐ-UBND ngày 10/11/2023" in shown
    assert "Quyết định số 15/2023/QĐ-UBND" in notice and "✅ Xác nhận" in notice
    assert confirmed.startswith(f"✅ Đã xác nhận hoàn thành việc #{handle}")
    assert "đã được xác nhận" in told
    assert done.status == "done"


async def test_a_leader_on_zalo_reads_the_requests_but_cannot_decide(stage: ZaloStage) -> None:
    await stage.world.person(
        "Anh Minh", role=Role.COORDINATOR, agency=None, chat_id="zu-minh", channel="zalo"
    )
    await stage.world.person(
        "Lãnh đạo", role=Role.LEADER, agency=None, chat_id="zu-ld", channel="zalo"
    )
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")
    await stage.say("zu-lan", f"gia hạn #{handle} đến 20/12: chờ kinh phí")

    [listed] = await stage.say("zu-ld", "/giahan")
    [refused] = await stage.say("zu-ld", f"gia hạn #{handle} đến 25/12")
    stored = await stage.world.assignment(handle)

    assert f"#{handle}" in listed and "Lãnh đạo xem để biết" in listed
    assert "✅ Duyệt" not in listed
    assert "không có quyền" in refused
    assert stored.extended_due_date is None


async def test_a_blocked_reply_on_zalo_is_routed_to_the_agency_it_names(stage: ZaloStage) -> None:
    await stage.world.person(
        "Anh Minh", role=Role.COORDINATOR, agency=None, chat_id="zu-minh", channel="zalo"
    )
    await stage.world.person("Anh Hùng", chat_id="zu-hung", channel="zalo", agency="SXD")
    [handle] = await _officer(stage, "zu-lan", "Chuyển đổi số")

    [answer] = await stage.say("zu-lan", f"#{handle} vướng: chờ Sở Xây dựng cho ý kiến")
    [to_agency] = stage.api.texts("zu-hung")
    [overdue] = await stage.say("zu-minh", "/quahan")

    assert "(đã báo SXD và điều phối viên)" in answer
    assert "đang chờ cơ quan anh/chị" in to_agency
    assert "(chờ SXD)" in overdue
