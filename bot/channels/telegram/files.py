"""Fetching the files people send the bot on Telegram: getFile, then the download.

The Bot API lets bots download files of up to 20 MB (https://core.telegram.org/bots/api#getfile)
and answers getFile for a larger one with "Bad Request: file is too big". The size getFile
announces is checked before anything is downloaded, and the download stops as soon as it
passes the limit, whatever was announced.
"""

import logging

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from handlers.context import FileTooLarge, FileUnavailable

from .client import CHANNEL

log = logging.getLogger(__name__)

# The most the Bot API serves to a bot (getFile).
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024
_CHUNK = 64 * 1024


class TelegramFiles:
    """The conversation's FileSource for Telegram files, through the bot's own session."""

    def __init__(self, bot: Bot, *, timeout: int = 60) -> None:
        self._bot = bot
        self._timeout = timeout

    async def fetch(self, channel: str, file_id: str, *, limit: int) -> bytes:
        """The file's bytes (FileTooLarge over `limit` or 20 MB; FileUnavailable otherwise)."""
        if channel != CHANNEL:
            raise FileUnavailable(f"the {CHANNEL} channel cannot fetch {channel} files")
        limit = min(limit, TELEGRAM_DOWNLOAD_LIMIT)
        try:
            info = await self._bot.get_file(file_id)
        except TelegramBadRequest as error:
            if "too big" in error.message.lower():
                raise FileTooLarge(limit) from error
            raise FileUnavailable(error.message) from error
        except TelegramAPIError as error:
            raise FileUnavailable(str(error)) from error
        if info.file_size is not None and info.file_size > limit:
            raise FileTooLarge(limit)
        if not info.file_path:
            raise FileUnavailable("Telegram gave no path to download the file from")
        return await self._download(info.file_path, limit=limit)

    async def _download(self, path: str, *, limit: int) -> bytes:
        session = self._bot.session
        url = session.api.file_url(self._bot.token, path)
        received = bytearray()
        try:
            async for chunk in session.stream_content(
                url, timeout=self._timeout, chunk_size=_CHUNK, raise_for_status=True
            ):
                received += chunk
                if len(received) > limit:
                    raise FileTooLarge(limit)
        except (aiohttp.ClientError, TimeoutError) as error:
            # Not str(error): an aiohttp error quotes the URL, and the URL holds the token.
            status = getattr(error, "status", None)
            reason = f"{type(error).__name__} {status}" if status else type(error).__name__
            log.info("download of a Telegram file failed: %s", reason)
            raise FileUnavailable(reason) from error
        return bytes(received)
