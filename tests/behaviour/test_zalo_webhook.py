"""The Zalo webhook through real HTTP: secrets checked, replays skipped, non-text answered once.

The conversation here is a recording fake; the end-to-end tests use the real one.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.bootstrap import App
from bot.channels.zalo.inbound import ZaloInbound
from bot.channels.zalo.runtime import ZaloRuntime, start_zalo
from bot.channels.zalo.webhook import WEBHOOK_PATH
from bot.http import HttpServer
from bot.settings import load_settings
from locales import gettext_for
from models.enums import OutboxState
from models.tables import HandledUpdate, InboundUpdate, Outbox
from services.outbox import enqueue
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES
from tests.fakes.zalo_api import TOKEN, FakeZaloApi, event_update, text_update
from views.keyboards import snooze_buttons
from views.messages import Button, Incoming, Outgoing, ReminderItem

SECRET = "webhook-secret-2023"
NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)

pytestmark = BOTH_STORES


class RecordingConversation:
    """Records what the adapter hands to the conversation."""

    def __init__(self) -> None:
        self.received: list[Incoming] = []

    async def handle(self, incoming: Incoming) -> None:
        self.received.append(incoming)


@pytest.fixture
async def api() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[HttpServer]:
    server = HttpServer(host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def conversation() -> RecordingConversation:
    return RecordingConversation()


@pytest.fixture
async def zalo(
    api: FakeZaloApi,
    http: HttpServer,
    db_url: str,
    engine: AsyncEngine,
    sessions: Sessions,
    conversation: RecordingConversation,
) -> AsyncIterator[ZaloRuntime]:
    settings = load_settings(
        database_url=db_url,
        zalo_token=TOKEN,
        zalo_api_base=api.url,
        zalo_webhook_secret=SECRET,
        zalo_webhook_url=f"{http.url}{WEBHOOK_PATH}",
    )
    runtime = await start_zalo(
        App(settings=settings, engine=engine, sessions=sessions, clock=lambda: NOW),
        conversation,
        http,
    )
    yield runtime
    await runtime.stop()


async def _post(http: HttpServer, body: Any, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{http.url}{WEBHOOK_PATH}", json=body, headers=headers) as response,
    ):
        return response.status


async def _deliver(api: FakeZaloApi, zalo: ZaloRuntime, update: Any, **options: Any) -> int:
    """Zalo posts the update; the answer comes once it is stored, and its handling follows."""
    status = await api.deliver(update, **options)
    await zalo.inbound.settled()
    return status


async def _rows(sessions: Sessions) -> tuple[int, int]:
    async with sessions() as session:
        outbox = (await session.exec(select(Outbox))).all()
        handled = (await session.exec(select(HandledUpdate))).all()
        return len(outbox), len(handled)


async def test_webhook_mode_registers_the_url_and_secret_with_zalo(
    api: FakeZaloApi, http: HttpServer, zalo: ZaloRuntime
) -> None:
    assert zalo.mode == "webhook"
    assert api.calls_to("setWebhook")[0].payload == {
        "url": f"{http.url}{WEBHOOK_PATH}",
        "secret_token": SECRET,
    }


async def test_a_text_message_reaches_the_conversation_as_a_zalo_incoming(
    api: FakeZaloApi, zalo: ZaloRuntime, conversation: RecordingConversation
) -> None:
    status = await _deliver(api, zalo, text_update("chat-a", "1 xong, 2 50%", message_id="m1"))
    assert status == 200
    [incoming] = conversation.received
    assert (incoming.channel, incoming.chat_id, incoming.text) == (
        "zalo",
        "chat-a",
        "1 xong, 2 50%",
    )
    assert incoming.source_id == "zalo:chat-a:m1"
    assert incoming.reply_to_message_id is None


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Bot-Api-Secret-Token": "wrong-secret"}, {"X-Bot-Api-Secret-Token": ""}],
    ids=["missing", "wrong", "empty"],
)
async def test_a_webhook_call_without_the_right_secret_is_refused_and_changes_nothing(
    http: HttpServer,
    zalo: ZaloRuntime,
    conversation: RecordingConversation,
    sessions: Sessions,
    headers: dict[str, str],
) -> None:
    for update in (
        text_update("chat-a", "xong"),
        event_update("chat-a", "message.image.received"),
    ):
        assert await _post(http, update, headers) == 401
    assert conversation.received == []
    assert await _rows(sessions) == (0, 0)


async def test_the_secret_is_also_checked_through_the_fake_zalo(
    api: FakeZaloApi, zalo: ZaloRuntime, conversation: RecordingConversation
) -> None:
    assert await _deliver(api, zalo, text_update("chat-a", "xong"), secret="guess") == 401
    assert await _deliver(api, zalo, text_update("chat-a", "xong"), headers=False) == 401
    assert conversation.received == []


async def test_garbage_with_the_right_secret_is_a_400(
    http: HttpServer, zalo: ZaloRuntime, conversation: RecordingConversation
) -> None:
    assert await _post(http, {"hello": "world"}, {"X-Bot-Api-Secret-Token": SECRET}) == 400
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{http.url}{WEBHOOK_PATH}",
            data=b"{not json",
            headers={"X-Bot-Api-Secret-Token": SECRET},
        ) as response,
    ):
        assert response.status == 400
    assert conversation.received == []


async def test_only_post_is_served(http: HttpServer, zalo: ZaloRuntime) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{http.url}{WEBHOOK_PATH}") as response,
    ):
        assert response.status == 405


async def test_the_same_message_delivered_twice_reaches_the_conversation_once(
    api: FakeZaloApi, zalo: ZaloRuntime, conversation: RecordingConversation
) -> None:
    update = text_update("chat-a", "xong", message_id="dup-1")
    assert await _deliver(api, zalo, update) == 200
    assert await _deliver(api, zalo, update) == 200
    assert len(conversation.received) == 1


async def test_a_picture_gets_one_polite_text_only_answer_even_if_redelivered(
    api: FakeZaloApi,
    zalo: ZaloRuntime,
    conversation: RecordingConversation,
    sessions: Sessions,
) -> None:
    update = event_update("chat-a", "message.image.received", message_id="img-1")
    assert await _deliver(api, zalo, update) == 200
    assert await _deliver(api, zalo, update) == 200
    another_instance = ZaloInbound(
        conversation=conversation, sessions=sessions, clock=lambda: NOW, default_locale="vi"
    )
    await another_instance.process(update)
    assert conversation.received == []
    async with sessions() as session:
        [row] = (await session.exec(select(Outbox))).all()
    assert (row.channel, row.chat_id) == ("zalo", "chat-a")
    assert "chỉ đọc được tin nhắn chữ" in row.payload["text"]


async def test_typing_a_number_presses_that_option_of_the_last_message(
    api: FakeZaloApi,
    zalo: ZaloRuntime,
    conversation: RecordingConversation,
    sessions: Sessions,
) -> None:
    pages = Outgoing(
        text="Trang 1/2", buttons=((Button("Trang sau ▶", "o|2"), Button("Đóng", "o|x")),)
    )
    await _sent(sessions, "chat-a", pages)
    await _deliver(api, zalo, text_update("chat-a", "2"))
    await _deliver(api, zalo, text_update("chat-a", "7"))
    first, second = conversation.received
    assert (first.button, first.text) == ("o|x", None)
    assert (second.button, second.text) == (None, "7")


async def test_typing_a_label_presses_that_button_and_a_figure_stays_a_figure(
    api: FakeZaloApi,
    zalo: ZaloRuntime,
    conversation: RecordingConversation,
    sessions: Sessions,
) -> None:
    question = Outgoing(
        text="Nhắc lại việc #57 sau bao nhiêu ngày?",
        buttons=(snooze_buttons(assignment_id=57, occurrence_id=None, _=gettext_for("vi")),),
    )
    await _sent(sessions, "chat-a", question)
    await _deliver(api, zalo, text_update("chat-a", "3 ngay"))
    await _deliver(api, zalo, text_update("chat-a", "3"))
    by_label, by_figure = conversation.received
    assert by_label.button == "s|z|57||3"
    assert (by_figure.button, by_figure.text) == (None, "3")


async def test_a_number_after_a_reminder_stays_text_for_the_conversation(
    api: FakeZaloApi,
    zalo: ZaloRuntime,
    conversation: RecordingConversation,
    sessions: Sessions,
) -> None:
    reminder = Outgoing(
        text="Nhắc việc",
        buttons=((Button("✅ Xong", "s|d|57||"),),),
        items=(ReminderItem(1, 57),),
        reply_hint="Trả lời: xong",
    )
    await _sent(sessions, "chat-a", reminder)
    await _deliver(api, zalo, text_update("chat-a", "1"))
    [incoming] = conversation.received
    assert (incoming.button, incoming.text) == (None, "1")


async def _sent(sessions: Sessions, chat_id: str, message: Outgoing) -> None:
    async with transaction(sessions) as session:
        row = await enqueue(session, channel="zalo", chat_id=chat_id, message=message, now=NOW)
        row.state, row.sent_at, row.provider_message_id = OutboxState.SENT.value, NOW, "out-1"
        session.add(row)


class FailingOnce(RecordingConversation):
    """A conversation whose first handling fails (the store went away for a moment)."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def handle(self, incoming: Incoming) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the store went away")
        await super().handle(incoming)


