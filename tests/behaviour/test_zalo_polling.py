"""Polling mode against the fake Zalo API: the webhook goes (or polling starts without it),
updates come at least a second apart, errors pass, a failed handling is retried."""

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import App
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.inbound import ZaloInbound
from bot.channels.zalo.polling import ZaloPoller
from bot.channels.zalo.runtime import start_zalo
from bot.http import HttpServer
from bot.settings import load_settings
from services.unit_of_work import Sessions
from tests.fakes.zalo_api import TOKEN, FakeZaloApi, text_update
from views.messages import Incoming

NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)


class RecordingConversation:
    """Records what the adapter hands to the conversation; can fail a number of times first."""

    def __init__(self, *, failures: int = 0) -> None:
        self.received: list[Incoming] = []
        self.failures = failures

    async def handle(self, incoming: Incoming) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database is down")
        self.received.append(incoming)


@pytest.fixture
async def api() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi(long_poll_cap=0.1) as fake:
        yield fake


async def _until(condition: object, timeout: float = 60.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.02)


async def test_polling_removes_the_webhook_then_hands_each_update_on(
    api: FakeZaloApi,
    db_url: str,
    engine: AsyncEngine,
    sessions: Sessions,
) -> None:
    api.webhook_url, api.webhook_secret = "https://old.example/hook", "old-secret"
    conversation = RecordingConversation()
    http = HttpServer(host="127.0.0.1", port=0)
    settings = load_settings(database_url=db_url, zalo_token=TOKEN, zalo_api_base=api.url)
    runtime = await start_zalo(
        App(settings=settings, engine=engine, sessions=sessions, clock=lambda: NOW),
        conversation,
        http,
    )
    try:
        assert runtime.mode == "polling"
        api.push_update(text_update("chat-a", "xong", message_id="p1"))
        api.push_update(text_update("chat-b", "/tasks", message_id="p2"))
        await _until(lambda: len(conversation.received) == 2)
        await _until(lambda: api.calls_to("getUpdates", ok=False))  # an empty poll: 408
    finally:
        await runtime.stop()
    assert [i.text for i in conversation.received] == ["xong", "/tasks"]
    assert api.webhook_url == ""
    first_calls = [c.method for c in api.calls[:2]]
    assert first_calls == ["getMe", "deleteWebhook"]
    # A consumed update may be served again at once: polls start at least a second apart.
    polls = [c.at for c in api.calls_to("getUpdates", ok=None)]
    assert len(polls) >= 3
    assert min(b - a for a, b in itertools.pairwise(polls)) >= 0.9


async def test_polling_starts_even_if_delete_webhook_fails_and_says_so(
    api: FakeZaloApi,
    db_url: str,
    engine: AsyncEngine,
    sessions: Sessions,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api.fail("deleteWebhook", status=403, error_code=403, description="Internal server error")
    conversation = RecordingConversation()
    settings = load_settings(database_url=db_url, zalo_token=TOKEN, zalo_api_base=api.url)
    with caplog.at_level(logging.WARNING, logger="bot.channels.zalo.polling"):
        runtime = await start_zalo(
            App(settings=settings, engine=engine, sessions=sessions, clock=lambda: NOW),
            conversation,
            HttpServer(host="127.0.0.1", port=0),
        )
        try:
            api.push_update(text_update("chat-a", "xong", message_id="p9"))
            await _until(lambda: len(conversation.received) == 1)
        finally:
            await runtime.stop()
    assert [c.method for c in api.calls[:3]] == ["getMe", "deleteWebhook", "getUpdates"]
    assert any("deleteWebhook failed" in r.getMessage() for r in caplog.records)


async def test_polling_survives_api_errors_and_a_failed_handling_is_retried_from_the_store(
    api: FakeZaloApi, sessions: Sessions
) -> None:
    conversation = RecordingConversation(failures=1)
    clock = [NOW]
    inbound = ZaloInbound(
        conversation=conversation, sessions=sessions, clock=lambda: clock[0], default_locale="vi"
    )
    api.fail("getUpdates", times=2, status=502, body="bad gateway")
    api.push_update(text_update("chat-a", "50%", message_id="p3"))
    stop = asyncio.Event()
    async with ZaloClient(token=TOKEN, api_base=api.url) as client:
        poller = ZaloPoller(client=client, inbound=inbound, poll_timeout=1, max_backoff=0.05)
        task = asyncio.create_task(poller.run(stop))
        # The update was consumed and its handling failed: it is kept, not lost.
        await _until(lambda: conversation.failures == 0)
        stop.set()
        await asyncio.wait_for(task, timeout=60)
    assert conversation.received == []
    clock[0] = NOW + timedelta(minutes=1)
    assert await inbound.retry_due() == 1
    assert [i.text for i in conversation.received] == ["50%"]
    assert len(api.calls_to("getUpdates", ok=False)) >= 2
