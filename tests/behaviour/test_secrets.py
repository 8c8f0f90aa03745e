"""No secret leaves the process: `dondoc run` against a Bot API that breaks in every way a
network can, the whole output searched for the token."""

import asyncio
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot import redaction
from bot.settings import load_settings
from models.migrate import upgrade
from tests.fakes.broken_bot_api import BrokenBotAPI

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "987654:AAH-leaked-token_4f2b9c1d7e8a6b5c3d2e1f0"
SECRET_PART = TOKEN.split(":", 1)[1]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store ready for `dondoc run`, copied by each test."""
    path = tmp_path_factory.mktemp("store") / "store.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


async def _run_against(api: BrokenBotAPI, store: Path, tmp_path: Path, *, until: int) -> str:
    """`python -m bot run` against `api` until it exits or polled `until` times; its output."""
    shutil.copy(store, tmp_path / "store.db")
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")},
        "PYTHONPATH": str(ROOT),
        "DONDOC_DATABASE_URL": url,
        "DONDOC_TELEGRAM_TOKEN": TOKEN,
        "DONDOC_TELEGRAM_API_BASE": api.base_url,
        "DONDOC_HTTP_PORT": "0",
        "DONDOC_DATA_DIR": str(tmp_path / "data"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--verbose",
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    for _ in range(2400):  # two minutes at most, however slow the machine
        if process.returncode is not None or api.count("getUpdates") >= until:
            break
        await asyncio.sleep(0.05)
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    output, _ = await process.communicate()
    return output.decode("utf-8", "replace")


# Timeouts are left out: aiogram's timeout error names no URL, and waiting for one takes a
# minute (the "stall" mode of the fake shows it by hand).
@pytest.mark.parametrize(
    ("phase", "mode"),
    [
        ("start-up", "garbage"),
        ("start-up", "redirect"),
        ("start-up", "tls"),
        ("polling", "garbage"),
        ("polling", "redirect"),
        ("polling", "tls"),
        ("polling", "hangup"),
    ],
)
async def test_item16_the_token_is_in_no_log_line_however_the_bot_api_breaks(
    migrated: Path, tmp_path: Path, mode: str, phase: str
) -> None:
    async with BrokenBotAPI(mode, only_get_updates=phase == "polling") as api:
        # Two failed polls: a redirect loop is eleven calls (aiohttp follows ten redirects).
        output = await _run_against(api, migrated, tmp_path, until=23 if mode == "redirect" else 2)
    assert api.calls, output
    if phase == "polling":
        assert output.count("getUpdates failed") >= 2, output[-2000:]
    else:
        # One line saying what failed, not a traceback.
        assert "Traceback" not in output, output[-2000:]
        assert "Không kết nối được Telegram Bot API khi khởi động" in output, output[-2000:]
    assert SECRET_PART not in output


def test_item16_settings_register_every_secret_they_read() -> None:
    settings = load_settings(
        _env_file=None,
        database_url="postgresql://dondoc:pa%24%24word-42@db.example/dondoc",
        telegram_token="111222:telegram-secret-value",
        telegram_webhook_secret="hook-secret-value",
        zalo_token="333:zalo-one-secret,444:zalo-two-secret",
        zalo_webhook_secret="zalo-hook-secret",
    )
    text = " ".join(
        [
            "telegram-secret-value hook-secret-value zalo-one-secret zalo-two-secret",
            "zalo-hook-secret pa$$word-42 pa%24%24word-42",
            str(settings.database_url),
        ]
    )
    scrubbed = redaction.redact(text)
    for secret in ("secret-value", "zalo-one", "zalo-two", "zalo-hook", "word-42"):
        assert secret not in scrubbed


def test_item16_a_logged_traceback_and_its_message_are_scrubbed() -> None:
    redaction.keep_secret("s3cr3t-database-password")
    redaction.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.secrets")
    logger.addHandler(handler)
    try:
        try:
            raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
        except ConnectionError:
            logger.exception("start failed with %s", "s3cr3t-database-password")
    finally:
        logger.removeHandler(handler)
    logged = stream.getvalue()
    assert "ConnectionError" in logged and "start failed with ***" in logged
    assert SECRET_PART not in logged and "s3cr3t" not in logged
