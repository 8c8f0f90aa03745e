"""From a Telegram update to the conversation: messages and button presses become `Incoming`."""

import logging
from datetime import datetime

from aiogram import Dispatcher, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message

from bot.channels.base import ChatLocks, ConversationPort
from services.clock import Clock
from views.messages import Incoming, IncomingFile

from .client import CHANNEL

log = logging.getLogger(__name__)


def incoming_from_message(message: Message, *, at: datetime) -> Incoming:
    """A Telegram message as the conversation sees it."""
    user = message.from_user
    name = user.full_name if user else (message.chat.title or None)
    reply_to = message.reply_to_message
    return Incoming(
        channel=CHANNEL,
        chat_id=str(message.chat.id),
        at=at,
        text=message.text if message.text is not None else message.caption,
        message_id=str(message.message_id),
        sender_name=name,
        reply_to_message_id=str(reply_to.message_id) if reply_to else None,
        language=user.language_code if user else None,
        is_private=message.chat.type == "private",
        file=_file(message),
        sender_id=str(user.id) if user else None,
    )


def _file(message: Message) -> IncomingFile | None:
    """The document or photo a message carries (a photo's largest size), as announced."""
    if message.document is not None:
        document = message.document
        return IncomingFile(
            file_id=document.file_id,
            name=document.file_name,
            size=document.file_size,
            mime_type=document.mime_type,
            kind="document",
        )
    if message.photo:
        largest = max(
            message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
        )
        return IncomingFile(
            file_id=largest.file_id,
            name=None,
            size=largest.file_size,
            mime_type="image/jpeg",
            kind="photo",
        )
    return None


def incoming_from_button(query: CallbackQuery, *, at: datetime) -> Incoming | None:
    """A button press as the conversation sees it (None when it has no chat to answer in)."""
    if query.message is None:
        return None
    chat = query.message.chat
    return Incoming(
        channel=CHANNEL,
        chat_id=str(chat.id),
        at=at,
        # The callback id is unique per press, so a redelivered press is recognised.
        message_id=f"cb{query.id}",
        sender_name=query.from_user.full_name,
        reply_to_message_id=str(query.message.message_id),
        button=query.data,
        language=query.from_user.language_code,
        is_private=chat.type == "private",
        sender_id=str(query.from_user.id),
    )


def setup_router() -> Router:
    """The handlers: every message and every button press goes to the conversation."""
    router = Router(name="telegram")

    @router.message()
    async def on_message(
        message: Message, conversation: ConversationPort, clock: Clock, chat_locks: ChatLocks
    ) -> None:
        incoming = incoming_from_message(message, at=clock())
        async with chat_locks.hold(incoming.chat_id):
            await conversation.handle(incoming)

    @router.callback_query()
    async def on_button(
        query: CallbackQuery, conversation: ConversationPort, clock: Clock, chat_locks: ChatLocks
    ) -> None:
        # Stop the button's spinner at once; the answer itself arrives as a message.
        try:
            await query.answer()
        except TelegramAPIError as exc:
            log.info("could not answer callback query %s: %s", query.id, exc)
        incoming = incoming_from_button(query, at=clock())
        if incoming is None:
            return
        async with chat_locks.hold(incoming.chat_id):
            await conversation.handle(incoming)

    return router


def setup_dispatcher(*, conversation: ConversationPort, clock: Clock) -> Dispatcher:
    """The aiogram Dispatcher production runs and tests drive."""
    dispatcher = Dispatcher(conversation=conversation, clock=clock, chat_locks=ChatLocks())
    dispatcher.include_router(setup_router())
    return dispatcher
