"""From a Zalo update to the conversation: the same path for webhook and polling.

An update is first stored (services.inbox), then handled: the webhook answers 200 once it
is stored, and a handling that fails is retried from the store, since Zalo documents no
redelivery. Text goes to the conversation; anything else gets a short answer.
"""

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bot.channels.base import ChatLocks, ConversationPort
from bot.channels.choices import chosen, numbered, options
from domain.access import Role
from locales import gettext_for
from services import inbox
from services.chats import answer_once, last_sent, reader_locale, reader_role
from services.clock import Clock
from services.unit_of_work import Sessions
from views.documents import no_files_here
from views.messages import Incoming, Outgoing

from .updates import CHANNEL, UNSUPPORTED_EVENT, BadUpdate, ZaloEvent, parse_update, unwrap

log = logging.getLogger(__name__)

# Message ids remembered to skip a redelivery without touching the store.
_RECENT = 2000
# Longer replies are never a button label typed back.
_LONGEST_LABEL = 64


class ZaloInbound:
    """Stores updates, then turns them into `Incoming` for the conversation; answers what it
    cannot read."""

    def __init__(
        self,
        *,
        conversation: ConversationPort,
        sessions: Sessions,
        clock: Clock,
        default_locale: str,
        channel: str = CHANNEL,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.channel = channel
        self._conversation = conversation
        self._sessions = sessions
        self._clock = clock
        self._default_locale = default_locale
        self._wake = wake
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._chat_locks = ChatLocks()
        self._handling: set[asyncio.Task[None]] = set()

    async def receive(self, body: Any) -> int | None:
        """Store an update (BadUpdate if it is none); its inbox id, None if stored before or
        if there is nothing to handle."""
        body = unwrap(body)
        if _withheld_without_chat(body):
            # A withheld message may come with no sender at all: nobody to answer.
            log.info("zalo %s without a chat: nothing to answer", body.get("event_name"))
            return None
        event = parse_update(body, received_at=self._clock(), channel=self.channel)
        source = event.source_id or f"{self.channel}:{event.chat_id}:{uuid.uuid4().hex}"
        return await inbox.store(
            self._sessions, channel=self.channel, source_id=source, body=body, now=self._clock()
        )

    def handle_soon(self, update_id: int) -> None:
        """Handle a stored update in the background (the webhook has answered already)."""
        task = asyncio.create_task(self.handle(update_id), name=f"zalo-update-{update_id}")
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def settled(self) -> None:
        """Wait until the updates being handled in the background are done."""
        while self._handling:
            await asyncio.gather(*self._handling, return_exceptions=True)

    async def handle(self, update_id: int) -> None:
        """Handle one stored update; a failure is kept for a retry, never raised."""
        update = await inbox.take(self._sessions, update_id=update_id, now=self._clock())
        if update is None:
            return
        try:
            await self.process(update.body)
        except BadUpdate as exc:
            log.warning("zalo sent an unreadable update: %s", exc)
            await inbox.handled(self._sessions, update=update, now=self._clock())
        except Exception as exc:
            log.exception("zalo update %s failed (attempt %d)", update.id, update.attempts)
            await inbox.failed(self._sessions, update=update, error=exc, now=self._clock())
        else:
            await inbox.handled(self._sessions, update=update, now=self._clock())

    async def retry_due(self) -> int:
        """Try again the stored updates whose handling failed (or whose instance died)."""
        due = await inbox.due(self._sessions, channel=self.channel, now=self._clock())
        for update_id in due:
            await self.handle(update_id)
        return len(due)

    async def process(self, body: Any) -> None:
        """Handle one update body; BadUpdate if it is not one. Redeliveries are skipped."""
        event = parse_update(body, received_at=self._clock(), channel=self.channel)
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
                    await self._answer_other(event)
        except BaseException:
            # Not handled after all: let a retry try again.
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
            last = await last_sent(session, channel=self.channel, chat_id=event.chat_id)
        choices = options(last) if last is not None else []
        button = chosen(choices, text, by_number=numbered(choices))
        return event.incoming(button=button.data if button is not None else None)

    async def _answer_other(self, event: ZaloEvent) -> None:
        log.info("zalo %s from chat %s answered in words", event.event_name, event.chat_id)
        async with self._sessions() as session:
            locale = await reader_locale(
                session, channel=self.channel, chat_id=event.chat_id, default=self._default_locale
            )
            role = await reader_role(session, channel=self.channel, chat_id=event.chat_id)
        _ = gettext_for(locale)
        if event.is_unsupported and role is None:
            # Zalo withholds what some accounts send (children's, for one): such an account can
            # never send the text that registers it. A registered person's unsupported message
            # is content Zalo does not pass on (a file, say).
            text = _(
                "Xin lỗi, Zalo không chuyển nội dung tin nhắn của tài khoản này cho Đôn Đốc, "
                "nên bot không đọc được. Vui lòng xin điều phối viên mã mời để dùng Telegram, "
                "hoặc nhờ điều phối viên cập nhật thay bạn."
            )
        else:
            text = _(
                "Xin lỗi, Đôn Đốc chỉ đọc được tin nhắn chữ. Vui lòng gõ câu trả lời, "
                "ví dụ: xong, 50% hoặc vướng <lý do>."
            )
            if role in (Role.COORDINATOR, Role.ADMIN):
                # Zalo delivers no files to bots: a coordinator's plan may be what was sent.
                text += "\n" + no_files_here(_)
        queued = await answer_once(
            self._sessions,
            source_id=event.source_id,
            channel=self.channel,
            chat_id=event.chat_id,
            message=Outgoing(text=text),
            now=self._clock(),
        )
        if queued and self._wake is not None:
            self._wake()


def _withheld_without_chat(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and body.get("event_name") == UNSUPPORTED_EVENT
        and not isinstance(body.get("message"), dict)
    )
