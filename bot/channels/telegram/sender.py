"""TelegramSender: delivers outbox messages on Telegram, in parts, with their buttons."""

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
)
from aiogram.methods import SendMessage
from aiogram.types import BotCommandScopeChat, FSInputFile, ReplyParameters
from aiohttp import ClientError, ClientTimeout

from bot.channels.base import PartialSends, PermanentFailure
from domain.access import Role
from views.messages import MenuChange, Outgoing

from .client import CHANNEL, delivery_error
from .menus import menu_for
from .render import Part, attachment_part, keyboard, keyboard_rows, text_parts

log = logging.getLogger(__name__)

_JSON_BODY = {"Content-Type": "application/json"}


class TelegramSender:
    """The ChannelSender for Telegram."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        if not isinstance(bot.session, AiohttpSession):
            raise TypeError("TelegramSender needs a bot on aiogram's AiohttpSession (make_bot)")
        self._bot = bot
        self._session = bot.session
        self._partial = PartialSends()

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Send every part; return the id of the part that carries the buttons.

        When a later part fails, the parts already sent are remembered (in this process) so the
        dispatcher's retry continues where it stopped instead of repeating them. A menu change
        sets the chat's command menu and returns no id.
        """
        try:
            if (change := message.menu) is not None:
                await self._change_menu(chat_id, change)
                return None
            if message.edit_message_id is not None:
                edited = await self._edit(chat_id, message)
                if edited is not None:
                    return edited
            parts, anchor = self._parts(message)
        except (TelegramAPIError, ClientDecodeError, ClientError, OSError) as exc:
            raise delivery_error(exc, token=self._bot.token) from None
        # Only a message of several parts can be partly sent (most have one: skip the digest).
        digest = _digest(parts) if len(parts) > 1 else None
        done = self._partial.take(chat_id, digest) if digest else {}
        for index, part in enumerate(parts):
            if index in done:
                continue
            try:
                done[index] = await self._send_part(chat_id, part, message, first=index == 0)
            except (TelegramAPIError, ClientDecodeError, ClientError, OSError) as exc:
                if digest and done:
                    self._partial.remember(chat_id, digest, done)
                failure = delivery_error(exc, token=self._bot.token)
                log.warning(
                    "telegram delivery to chat %s failed at part %d/%d: %s",
                    chat_id,
                    index + 1,
                    len(parts),
                    failure,
                )
                raise failure from None
        return done[anchor]

    async def _change_menu(self, chat_id: str, change: MenuChange) -> None:
        if not chat_id.lstrip("-").isdigit():
            return  # not a Telegram chat id (a test or console chat): nothing to change
        scope = BotCommandScopeChat(chat_id=int(chat_id))
        if change.role is None:
            await self._bot.delete_my_commands(scope=scope)
        else:
            await self._bot.set_my_commands(
                menu_for(Role(change.role), change.locale), scope=scope
            )

    @staticmethod
    def _parts(message: Outgoing) -> tuple[list[Part], int]:
        """The calls for a message, and which one carries the buttons (the last text part)."""
        texts = [Part("text", body) for body in text_parts(message)]
        parts = texts + [attachment_part(attachment) for attachment in message.attachments]
        if not parts:
            raise PermanentFailure("an empty message cannot be sent")
        anchor = len(texts) - 1 if texts else len(parts) - 1
        if any(message.buttons):
            kept = parts[anchor]
            parts[anchor] = Part(kept.kind, kept.body, kept.path, message.buttons)
        return parts, anchor

    async def _send_part(self, chat_id: str, part: Part, message: Outgoing, *, first: bool) -> str:
        replying = first and message.reply_to_message_id and message.reply_to_message_id.isdigit()
        if part.kind == "text":
            params: dict[str, Any] = {
                "chat_id": chat_id,
                "text": part.body or "",
                "parse_mode": "HTML",
            }
            if part.buttons:
                params["reply_markup"] = {"inline_keyboard": keyboard_rows(part.buttons)}
            if replying:
                params["reply_parameters"] = {
                    "message_id": int(message.reply_to_message_id or ""),
                    "allow_sending_without_reply": True,
                }
            return await self._send_text(params)
        reply = (
            ReplyParameters(
                message_id=int(message.reply_to_message_id or ""),
                allow_sending_without_reply=True,
            )
            if replying
            else None
        )
        if part.kind == "photo":
            sent = await self._bot.send_photo(
                chat_id=chat_id,
                photo=_input_file(part.path or ""),
                caption=part.body,
                parse_mode="HTML",
                reply_markup=keyboard(part.buttons),
                reply_parameters=reply,
            )
        else:
            sent = await self._bot.send_document(
                chat_id=chat_id,
                document=_input_file(part.path or ""),
                caption=part.body,
                parse_mode="HTML",
                reply_markup=keyboard(part.buttons),
                reply_parameters=reply,
            )
        return str(sent.message_id)

    async def _send_text(self, params: dict[str, Any]) -> str:
        """sendMessage with a JSON body through the bot's own HTTP session; the message id.

        Nearly every outbox row is one text message, and `bot.send_message` spends more CPU than
        the request itself: it validates a model of the call, form-encodes it field by field and
        validates the whole Message Telegram returns, of which only the id is kept (together
        about 0.3 ms a message, a third of a core at 1,000 messages a second). Any answer but a
        plain success is read by aiogram's own `check_response`, so failures raise the same
        exceptions, with the same meaning, as every other call.
        """
        session = self._session
        client = await session.create_session()
        url = session.api.api_url(token=self._bot.token, method="sendMessage")
        body = json.dumps(params, ensure_ascii=False).encode()
        try:
            async with client.post(
                url,
                data=body,
                headers=_JSON_BODY,
                timeout=ClientTimeout(total=session.timeout),
            ) as response:
                status, content = response.status, await response.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(
                method=SendMessage.model_validate(params), message="Request timeout error"
            ) from exc
        except ClientError as exc:
            raise TelegramNetworkError(
                method=SendMessage.model_validate(params), message=f"{type(exc).__name__}: {exc}"
            ) from exc
        if status == 200:
            try:
                return str(json.loads(content)["result"]["message_id"])
            except (ValueError, LookupError, TypeError):
                pass
        # Raises for anything but a success (an undecodable answer included).
        answer = session.check_response(
            bot=self._bot,
            method=SendMessage.model_validate(params),
            status_code=status,
            content=content,
        )
        if answer.result is None:
            raise ClientDecodeError("no message in the answer", ValueError(), content)
        return str(answer.result.message_id)

    async def _edit(self, chat_id: str, message: Outgoing) -> str | None:
        """Edit the earlier message in place; None when it must be sent anew instead."""
        target = message.edit_message_id or ""
        parts = text_parts(message)
        if not target.isdigit() or len(parts) != 1 or message.attachments:
            return None
        try:
            await self._bot.edit_message_text(
                chat_id=chat_id,
                message_id=int(target),
                text=parts[0],
                parse_mode="HTML",
                reply_markup=keyboard(message.buttons),
            )
        except TelegramBadRequest as exc:
            reason = exc.message.lower()
            if "message is not modified" in reason:
                return target
            if "message to edit not found" in reason or "can't be edited" in reason:
                log.info("message %s in chat %s cannot be edited; sending anew", target, chat_id)
                return None
            raise
        return target


def _input_file(location: str) -> FSInputFile | str:
    if location.startswith(("http://", "https://")):
        return location
    path = Path(location)
    if not path.is_file():
        raise FileNotFoundError(f"attachment {path.name} is missing")
    return FSInputFile(path)


def _digest(parts: Iterable[Part]) -> str:
    return PartialSends.digest(f"{p.kind}:{p.path or ''}:{p.body or ''}" for p in parts)