async def test_an_update_is_stored_before_the_200_and_a_failed_handling_is_retried_from_there(
    api: FakeZaloApi,
    http: HttpServer,
    db_url: str,
    engine: AsyncEngine,
    sessions: Sessions,
) -> None:
    conversation = FailingOnce()
    settings = load_settings(
        database_url=db_url,
        zalo_token=TOKEN,
        zalo_api_base=api.url,
        zalo_webhook_secret=SECRET,
        zalo_webhook_url=f"{http.url}{WEBHOOK_PATH}",
    )
    clock = [NOW]
    runtime = await start_zalo(
        App(settings=settings, engine=engine, sessions=sessions, clock=lambda: clock[0]),
        conversation,
        http,
    )
    try:
        # Zalo gets its 200 although the handling fails: the update is kept, not lost.
        status = await _deliver(api, runtime, text_update("chat-a", "xong", message_id="m-7"))
        assert status == 200
        assert conversation.received == []
        async with sessions() as session:
            [stored] = (await session.exec(select(InboundUpdate))).all()
        assert stored.source_id == "zalo:chat-a:m-7" and stored.handled_at is None
        assert stored.attempts == 1 and "store went away" in (stored.last_error or "")

        assert await runtime.inbound.retry_due() == 0  # it waits its backoff first
        clock[0] = NOW + timedelta(minutes=1)
        assert await runtime.inbound.retry_due() == 1

        [incoming] = conversation.received
        assert incoming.text == "xong"
        async with sessions() as session:
            [stored] = (await session.exec(select(InboundUpdate))).all()
        assert stored.handled_at is not None and stored.attempts == 2
        # Delivered again by Zalo: stored once, handled once.
        assert await _deliver(api, runtime, text_update("chat-a", "xong", message_id="m-7")) == 200
        assert len(conversation.received) == 1
    finally:
        await runtime.stop()


