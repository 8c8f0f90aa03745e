"""Reading Zalo updates: shapes Zalo sends, and garbage it must not crash on."""

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.channels.choices import choice_number
from bot.channels.zalo.updates import BadUpdate, parse_update
from tests.fakes.zalo_api import event_update, text_update

NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)


def test_a_text_update_becomes_an_incoming_zalo_message_without_reply_to() -> None:
    update = text_update("e4ea2cd5", "1 xong, 2 50%", message_id="m1", date_ms=1700460000000)
    event = parse_update(update, received_at=NOW)
    incoming = event.incoming()
    assert incoming.channel == "zalo"
    assert incoming.chat_id == "e4ea2cd5"
    assert incoming.message_id == "m1"
    assert incoming.text == "1 xong, 2 50%"
    assert incoming.sender_name == "Nguyễn Văn An"
    assert incoming.reply_to_message_id is None
    assert incoming.is_private
    assert incoming.at == datetime(2023, 11, 20, 6, 0, tzinfo=UTC)
    assert incoming.source_id == event.source_id == "zalo:e4ea2cd5:m1"


def test_a_bare_update_is_read_like_a_wrapped_one() -> None:
    wrapped = text_update("c1", "xong", message_id="m2")
    assert parse_update(wrapped["result"], received_at=NOW) == parse_update(
        wrapped, received_at=NOW
    )


def test_a_group_chat_is_not_private() -> None:
    event = parse_update(text_update("g1", "xong", chat_type="GROUP"), received_at=NOW)
    assert not event.is_private


@pytest.mark.parametrize(
    "event_name",
    ["message.image.received", "message.sticker.received", "message.unsupported.received"],
)
def test_other_events_are_not_text(event_name: str) -> None:
    event = parse_update(
        event_update("c1", event_name, photo_url="https://x/p.jpg"), received_at=NOW
    )
    assert not event.is_text
    assert event.chat_id == "c1"


@pytest.mark.parametrize(
    ("message", "expected_at"),
    [
        ({"date": 1700460000}, datetime(2023, 11, 20, 6, 0, tzinfo=UTC)),
        ({"date": "yesterday"}, NOW),
        ({}, NOW),
    ],
)
def test_the_date_is_read_in_seconds_or_milliseconds_else_the_arrival_time(
    message: dict[str, Any], expected_at: datetime
) -> None:
    body = {
        "event_name": "message.text.received",
        "message": {"chat": {"id": "c1"}, "text": "xong", **message},
    }
    assert parse_update(body, received_at=NOW).at == expected_at


def test_the_sender_id_stands_in_when_the_chat_id_is_missing() -> None:
    body = {"event_name": "message.text.received", "message": {"from": {"id": 42}, "text": "x"}}
    assert parse_update(body, received_at=NOW).chat_id == "42"


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "xong",
        {"ok": True, "result": "x"},
        {"event_name": "message.text.received"},
        {"event_name": 5, "message": {}},
        {"event_name": "message.text.received", "message": {"text": "no chat"}},
        {"event_name": "message.text.received", "message": {"chat": {"id": True}}},
    ],
)
def test_unreadable_bodies_are_bad_updates(body: Any) -> None:
    with pytest.raises(BadUpdate):
        parse_update(body, received_at=NOW)


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), (" 2. ", 2), ("3)", 3), ("12", 12), ("2 xong", None), ("xong", None), (None, None)],
)
def test_a_reply_that_is_only_a_number_picks_an_option(
    text: str | None, number: int | None
) -> None:
    assert choice_number(text) == number
