"""Updates in: polling and webhook through real aiogram, against the fake Bot API.

The conversation here is a recording fake; tests/behaviour/test_telegram_conversation.py runs
the real one.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from aiogram import Bot
from aiogram.types import Update
from aiohttp import ClientSession
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import App
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.inbound import setup_dispatcher
from bot.channels.telegram.menus import menu_for, set_commands
from bot.channels.telegram.runtime import TelegramRuntime, start_telegram
from bot.http import HttpServer
from bot.settings import load_settings
from domain.access import Role
from models.tables import ChatIdentity, Person
from services.unit_of_work import Sessions, transaction
from tests.fakes.clock import FakeClock
from tests.fakes.conversation import RecordingConversation
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from views.commands import MENU, parse_command

NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)
SECRET = "s3cret-Token_ok"


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
async def bot(api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    settings = load_settings(
        _env_file=None, telegram_token=DEFAULT_TOKEN, telegram_api_base=api.base_url
    )
    client = make_bot(settings, timeout=5)
    yield client
    await client.session.close()


@pytest.fixture
async def http() -> AsyncIterator[HttpServer]:
    server = HttpServer(host="127.0.0.1", port=0)
    await server.start()
    yield server
    await server.stop()


async def eventually(check: Callable[[], bool], *, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
async def polling(
    bot: Bot,
) -> AsyncIterator[tuple[TelegramRuntime, RecordingConversation]]:
    conversation = RecordingConversation()
    runtime = TelegramRuntime(
        bot=bot,
        dispatcher=setup_dispatcher(conversation=conversation, clock=FakeClock(NOW)),
        polling_timeout=1,
        retry_base=0.05,
    )
    await runtime.start()
    yield runtime, conversation
    await runtime.stop()


async def test_polling_hands_a_text_message_to_the_conversation_as_plain_data(
    api: FakeTelegramAPI, polling: tuple[TelegramRuntime, RecordingConversation]
) -> None:
    _runtime, conversation = polling
    update = api.push_update(api.message_update(501, "đã xong 50%", reply_to_message_id=88))
    await eventually(lambda: bool(conversation.received))
    [incoming] = conversation.received
    assert incoming.channel == "telegram"
    assert incoming.chat_id == "501"
    assert incoming.text == "đã xong 50%"
    assert incoming.message_id == str(update["message"]["message_id"])
    assert incoming.reply_to_message_id == "88"
    assert incoming.sender_name == "Lan Nguyễn"
    assert incoming.language == "vi"
    assert incoming.is_private is True
    assert incoming.at == NOW
    assert incoming.button is None
    assert [c.method for c in api.calls][:2] == ["getMe", "deleteWebhook"]


async def test_a_button_press_is_answered_at_once_and_passed_on_with_its_message(
    api: FakeTelegramAPI, polling: tuple[TelegramRuntime, RecordingConversation]
) -> None:
    _runtime, conversation = polling
    update = api.push_update(api.callback_update(501, "s|d|57||", message_id=321))
    await eventually(lambda: bool(conversation.received))
    [incoming] = conversation.received
    assert incoming.button == "s|d|57||"
    assert incoming.reply_to_message_id == "321"
    assert incoming.message_id == f"cb{update['callback_query']['id']}"
    assert incoming.text is None
    [answer] = api.calls_of("answerCallbackQuery")
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]


async def test_a_group_message_is_marked_not_private(
    api: FakeTelegramAPI, polling: tuple[TelegramRuntime, RecordingConversation]
) -> None:
    _runtime, conversation = polling
    api.push_update(api.message_update(-100500, "/quahan", chat_type="supergroup"))
    await eventually(lambda: bool(conversation.received))
    assert conversation.received[0].is_private is False
    assert conversation.received[0].chat_id == "-100500"


async def test_an_update_the_store_could_not_take_is_tried_again_before_it_is_confirmed(
    api: FakeTelegramAPI, polling: tuple[TelegramRuntime, RecordingConversation]
) -> None:
    _runtime, conversation = polling
    conversation.failures_left = 2
    api.push_update(api.message_update(501, "xong"))
    last = api.push_update(api.message_update(501, "50%"))
    await eventually(lambda: len(conversation.received) == 2)
    assert [i.text for i in conversation.received] == ["xong", "50%"]

    def confirmed() -> bool:
        offsets = [int(c.params.get("offset") or 0) for c in api.calls_of("getUpdates")]
        return last["update_id"] + 1 in offsets

    await eventually(confirmed)


async def test_a_chats_updates_are_handled_one_at_a_time_in_order(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    order: list[str] = []

    class SlowConversation:
        async def handle(self, incoming: object) -> None:
            text = getattr(incoming, "text", "")
            order.append(f"start {text}")
            await asyncio.sleep(0.05)
            order.append(f"end {text}")

    dispatcher = setup_dispatcher(conversation=SlowConversation(), clock=FakeClock(NOW))
    updates = [api.message_update(501, text) for text in ("một", "hai")]
    await asyncio.gather(
        *(
            dispatcher.feed_update(bot, Update.model_validate(u, context={"bot": bot}))
            for u in updates
        )
    )
    assert order == ["start một", "end một", "start hai", "end hai"]


async def webhook_runtime(
    bot: Bot, http: HttpServer, conversation: RecordingConversation
) -> TelegramRuntime:
    runtime = TelegramRuntime(
        bot=bot,
        dispatcher=setup_dispatcher(conversation=conversation, clock=FakeClock(NOW)),
        webhook_url=f"{http.url}/telegram/webhook",
        webhook_secret=SECRET,
    )
    runtime.route(http)
    await runtime.start()
    return runtime


async def test_webhook_mode_registers_the_url_with_its_secret_and_handles_updates(
    api: FakeTelegramAPI, bot: Bot, http: HttpServer
) -> None:
    conversation = RecordingConversation()
    await webhook_runtime(bot, http, conversation)
    [registered] = api.calls_of("setWebhook")
    assert registered.params["url"] == f"{http.url}/telegram/webhook"
    assert registered.params["secret_token"] == SECRET
    assert api.calls_of("getUpdates") == []
    status, _body = await api.send_to_webhook(api.message_update(501, "xong"))
    assert status == 200
    assert [i.text for i in conversation.received] == ["xong"]


@pytest.mark.parametrize("secret", ["wrong", "", SECRET + "x", "s3cret-Token_o", "ü"])
async def test_a_webhook_request_with_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    api: FakeTelegramAPI, bot: Bot, http: HttpServer, secret: str
) -> None:
    conversation = RecordingConversation()
    await webhook_runtime(bot, http, conversation)
    status, _body = await api.send_to_webhook(api.message_update(501, "xong"), secret=secret)
    assert status == 401
    async with (
        ClientSession() as client,
        client.post(f"{http.url}/telegram/webhook", json={"update_id": 1}) as response,
    ):
        assert response.status == 401
    assert conversation.received == []


async def test_an_unreadable_webhook_body_is_refused(
    api: FakeTelegramAPI, bot: Bot, http: HttpServer
) -> None:
    conversation = RecordingConversation()
    await webhook_runtime(bot, http, conversation)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with ClientSession() as client:
        for body in ("not json", json.dumps({"message": "no update id"})):
            async with client.post(
                f"{http.url}/telegram/webhook", data=body, headers=headers
            ) as response:
                assert response.status == 400
    assert conversation.received == []


async def test_a_webhook_update_that_failed_is_answered_500_so_telegram_sends_it_again(
    api: FakeTelegramAPI, bot: Bot, http: HttpServer
) -> None:
    conversation = RecordingConversation()
    conversation.failures_left = 1
    await webhook_runtime(bot, http, conversation)
    update = api.message_update(501, "xong")
    assert (await api.send_to_webhook(update))[0] == 500
    assert (await api.send_to_webhook(update))[0] == 200
    assert [i.text for i in conversation.received] == ["xong"]


async def test_the_http_server_answers_health_checks_and_nothing_it_does_not_serve(
    http: HttpServer,
) -> None:
    async with ClientSession() as client:
        async with client.get(f"{http.url}/healthz") as response:
            assert (response.status, await response.json()) == (200, {"status": "ok"})
        async with client.get(f"{http.url}/nothing") as response:
            assert response.status == 404
        async with client.post(f"{http.url}/healthz") as response:
            assert response.status == 405


async def test_a_failing_health_check_answers_503() -> None:
    async def unhealthy() -> bool:
        raise ConnectionError("store down")

    server = HttpServer(host="127.0.0.1", port=0, health=unhealthy)
    await server.start()
    try:
        async with ClientSession() as client, client.get(f"{server.url}/healthz") as response:
            assert response.status == 503
    finally:
        await server.stop()


def test_the_menu_offers_only_commands_the_conversation_answers_under_both_names() -> None:
    offered = {c.command for c in menu_for(Role.COORDINATOR, "en")}
    offered_vi = {c.command for c in menu_for(Role.COORDINATOR, "vi")}
    assert {"tasks", "task", "overdue", "upcoming", "undo", "whoami", "lang", "help"} <= offered
    for entry in MENU:
        english = parse_command(f"/{entry.command}")
        vietnamese = parse_command(f"/{entry.vi_alias}")
        assert english is not None and vietnamese is not None
        answered = english.name == entry.command == vietnamese.name
        assert answered == (entry.command in offered) == (entry.vi_alias in offered_vi)


async def test_menus_are_published_per_language_and_per_role(
    api: FakeTelegramAPI, bot: Bot, sessions: Sessions
) -> None:
    async with transaction(sessions) as session:
        for name, role, chat, locale in (
            ("Điều phối", Role.COORDINATOR, "900", "en"),
            ("Lãnh đạo", Role.LEADER, "901", "vi"),
            ("Cán bộ", Role.OFFICER, "902", "vi"),
        ):
            person = Person(name=name, role=role.value, locale=locale, created_at=NOW)
            session.add(person)
            await session.flush()
            assert person.id is not None
            session.add(
                ChatIdentity(person_id=person.id, channel="telegram", chat_id=chat, created_at=NOW)
            )
    assert await set_commands(bot, sessions=sessions, default_locale="vi") == 2

    def names(scope: dict[str, object], language: str = "") -> list[str]:
        key = (json.dumps(scope, sort_keys=True), language)
        return [c["command"] for c in api.commands[key]]

    default = {"type": "default"}
    assert names(default) == [
        "viec",
        "chitiet",
        "sapden",
        "chitieu",
        "hoantac",
        "toila",
        "ngonngu",
        "trogiup",
    ]
    assert names(default, "en") == [
        "tasks",
        "task",
        "upcoming",
        "indicators",
        "undo",
        "whoami",
        "lang",
        "help",
    ]
    assert "overdue" in names({"type": "chat", "chat_id": 900})
    assert "people" in names({"type": "chat", "chat_id": 900})
    leader = names({"type": "chat", "chat_id": 901})
    assert "quahan" in leader and "canbo" not in leader
    en = api.commands[(json.dumps({"type": "default"}, sort_keys=True), "en")]
    assert en[0]["description"] == "My agency's tasks"


async def test_start_telegram_builds_the_webhook_channel_from_settings(
    api: FakeTelegramAPI,
    http: HttpServer,
    engine: AsyncEngine,
    sessions: Sessions,
) -> None:
    settings = load_settings(
        _env_file=None,
        telegram_token=DEFAULT_TOKEN,
        telegram_api_base=api.base_url,
        telegram_webhook_url=http.url,
        telegram_webhook_secret=SECRET,
    )
    app = App(settings=settings, engine=engine, sessions=sessions, clock=FakeClock(NOW))
    conversation = RecordingConversation()
    runtime = await start_telegram(app, conversation, http)
    try:
        assert runtime.mode == "webhook"
        assert api.webhook_url == f"{http.url}/telegram/webhook"
        assert (await api.send_to_webhook(api.message_update(501, "/trogiup")))[0] == 200
        assert [i.text for i in conversation.received] == ["/trogiup"]
        assert api.calls_of("setMyCommands")
    finally:
        await runtime.stop()


@pytest.mark.parametrize("depth", [100_000, 900])
async def test_item15_a_deeply_nested_body_with_the_right_secret_is_a_400(
    api: FakeTelegramAPI, bot: Bot, http: HttpServer, depth: int
) -> None:
    conversation = RecordingConversation()
    await webhook_runtime(bot, http, conversation)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    nested = '{"update_id": 1, "message": ' + "[" * depth + "]" * depth + "}"
    async with (
        ClientSession() as client,
        client.post(f"{http.url}/telegram/webhook", data=nested, headers=headers) as response,
    ):
        assert response.status == 400
    assert conversation.received == []
