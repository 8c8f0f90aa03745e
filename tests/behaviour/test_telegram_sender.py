"""TelegramSender through the real aiogram client against the local fake Bot API."""

import html
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot

from bot.channels.base import ChatUnreachable, PermanentFailure, RetryLater, TemporaryFailure
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.menus import menu_for
from bot.channels.telegram.render import TEXT_LIMIT, utf16_len
from bot.channels.telegram.sender import TelegramSender
from bot.settings import load_settings
from domain.access import Role
from domain.text import split_text, utf16_units
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from views.messages import Attachment, Button, MenuChange, Outgoing


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as server:
        yield server


@pytest.fixture
async def bot(api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    settings = load_settings(
        _env_file=None, telegram_token=DEFAULT_TOKEN, telegram_api_base=api.base_url
    )
    client = make_bot(settings, timeout=2)
    yield client
    await client.session.close()


async def test_text_is_sent_as_escaped_html_so_user_markup_stays_plain_text(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    text = 'Ghi nhận: <b>xong</b> <script>alert("x")</script> & <a href="x">link</a>'
    provider_id = await TelegramSender(bot).send("501", Outgoing(text=text))
    [call] = api.delivered()
    assert call.params["parse_mode"] == "HTML"
    assert call.text == (
        'Ghi nhận: &lt;b&gt;xong&lt;/b&gt; &lt;script&gt;alert("x")&lt;/script&gt; &amp; '
        '&lt;a href="x"&gt;link&lt;/a&gt;'
    )
    assert provider_id == str(call.message_id)


async def test_buttons_become_an_inline_keyboard_with_their_callback_data(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    message = Outgoing(
        text="Nhắc việc #57",
        buttons=(
            (Button("✅ Xong", "s|d|57||"), Button("🔄 Đang làm", "s|p|57||")),
            (Button("⏰ Nhắc lại sau", "s|z|57||"),),
        ),
        reply_hint="Trả lời: xong · 50% · vướng <lý do>",
    )
    await TelegramSender(bot).send("501", message)
    [call] = api.delivered()
    assert call.buttons == [
        [
            {"text": "✅ Xong", "callback_data": "s|d|57||"},
            {"text": "🔄 Đang làm", "callback_data": "s|p|57||"},
        ],
        [{"text": "⏰ Nhắc lại sau", "callback_data": "s|z|57||"}],
    ]
    assert call.text == "Nhắc việc #57\n\nTrả lời: xong · 50% · vướng &lt;lý do&gt;"


async def test_a_long_message_is_split_at_line_ends_with_the_buttons_on_its_last_part(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    lines = [f"#{n} Nhiệm vụ số {n}: triển khai chuyển đổi số <cấp xã>" for n in range(400)]
    message = Outgoing(
        text="\n".join(lines),
        buttons=((Button("Trang sau ▶", "page|2"),),),
        reply_to_message_id="77",
    )
    provider_id = await TelegramSender(bot).send("501", message)
    calls = api.delivered()
    assert len(calls) == len(split_text(message.text, limit=TEXT_LIMIT, units=utf16_units)) > 1
    # The limit holds for the text as Telegram reads it (entities decoded).
    assert all(utf16_len(html.unescape(c.text or "")) <= TEXT_LIMIT for c in calls)
    received = "\n".join(html.unescape(c.text or "") for c in calls)
    assert received.split("\n") == lines
    assert [bool(c.buttons) for c in calls] == [False] * (len(calls) - 1) + [True]
    assert provider_id == str(calls[-1].message_id)
    replies = [c.params.get("reply_parameters", {}).get("message_id") for c in calls]
    assert replies == [77] + [None] * (len(calls) - 1)


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("một\n\nhai", 100, ["một\n\nhai"]),
        ("aaaa bbbb\ncccc dddd", 12, ["aaaa bbbb", "cccc dddd"]),
        ("đoạn một dài\n\nđoạn hai\ndòng", 20, ["đoạn một dài", "đoạn hai\ndòng"]),
        ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
        ("😀" * 6, 4, ["😀😀", "😀😀", "😀😀"]),
    ],
)
def test_split_text_prefers_paragraphs_then_lines_then_words_and_counts_utf16(
    text: str, limit: int, parts: list[str]
) -> None:
    assert split_text(text, limit=limit, units=utf16_units) == parts


async def test_attachments_go_as_photo_and_document_with_escaped_captions(
    api: FakeTelegramAPI, bot: Bot, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG fake")
    sheet = tmp_path / "bao-cao.xlsx"
    sheet.write_bytes(b"PK fake")
    message = Outgoing(
        text="Báo cáo tuần",
        attachments=(
            Attachment(kind="photo", path=str(chart), caption="Tiến độ <tuần 47>"),
            Attachment(kind="document", path=str(sheet), caption="Chi tiết"),
        ),
        buttons=((Button("Xem quá hạn", "overdue|1"),),),
    )
    provider_id = await TelegramSender(bot).send("501", message)
    text, photo, document = api.delivered()
    assert (text.method, photo.method, document.method) == (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
    )
    assert photo.text == "Tiến độ &lt;tuần 47&gt;"
    assert photo.files == {"photo": ("chart.png", 9)}
    assert document.files == {"document": ("bao-cao.xlsx", 7)}
    assert text.buttons and not photo.buttons
    assert provider_id == str(text.message_id)


async def test_an_attachment_here_is_uploaded_even_with_a_public_link(
    api: FakeTelegramAPI, bot: Bot, tmp_path: Path
) -> None:
    # Telegram fetches documents by URL only for GIF, PDF and ZIP; the link is for Zalo.
    sheet = tmp_path / "bao-cao.xlsx"
    sheet.write_bytes(b"PK fake")
    link = "https://dondoc.example.gov.vn/files/bao-cao.xlsx?e=1&s=ab"
    message = Outgoing(
        text="",
        attachments=(Attachment(kind="document", path=str(sheet), public_url=link),),
    )
    await TelegramSender(bot).send("501", message)
    [document] = api.delivered()
    assert document.files == {"document": ("bao-cao.xlsx", 7)}
    # Where the file is not (another machine), the link goes instead.
    sheet.unlink()
    await TelegramSender(bot).send("502", message)
    [_, by_link] = api.delivered()
    assert (by_link.files, by_link.params["document"]) == ({}, link)


async def test_a_missing_attachment_file_is_a_permanent_failure(bot: Bot) -> None:
    message = Outgoing(text="", attachments=(Attachment(kind="photo", path="/nowhere/x.png"),))
    with pytest.raises(PermanentFailure):
        await TelegramSender(bot).send("501", message)


async def test_an_edit_changes_the_earlier_message_in_place(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    message = Outgoing(text="Trang 2", edit_message_id="42", buttons=((Button("◀", "page|1"),),))
    assert await TelegramSender(bot).send("501", message) == "42"
    [call] = api.delivered()
    assert (call.method, call.params["message_id"], call.text) == (
        "editMessageText",
        "42",
        "Trang 2",
    )


async def test_an_empty_message_is_refused_without_calling_telegram(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    with pytest.raises(PermanentFailure):
        await TelegramSender(bot).send("501", Outgoing(text="   "))
    assert api.calls == []


async def test_each_kind_of_refusal_maps_onto_what_the_dispatcher_should_do(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    sender = TelegramSender(bot)
    api.fail_calls([1], status=429, retry_after=7)
    with pytest.raises(RetryLater) as limited:
        await sender.send("501", Outgoing(text="một"))
    assert limited.value.retry_after == 7
    api.fail_calls([2], status=502)
    with pytest.raises(TemporaryFailure):
        await sender.send("501", Outgoing(text="hai"))
    api.fail_calls([3], status=400)
    with pytest.raises(PermanentFailure):
        await sender.send("501", Outgoing(text="ba"))
    api.block("666")
    with pytest.raises(ChatUnreachable):
        await sender.send("666", Outgoing(text="bốn"))


async def test_a_slow_api_is_a_temporary_failure(api: FakeTelegramAPI, bot: Bot) -> None:
    api.slow_down(3.0, methods=["sendMessage"])
    with pytest.raises(TemporaryFailure) as failure:
        await TelegramSender(bot).send("501", Outgoing(text="chậm"))
    assert "timeout" in str(failure.value).lower()


async def test_a_wrong_token_never_shows_in_the_error(api: FakeTelegramAPI) -> None:
    secret = "999:very-secret-token"
    settings = load_settings(_env_file=None, telegram_token=secret, telegram_api_base=api.base_url)
    bot = make_bot(settings, timeout=2)
    try:
        with pytest.raises(TemporaryFailure) as failure:
            await TelegramSender(bot).send("501", Outgoing(text="x"))
    finally:
        await bot.session.close()
    assert "very-secret" not in str(failure.value)


async def test_a_retry_after_a_partial_send_continues_with_the_parts_not_yet_sent(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    sender = TelegramSender(bot)
    message = Outgoing(text="\n".join(f"dòng {n} " + "x" * 80 for n in range(120)))
    api.fail_calls([3], status=429, retry_after=1)
    with pytest.raises(RetryLater):
        await sender.send("501", message)
    await sender.send("501", message)
    texts = api.texts_to("501")
    assert len(texts) == 3
    assert "\n".join(texts).split("\n") == message.text.split("\n")


async def test_a_menu_change_sets_the_chats_command_menu_and_sends_no_message(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    sender = TelegramSender(bot)
    change = MenuChange(role="coordinator", locale="en")
    assert await sender.send("501", Outgoing.menu_change(change)) is None
    assert api.delivered() == []
    scope = {"type": "chat", "chat_id": 501}
    menu = api.commands[(json.dumps(scope, sort_keys=True), "")]
    assert [entry["command"] for entry in menu] == [
        command.command for command in menu_for(Role.COORDINATOR, "en")
    ]
    assert "overdue" in [entry["command"] for entry in menu]

    assert await sender.send("501", Outgoing.menu_change(MenuChange(None, "en"))) is None
    [reset] = api.calls_of("deleteMyCommands")
    assert reset.params["scope"] == scope
