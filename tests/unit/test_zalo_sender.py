"""ZaloSender against the fake API: what it sends, and what each failure tells the dispatcher."""

from collections.abc import AsyncIterator

import pytest

from bot.channels.base import (
    ChatUnreachable,
    DeliveryError,
    PermanentFailure,
    RetryLater,
    TemporaryFailure,
)
from bot.channels.zalo.client import ZaloApiError, ZaloClient, ZaloTransportError
from bot.channels.zalo.sender import ZaloSender, delivery_error
from tests.fakes.zalo_api import TOKEN, FakeZaloApi
from views.messages import Attachment, Outgoing, ReminderItem


@pytest.fixture
async def api() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi() as fake:
        yield fake


@pytest.fixture
async def sender(api: FakeZaloApi) -> AsyncIterator[ZaloSender]:
    async with ZaloClient(token=TOKEN, api_base=api.url, timeout=1.0) as client:
        yield ZaloSender(client)


def _api_error(status: int, error_code: int | None, description: str = "x") -> ZaloApiError:
    return ZaloApiError(
        method="sendMessage", status=status, error_code=error_code, description=description
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_api_error(429, 429), RetryLater),
        (_api_error(200, 429), RetryLater),
        (_api_error(200, -32, "Daily quota exceeded"), TemporaryFailure),
        (_api_error(200, 400, "Rate limit reached"), RetryLater),
        (_api_error(500, None), TemporaryFailure),
        (_api_error(503, 503), TemporaryFailure),
        (_api_error(200, 500), TemporaryFailure),
        (_api_error(200, 408), TemporaryFailure),
        (_api_error(401, 401), TemporaryFailure),
        (_api_error(403, 403, "User has blocked the bot"), ChatUnreachable),
        (_api_error(200, 403), ChatUnreachable),
        (_api_error(400, 400, "text too long"), PermanentFailure),
        (_api_error(200, -201, "Invalid parameter"), PermanentFailure),
        (_api_error(404, 404), PermanentFailure),
        (ZaloTransportError("timed out"), TemporaryFailure),
    ],
)
def test_each_zalo_failure_maps_to_what_the_dispatcher_should_do(
    error: Exception, expected: type[DeliveryError]
) -> None:
    assert isinstance(error, ZaloApiError | ZaloTransportError)
    assert type(delivery_error(error)) is expected


def test_a_rate_limit_keeps_the_retry_after_zalo_asked_for() -> None:
    limited = _api_error(429, 429)
    limited.retry_after = 12
    rate = delivery_error(limited)
    assert isinstance(rate, RetryLater) and rate.retry_after == 12


async def test_a_short_message_is_one_send_message_and_returns_its_id(
    api: FakeZaloApi, sender: ZaloSender
) -> None:
    message_id = await sender.send("u1", Outgoing(text="✅ Đã ghi nhận"))
    call = api.calls_to("sendMessage")[0]
    assert call.payload == {"chat_id": "u1", "text": "✅ Đã ghi nhận"}
    assert message_id is not None and message_id.startswith("out")


async def test_a_2500_character_answer_goes_out_as_two_messages(
    api: FakeZaloApi, sender: ZaloSender
) -> None:
    lines = (f"#{n} Sở Xây dựng — quá hạn {n} ngày làm việc" for n in range(100))
    text = "\n".join(lines)[:2500].strip()
    await sender.send("u1", Outgoing(text=text))
    sent = api.texts("u1")
    assert len(sent) == 2
    assert "\n".join(sent) == text


async def test_a_reminder_returns_the_id_of_the_part_with_the_hint(
    api: FakeZaloApi, sender: ZaloSender
) -> None:
    message = Outgoing(
        text="dòng\n" * 500, items=(ReminderItem(1, 57),), reply_hint="Trả lời: xong · 50%"
    )
    message_id = await sender.send("u1", message)
    calls = api.calls_to("sendMessage")
    assert len(calls) == 2
    assert calls[1].payload["text"].endswith("Trả lời: xong · 50%")
    assert message_id == calls[1].result["message_id"]


async def test_a_chart_with_a_public_url_is_sent_as_a_photo(
    api: FakeZaloApi, sender: ZaloSender
) -> None:
    chart = Attachment(
        "photo", "/d/chart.png", "Tình hình theo cơ quan", "https://f.example/c.png"
    )
    await sender.send("lead", Outgoing(text="Báo cáo tuần", attachments=(chart,)))
    assert api.texts("lead") == ["Báo cáo tuần"]
    assert api.calls_to("sendPhoto")[0].payload == {
        "chat_id": "lead",
        "photo": "https://f.example/c.png",
        "caption": "Tình hình theo cơ quan",
    }


async def test_english_readers_get_english_attachment_lines(
    api: FakeZaloApi, sender: ZaloSender
) -> None:
    chart = Attachment("photo", "/d/chart.png", "Chart")
    await sender.send("u1", Outgoing(text="Weekly", attachments=(chart,), extra={"locale": "en"}))
    assert api.texts("u1") == ["Weekly\n\n🖼 Chart: this picture cannot be shown on Zalo yet."]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 200, "error_code": 429, "description": "Too many"}, RetryLater),
        ({"status": 503, "body": "unavailable"}, TemporaryFailure),
        ({"status": 200, "error_code": 400, "description": "Bad chat"}, PermanentFailure),
    ],
)
async def test_api_failures_reach_the_dispatcher_as_delivery_errors(
    api: FakeZaloApi, sender: ZaloSender, fault: dict[str, object], expected: type[DeliveryError]
) -> None:
    api.fail("sendMessage", **fault)
    with pytest.raises(expected) as caught:
        await sender.send("u1", Outgoing(text="xin chào"))
    assert TOKEN not in str(caught.value)


async def test_a_blocked_chat_is_unreachable(api: FakeZaloApi, sender: ZaloSender) -> None:
    api.blocked_chats.add("gone")
    with pytest.raises(ChatUnreachable):
        await sender.send("gone", Outgoing(text="xin chào"))


async def test_a_retry_after_a_failed_second_part_does_not_repeat_the_first(
    api: FakeZaloApi, sender: ZaloSender
) -> None:
    message = Outgoing(text="chữ " * 700)
    api.fail("sendMessage", skip=1, status=502, body="bad gateway")
    with pytest.raises(TemporaryFailure):
        await sender.send("u1", message)
    assert len(api.texts("u1")) == 1
    await sender.send("u1", message)
    first, second = api.texts("u1")
    assert f"{first} {second}" == message.text.strip()
