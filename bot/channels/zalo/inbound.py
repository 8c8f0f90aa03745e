"""From a Zalo update to the conversation: the same path for webhook and polling."""

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bot.channels.base import ChatLocks, ConversationPort
from bot.channels.choices import chosen, numbered, options
from domain.access import Role
from locales import gettext_for
from services.chats import answer_once, last_sent, reader_locale, reader_role
from services.clock import Clock
from services.unit_of_work import Sessions
from views.documents import no_files_here
from views.messages import Incoming, Outgoing

from .updates import CHANNEL, ZaloEvent, parse_update

log = logging.getLogger(__name__)

# Message ids remembered to skip a redelivery without touching the store.
_RECENT = 2000
# Longer replies are never a button label typed back.
_LONGEST_LABEL = 64


class ZaloInbound:
    """Turns updates into `Incoming` for the conversation; answers what it cannot read."""

    def __init__(
        self,
        *,
        conversation: ConversationPort,
        sessions: Sessions,
        clock: Clock,
        default_locale: str,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._conversation = conversation
        self._sessions = sessions
        self._clock = clock
        self._default_locale = default_locale
        self._wake = wake
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._chat_locks = ChatLocks()

    async def process(self, body: Any) -> None:
        """Handle one update body; BadUpdate if it is not one. Redeliveries are skipped."""
        event = parse_update(body, received_at=self._clock())
        key = event.source_id
        if key is not None:
            if key in self._recent:
                log.info("zalo update %s delivered again; skipped", key)
                return
            self._recent[key] = None
            while len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
        try:
            # One chat's messages are handled one at a time, in the order they came.
            async with self._chat_locks.hold(event.chat_id):
                if event.is_text:
                    await self._conversation.handle(await self._incoming(event))
                else:
                    await self._text_only(event)
        except BaseException:
            # Not handled after all: let a redelivery try again.
            if key is not None:
                self._recent.pop(key, None)
            raise

    async def _incoming(self, event: ZaloEvent) -> Incoming:
        text = event.text or ""
        if not text.strip() or len(text) > _LONGEST_LABEL:
            return event.incoming()
        # The last message sent to the chat says what "2" means, even when another instance
        # sent it: nothing about the options shown is kept in memory.
        async with self._sessions() as session:
            last = await last_sent(session, channel=CHANNEL, chat_id=event.chat_id)
        choices = options(last) if last is not None else []
        button = chosen(choices, text, by_number=numbered(choices))
        return event.incoming(button=button.data if button is not None else None)

    async def _text_only(self, event: ZaloEvent) -> None:
        log.info("zalo %s from chat %s answered with 'text only'", event.event_name, event.chat_id)
        async with self._sessions() as session:
            locale = await reader_locale(
                session, channel=CHANNEL, chat_id=event.chat_id, default=self._default_locale
            )
            role = await reader_role(session, channel=CHANNEL, chat_id=event.chat_id)
        _ = gettext_for(locale)
        text = _(
            "Xin lỗi, Đôn Đốc chỉ đọc được tin nhắn chữ. Vui lòng gõ câu trả lời, "
            "ví dụ: xong, 50% hoặc vướng <lý do>."
        )
        if role in (Role.COORDINATOR, Role.ADMIN):
            # Zalo delivers no files to bots: a coordinator's plan may be what was sent.
            text += "\n" + no_files_here(_)
        message = Outgoing(text=text)
        queued = await answer_once(
            self._sessions,
            source_id=event.source_id,
            channel=CHANNEL,
            chat_id=event.chat_id,
            message=message,
            now=self._clock(),
        )
        if queued and self._wake is not None:
            self._wake()