async def test_an_unsupported_account_is_told_to_ask_for_telegram_or_an_entry_on_its_behalf(
    api: FakeZaloApi, zalo: ZaloRuntime, conversation: RecordingConversation, sessions: Sessions
) -> None:
    withheld = event_update("chat-kid", "message.unsupported.received", message_id="u-1")
    assert await _deliver(api, zalo, withheld) == 200
    assert await _deliver(api, zalo, withheld) == 200
    # Zalo may send it with no message at all: nobody to answer, and no error.
    bare = {"ok": True, "result": {"event_name": "message.unsupported.received"}}
    assert await _deliver(api, zalo, bare) == 200

    assert conversation.received == []
    async with sessions() as session:
        [row] = (await session.exec(select(Outbox))).all()
    assert (row.channel, row.chat_id) == ("zalo", "chat-kid")
    text = row.payload["text"]
    assert "Zalo không chuyển nội dung" in text
    assert "Telegram" in text and "cập nhật thay bạn" in text


@pytest.mark.parametrize("depth", [100_000, 900])
async def test_item15_a_deeply_nested_body_with_the_right_secret_is_a_400(
    http: HttpServer, zalo: ZaloRuntime, conversation: RecordingConversation, depth: int
) -> None:
    nested = '{"ok": true, "result": ' + "[" * depth + "]" * depth + "}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{http.url}{WEBHOOK_PATH}", data=nested, headers={"X-Bot-Api-Secret-Token": SECRET}
        ) as response,
    ):
        assert response.status == 400
    assert conversation.received == []
