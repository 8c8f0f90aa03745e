"""ZaloSender against the fake API: what it sends, and what each failure tells the dispatcher,
read by the Zalo Bot Platform's published error table (403 is "Internal server error", 429
"Quota exceeded"; there is no "blocked" code)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.channels.base import (
    DeliveryError,
    PermanentFailure,
    QuotaExhausted,
    TemporaryFailure,
)
from bot.channels.zalo.client import ZaloApiError, ZaloClient, ZaloTransportError
from bot.channels.zalo.sender import QUOTA_BACKOFF, ZaloSender, delivery_error
from tests.fakes.clock import FakeClock
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
        (_api_error(429, 429, "Quota exceeded"), QuotaExhausted),
        (_api_error(200, 429), QuotaExhausted),
        (_api_error(403, 403, "Internal server error"), TemporaryFailure),
        (_api_error(200, 403), TemporaryFailure),
        (_api_error(500, None), TemporaryFailure),
        (_api_error(503, 503), TemporaryFailure),
        (_api_error(200, 500), TemporaryFailure),
        (_api_error(408, 408, "Request timeout"), TemporaryFailure),
        (_api_error(401, 401, "Unauthorized"), TemporaryFailure),
        (_api_error(400, 400, "text too long"), PermanentFailure),
        (_api_error(404, 404), PermanentFailure),
        (ZaloTransportError("timed out"), TemporaryFailure),
    ],
)
def test_each_zalo_failure_maps_to_what_the_dispatcher_should_do(
    error: Exception, expected: type[DeliveryError]
) -> None:
    assert isinstance(error, ZaloApiError | ZaloTransportError)
    assert type(delivery_error(error)) is expected


async def test_a_spent_quota_waits_long_and_longer_while_zalo_refuses(api: FakeZaloApi) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    first, cap = QUOTA_BACKOFF
    assert first >= 600 and cap >= 3600
    async with ZaloClient(token=TOKEN, api_base=api.url, timeout=1.0) as client:
        sender = ZaloSender(client, clock=clock)
        api.quota = 0

        async def refusal() -> float:
            with pytest.raises(QuotaExhausted) as refused:
                await sender.send("u1", Outgoing(text="xin chào"))
            return refused.value.retry_after

        assert await refusal() == first
        clock.advance(seconds=60)
        assert await refusal() == first - 60  # sent meanwhile: the same wait, not a longer one
        clock.advance(seconds=first)
        assert await refusal() == 2 * first  # the wait ended and Zalo still refuses
        clock.advance(seconds=2 * first)
        assert await refusal() == 4 * first

        api.quota = 10
        clock.advance(seconds=4 * first)
        await sender.send("u1", Outgoing(text="xin chào"))
        api.quota = 0
        assert await refusal() == first  # a new episode starts from the first wait


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
        ({"status": 429, "error_code": 429, "description": "Quota exceeded"}, QuotaExhausted),
        (
            {"status": 403, "error_code": 403, "description": "Internal server error"},
            TemporaryFailure,
        ),
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


async def test_a_403_is_a_server_fault_retried_later_never_a_blocked_chat(
    api: FakeZaloApi, sender: ZaloSender
) -> None:
    api.fail("sendMessage", status=403, error_code=403, description="Internal server error")
    with pytest.raises(TemporaryFailure):
        await sender.send("u1", Outgoing(text="xin chào"))
    await sender.send("u1", Outgoing(text="xin chào"))
    assert api.texts("u1") == ["xin chào"]


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
