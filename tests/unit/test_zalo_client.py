"""The Zalo Bot API client against a local fake server: shapes, errors, a token never leaked."""

import logging
import socket
from collections.abc import AsyncIterator

import pytest

from bot.channels.zalo.client import ZaloApiError, ZaloClient, ZaloTransportError
from tests.fakes.zalo_api import TOKEN, FakeZaloApi, text_update


@pytest.fixture
async def api() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi() as fake:
        yield fake


@pytest.fixture
async def client(api: FakeZaloApi) -> AsyncIterator[ZaloClient]:
    async with ZaloClient(token=TOKEN, api_base=api.url, timeout=2.0) as zalo:
        yield zalo


async def test_get_me_checks_the_token_and_names_the_bot(client: ZaloClient) -> None:
    me = await client.get_me()
    assert me.id == "1459232241454765289"
    assert me.account_name == "bot.DonDoc"


async def test_send_message_posts_chat_and_text_and_returns_the_message_id(
    api: FakeZaloApi, client: ZaloClient
) -> None:
    sent = await client.send_message(chat_id="u1", text="Xin chào")
    assert sent.message_id.startswith("out")
    assert api.calls_to("sendMessage")[0].payload == {"chat_id": "u1", "text": "Xin chào"}


@pytest.mark.parametrize("text", ["", "x" * 2001])
async def test_send_message_refuses_text_zalo_would_refuse(client: ZaloClient, text: str) -> None:
    with pytest.raises(ValueError):
        await client.send_message(chat_id="u1", text=text)


async def test_send_photo_sends_the_public_url_and_caption(
    api: FakeZaloApi, client: ZaloClient
) -> None:
    await client.send_photo(chat_id="u1", photo="https://files.example/c.png", caption="Biểu đồ")
    assert api.calls_to("sendPhoto")[0].payload == {
        "chat_id": "u1",
        "photo": "https://files.example/c.png",
        "caption": "Biểu đồ",
    }


async def test_send_photo_refuses_a_local_path(client: ZaloClient) -> None:
    with pytest.raises(ValueError):
        await client.send_photo(chat_id="u1", photo="/tmp/chart.png")


async def test_send_chat_action_shows_typing(api: FakeZaloApi, client: ZaloClient) -> None:
    await client.send_chat_action(chat_id="u1")
    assert api.calls_to("sendChatAction")[0].payload == {"chat_id": "u1", "action": "typing"}


async def test_an_ok_false_answer_on_http_200_is_an_error_with_its_code_and_description(
    api: FakeZaloApi, client: ZaloClient
) -> None:
    api.fail("sendMessage", status=200, error_code=429, description="Quota exceeded")
    with pytest.raises(ZaloApiError) as caught:
        await client.send_message(chat_id="u1", text="a")
    assert (caught.value.status, caught.value.error_code) == (200, 429)
    assert caught.value.description == "Quota exceeded"
    assert caught.value.code == 429


async def test_a_5xx_without_json_is_an_error_with_its_status(
    api: FakeZaloApi, client: ZaloClient
) -> None:
    api.fail("sendMessage", status=502, body="<html>Bad Gateway</html>")
    with pytest.raises(ZaloApiError) as caught:
        await client.send_message(chat_id="u1", text="a")
    assert caught.value.status == 502
    assert caught.value.code == 502


async def test_a_slow_answer_becomes_a_transport_timeout(api: FakeZaloApi) -> None:
    api.slow("sendMessage", 1.0)
    async with ZaloClient(token=TOKEN, api_base=api.url, timeout=0.2) as client:
        with pytest.raises(ZaloTransportError, match="timed out"):
            await client.send_message(chat_id="u1", text="a")


async def test_get_updates_returns_none_when_the_long_poll_ends_with_408(
    client: ZaloClient,
) -> None:
    assert await client.get_updates(timeout=1) is None


async def test_get_updates_returns_one_queued_update(api: FakeZaloApi, client: ZaloClient) -> None:
    api.push_update(text_update("u1", "xong", message_id="m1"))
    update = await client.get_updates(timeout=1)
    assert update is not None
    assert update["event_name"] == "message.text.received"
    assert update["message"]["message_id"] == "m1"
    assert api.calls_to("getUpdates")[0].payload == {"timeout": "1"}


async def test_webhook_is_set_described_and_deleted(api: FakeZaloApi, client: ZaloClient) -> None:
    info = await client.set_webhook(url="https://bot.example/zalo/webhook", secret_token="s" * 16)
    assert info.url == "https://bot.example/zalo/webhook"
    assert (await client.get_webhook_info()).url == "https://bot.example/zalo/webhook"
    assert api.webhook_secret == "s" * 16
    assert (await client.delete_webhook()).url == ""
    assert api.webhook_url == ""


async def test_a_wrong_token_is_an_api_error(api: FakeZaloApi) -> None:
    async with ZaloClient(token="1:wrong", api_base=api.url) as client:
        with pytest.raises(ZaloApiError) as caught:
            await client.get_me()
    assert caught.value.code == 401


async def test_the_token_never_appears_in_logs_or_errors(
    api: FakeZaloApi, client: ZaloClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await client.send_message(chat_id="u1", text="a")
    api.fail("sendMessage", status=400, error_code=400, description=f"bad path /bot{TOKEN}/x")
    with pytest.raises(ZaloApiError) as api_error:
        await client.send_message(chat_id="u1", text="a")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with ZaloClient(token=TOKEN, api_base=f"http://127.0.0.1:{closed_port}") as dead:
        with pytest.raises(ZaloTransportError) as transport_error:
            await dead.get_me()
    assert "/bot***/sendMessage" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in str(api_error.value)
    assert TOKEN not in str(transport_error.value)
    assert transport_error.value.__cause__ is None
