"""Files sent to the bot: a Telegram document or photo reaches the conversation as plain data,
and its content is fetched (getFile, then the download) through real aiogram against the fake
Bot API, within the size a bot may download.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from aiogram import Bot
from aiogram.types import Message

from bot.bootstrap import ChannelFiles
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.files import TELEGRAM_DOWNLOAD_LIMIT, TelegramFiles
from bot.channels.telegram.inbound import incoming_from_message, setup_dispatcher
from bot.channels.telegram.runtime import TelegramRuntime
from bot.settings import load_settings
from handlers.context import FileTooLarge, FileUnavailable
from tests.builders import NOW
from tests.fakes.clock import FakeClock
from tests.fakes.conversation import RecordingConversation
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from views.messages import IncomingFile

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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


async def eventually(check: Callable[[], bool], *, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def _file_id(update: dict[str, object]) -> str:
    message = update["message"]
    assert isinstance(message, dict)
    return str(message["document"]["file_id"])


async def test_a_document_reaches_the_conversation_with_what_telegram_announced(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    conversation = RecordingConversation()
    runtime = TelegramRuntime(
        bot=bot,
        dispatcher=setup_dispatcher(conversation=conversation, clock=FakeClock(NOW)),
        polling_timeout=1,
    )
    await runtime.start()
    try:
        update = api.document_update(
            501, b"KE HOACH", file_name="ke-hoach.docx", mime_type=DOCX, caption="Kế hoạch mới"
        )
        api.push_update(update)
        await eventually(lambda: bool(conversation.received))
    finally:
        await runtime.stop()
    [incoming] = conversation.received
    assert incoming.text == "Kế hoạch mới"
    assert incoming.file == IncomingFile(
        file_id=_file_id(update), name="ke-hoach.docx", size=8, mime_type=DOCX, kind="document"
    )


async def test_a_text_message_carries_no_file(api: FakeTelegramAPI, bot: Bot) -> None:
    conversation = RecordingConversation()
    runtime = TelegramRuntime(
        bot=bot,
        dispatcher=setup_dispatcher(conversation=conversation, clock=FakeClock(NOW)),
        polling_timeout=1,
    )
    await runtime.start()
    try:
        api.push_update(api.message_update(501, "xong"))
        await eventually(lambda: bool(conversation.received))
    finally:
        await runtime.stop()
    assert conversation.received[0].file is None


async def test_a_file_is_fetched_whole_through_get_file_and_the_download_path(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    content = bytes(range(256)) * 1000
    update = api.document_update(501, content, file_name="plan.xlsx")

    fetched = await TelegramFiles(bot).fetch("telegram", _file_id(update), limit=1_000_000)

    assert fetched == content
    assert [c.method for c in api.calls] == ["getFile"]
    assert len(api.downloads) == 1


async def test_a_file_announced_over_the_limit_is_refused_before_any_download(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    update = api.document_update(501, b"x" * 5000, file_name="plan.docx")

    with pytest.raises(FileTooLarge) as refused:
        await TelegramFiles(bot).fetch("telegram", _file_id(update), limit=4000)

    assert refused.value.limit == 4000
    assert api.downloads == []


async def test_a_file_over_twenty_megabytes_is_refused_as_telegram_refuses_it(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    update = api.document_update(501, None, file_name="scan.docx", size=25 * 1024 * 1024)

    with pytest.raises(FileTooLarge) as refused:
        await TelegramFiles(bot).fetch("telegram", _file_id(update), limit=100 * 1024 * 1024)

    assert refused.value.limit == TELEGRAM_DOWNLOAD_LIMIT
    [get_file] = api.calls_of("getFile")
    assert get_file.status == 400
    assert api.downloads == []


async def test_a_download_longer_than_announced_stops_at_the_limit(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    update = api.document_update(501, b"y" * 300_000, file_name="plan.txt", size=10)

    with pytest.raises(FileTooLarge):
        await TelegramFiles(bot).fetch("telegram", _file_id(update), limit=100_000)


async def test_an_unknown_file_is_unavailable_with_telegrams_reason(bot: Bot) -> None:
    with pytest.raises(FileUnavailable) as missing:
        await TelegramFiles(bot).fetch("telegram", "no-such-file", limit=1000)

    assert "invalid file_id" in missing.value.reason


async def test_files_are_fetched_by_the_channel_they_came_from_and_only_there(
    api: FakeTelegramAPI, bot: Bot
) -> None:
    update = api.document_update(501, b"abc", file_name="a.txt")

    class Sender:
        """A channel runtime that cannot fetch files (the console, Zalo)."""

    files = ChannelFiles(
        {
            "telegram": TelegramRuntime(
                bot=bot,
                dispatcher=setup_dispatcher(
                    conversation=RecordingConversation(), clock=FakeClock(NOW)
                ),
            ),
            "zalo": Sender(),
        }
    )

    assert await files.fetch("telegram", _file_id(update), limit=1000) == b"abc"
    with pytest.raises(FileUnavailable):
        await files.fetch("zalo", "whatever", limit=1000)
    with pytest.raises(FileUnavailable):
        await files.fetch("console", "whatever", limit=1000)


def test_a_photo_is_its_largest_size() -> None:
    sizes = [
        {"file_id": f"p{w}", "file_unique_id": f"u{w}", "width": w, "height": w, "file_size": w}
        for w in (90, 1280, 320)
    ]
    message = Message.model_validate(
        {
            "message_id": 7,
            "date": 0,
            "chat": {"id": 501, "type": "private"},
            "from": {"id": 501, "is_bot": False, "first_name": "Lan"},
            "photo": sizes,
        }
    )

    incoming = incoming_from_message(message, at=datetime(2026, 1, 5, tzinfo=UTC))

    assert incoming.file == IncomingFile(
        file_id="p1280", name=None, size=1280, mime_type="image/jpeg", kind="photo"
    )
    assert incoming.text is None
