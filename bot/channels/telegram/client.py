"""The aiogram Bot for Telegram, and what a failed Bot API call means for the dispatcher."""

import logging

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
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
)
from aiogram.methods.base import Response

from bot.channels.base import (
    ChatUnreachable,
    DeliveryError,
    PermanentFailure,
    RetryLater,
    TemporaryFailure,
)
from bot.settings import Settings
from models.enums import Channel

log = logging.getLogger(__name__)

CHANNEL = Channel.TELEGRAM
# What `dondoc run` tells apart when the channel cannot start: a token Telegram refuses, and a
# Bot API it cannot reach.
TOKEN_REFUSED: tuple[type[Exception], ...] = (TelegramUnauthorizedError,)
UNREACHABLE: tuple[type[Exception], ...] = (TelegramNetworkError,)
# aiogram parametrises Response[...] on every call, and pydantic caches parametrised models only
# weakly, so the class is rebuilt (about 15 ms) each time the collector has dropped it: one call
# in a hundred when sending fast. Holding the ones this channel uses keeps them cached.
_RESPONSES = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        SendMessage,
        SendPhoto,
        SendDocument,
        EditMessageText,
        AnswerCallbackQuery,
        GetUpdates,
    )
)


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
        session=AiohttpSession(api=api, timeout=timeout),
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
