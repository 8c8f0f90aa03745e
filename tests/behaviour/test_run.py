"""`dondoc run` as a whole: channels, dispatcher, scheduler and HTTP server in one process."""

import asyncio
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import ClientSession
from typer.testing import CliRunner

from bot.cli import app
from bot.runtime import serve
from bot.settings import load_settings
from models.migrate import upgrade
from services.file_links import KEY_FILE, FileLinks
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _eventually(check: Callable[[], bool], *, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_run_without_any_token_says_what_to_do(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert runner.invoke(app, ["db", "upgrade"], env={"DONDOC_DATABASE_URL": url}).exit_code == 0
    result = runner.invoke(app, ["run"], env={"DONDOC_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "DONDOC_TELEGRAM_TOKEN" in result.stderr and "dondoc demo" in result.stderr
    assert "Traceback" not in result.output


def test_run_before_the_database_exists_says_what_to_do(tmp_path: Path) -> None:
    env = {
        "DONDOC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'none.db'}",
        "DONDOC_TELEGRAM_TOKEN": DEFAULT_TOKEN,
    }
    result = runner.invoke(app, ["run"], env=env)
    assert result.exit_code == 1
    assert "dondoc db upgrade" in result.stderr


async def test_the_service_answers_a_stranger_on_telegram_its_health_check_and_file_links(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    await asyncio.to_thread(upgrade, url)
    port = _free_port()
    async with FakeTelegramAPI() as api:
        settings = load_settings(
            _env_file=None,
            database_url=url,
            telegram_token=DEFAULT_TOKEN,
            telegram_api_base=api.base_url,
            http_port=port,
            data_dir=str(tmp_path / "data"),
            public_files_url="https://dondoc.example.gov.vn/files",
        )
        stop = asyncio.Event()
        service = asyncio.create_task(serve(settings, stop=stop))
        try:
            await _eventually(lambda: bool(api.calls_of("deleteWebhook")))
            async with (
                ClientSession() as client,
                client.get(f"http://127.0.0.1:{port}/healthz") as health,
            ):
                assert health.status == 200
                # The summaries' links (signed with the data directory's key) are served.
                chart = tmp_path / "data" / "weekly-2023-W47-all-vi.png"
                chart.write_bytes(b"\x89PNG")
                link = FileLinks.of(chart.parent, base_url=f"http://127.0.0.1:{port}/files")
                async with client.get(link.url(chart.name, now=datetime.now(UTC))) as served:
                    assert (served.status, await served.read()) == (200, b"\x89PNG")
                async with client.get(f"http://127.0.0.1:{port}/files/{chart.name}") as bare:
                    assert bare.status == 403
            api.push_update(api.message_update(777, "xin chào"))
            await _eventually(lambda: bool(api.texts_to(777)))
            answer = api.texts_to(777)[0]
            # A stranger learns how to register, and nothing else.
            assert "/start" in answer or "mã mời" in answer.lower()
            assert api.calls_of("setMyCommands")
        finally:
            stop.set()
            await asyncio.wait_for(service, timeout=120)
    assert service.exception() is None


def test_a_link_key_others_can_read_stops_the_start_with_one_clear_line(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert runner.invoke(app, ["db", "upgrade"], env={"DONDOC_DATABASE_URL": url}).exit_code == 0
    data = tmp_path / "data"
    data.mkdir()
    (data / KEY_FILE).write_text("ab" * 32)
    (data / KEY_FILE).chmod(0o644)
    env = {
        "DONDOC_DATABASE_URL": url,
        "DONDOC_TELEGRAM_TOKEN": DEFAULT_TOKEN,
        "DONDOC_DATA_DIR": str(data),
        "DONDOC_PUBLIC_FILES_URL": "https://dondoc.example.gov.vn/files",
        "DONDOC_HTTP_PORT": str(_free_port()),
    }
    result = runner.invoke(app, ["run"], env=env)
    assert result.exit_code == 1, result.output
    assert "chmod 600" in result.stderr and "khoá ký liên kết" in result.stderr
    assert "Traceback" not in result.output


def test_a_token_telegram_refuses_is_one_clear_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert runner.invoke(app, ["db", "upgrade"], env={"DONDOC_DATABASE_URL": url}).exit_code == 0

    async def fake_api_base() -> tuple[FakeTelegramAPI, str]:
        api = await FakeTelegramAPI().start()
        return api, api.base_url

    loop = asyncio.new_event_loop()
    try:
        api, base = loop.run_until_complete(fake_api_base())
        env = {
            "DONDOC_DATABASE_URL": url,
            "DONDOC_TELEGRAM_TOKEN": "123:not-the-right-token",
            "DONDOC_TELEGRAM_API_BASE": base,
            "DONDOC_HTTP_PORT": str(_free_port()),
        }
        result = loop.run_until_complete(asyncio.to_thread(runner.invoke, app, ["run"], env=env))
        loop.run_until_complete(api.stop())
    finally:
        loop.close()
    assert result.exit_code == 1, result.output
    assert "DONDOC_TELEGRAM_TOKEN" in result.stderr
    assert "not-the-right-token" not in result.output
