"""The aiogram Bot for Telegram, and what a failed Bot API call means for the dispatcher."""

import logging
from typing import Any, ClassVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import Response, TelegramMethod, TelegramType

from bot.channels.base import (
    ChatUnreachable,
    DeliveryError,
    PermanentFailure,
    RetryLater,
    TemporaryFailure,
)
from bot.settings import Settings
from models.enums import Channel

from .loading import build_models_in

log = logging.getLogger(__name__)

CHANNEL = Channel.TELEGRAM
# What `dondoc run` tells apart when the channel cannot start: a token Telegram refuses, and a
# Bot API it cannot reach.
TOKEN_REFUSED: tuple[type[Exception], ...] = (TelegramUnauthorizedError,)
UNREACHABLE: tuple[type[Exception], ...] = (TelegramNetworkError,)


class _Session(AiohttpSession):
    """aiogram's HTTP session, holding on to each response model it has made.

    aiogram parametrises Response[...] on every call, and pydantic caches parametrised models
    only weakly, so the class is rebuilt (about 15 ms) each time the collector has dropped
    it: one call in a hundred when sending fast. Each is made, and then kept, at the first
    call that answers with it, not at import: its types are built then (bot.channels.telegram
    .loading).
    """

    _responses: ClassVar[dict[object, type[Response[Any]]]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._responses:
            build_models_in(returning)
            self._responses[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


def make_bot(settings: Settings, *, timeout: float = 30.0) -> Bot:
    """The aiogram Bot for the configured token, pointed at DONDOC_TELEGRAM_API_BASE if set."""
    if settings.telegram_token is None:
        raise ValueError("DONDOC_TELEGRAM_TOKEN is not set")
    api = (
        TelegramAPIServer.from_base(settings.telegram_api_base)
        if settings.telegram_api_base
        else PRODUCTION
    )
    return Bot(
        token=settings.telegram_token.get_secret_value(),
        session=_Session(api=api, timeout=timeout),
    )


def delivery_error(error: BaseException, *, token: str = "") -> DeliveryError:
    """What a failed Bot API call means for the dispatcher (the token is never repeated)."""
    text = f"{type(error).__name__}: {error}"
    if token:
        text = text.replace(token, "<token>")
    if isinstance(error, TelegramRetryAfter):
        return RetryLater(text, retry_after=float(error.retry_after))
    if isinstance(error, TelegramForbiddenError):
        return ChatUnreachable(text)
    if isinstance(error, TelegramBadRequest) and "chat not found" in error.message.lower():
        return ChatUnreachable(text)
    if isinstance(error, TelegramEntityTooLarge | TelegramMigrateToChat):
        return PermanentFailure(text)
    if isinstance(error, TelegramBadRequest | TelegramNotFound):
        return PermanentFailure(text)
    if isinstance(error, TelegramUnauthorizedError):
        log.error("Telegram rejected the bot token; check DONDOC_TELEGRAM_TOKEN")
        return TemporaryFailure(text)
    if isinstance(error, FileNotFoundError | IsADirectoryError | PermissionError):
        return PermanentFailure(text)
    # 5xx, network errors, timeouts, undecodable answers, 409 and anything unforeseen.
    return TemporaryFailure(text)
