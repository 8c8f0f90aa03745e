"""ZaloSender: delivers outbox messages on Zalo and tells the dispatcher what a failure means.

Failures are read by the Zalo Bot Platform's own error table (bot.zaloplatforms.com/docs,
"Bảng mã lỗi"): 400 bad request, 401 invalid token, 403 *Internal server error*, 404 not
found, 408 request timeout, 429 *Quota exceeded*. There is no "blocked by the user" code.
"""

import logging
from datetime import datetime, timedelta

from bot.channels.base import (
    DeliveryError,
    PartialSends,
    PermanentFailure,
    QuotaExhausted,
    TemporaryFailure,
)
from locales import gettext_for
from models.enums import Channel
from services import quotas
from services.chats import reader_locale
from services.clock import Clock, system_clock
from services.unit_of_work import Sessions, transaction
from views.messages import Outgoing

from .client import ZaloApiError, ZaloClient, ZaloError
from .render import PhotoPart, Rendered, render

log = logging.getLogger(__name__)

# How long Zalo sending waits after a 429 (quota exceeded): a quota does not come back in
# seconds, so the first wait is long, and each further refusal doubles it, up to the cap.
QUOTA_BACKOFF = (900.0, 6 * 3600.0)
# Codes the table lists as the server's trouble, retried with backoff like a 5xx.
_SERVER_TROUBLE = (403, 408)


def delivery_error(
    error: ZaloError, *, quota_wait: float = QUOTA_BACKOFF[0], bot: str = "Zalo"
) -> DeliveryError:
    """Map a Zalo failure onto what the dispatcher should do about it, by Zalo's error table.

    429 (quota exceeded) pauses the bot's sending for `quota_wait` seconds without counting
    the attempt. 403 (internal server error), 408, 5xx, transport errors and 401 (the token:
    an operator must fix it, and the messages should wait) are counted temporary failures
    with backoff; the dispatcher gives up after its attempts and tells the coordinators.
    Anything else (400, 404) is the message's own fault.
    """
    if not isinstance(error, ZaloApiError):
        return TemporaryFailure(str(error))
    codes = {error.code, error.status}
    if 429 in codes:
        return QuotaExhausted(str(error), retry_after=quota_wait, bot=bot)
    if 401 in codes:
        log.error(
            "Zalo rejected the token of bot %s (%s); check DONDOC_ZALO_TOKEN", bot, error.method
        )
        return TemporaryFailure(str(error))
    if any(code in _SERVER_TROUBLE or code >= 500 for code in codes):
        return TemporaryFailure(str(error))
    return PermanentFailure(str(error))


class ZaloSender:
    """The ChannelSender for one Zalo bot: text parts and photos by URL, split at 2,000
    characters; its messages are counted against the plan's monthly quota."""

    def __init__(
        self,
        client: ZaloClient,
        *,
        channel: str = Channel.ZALO.value,
        bot: str = "Zalo",
        default_locale: str = "vi",
        sessions: Sessions | None = None,
        clock: Clock = system_clock,
        plan: quotas.PlanLimits | None = None,
        quota_backoff: tuple[float, float] = QUOTA_BACKOFF,
    ) -> None:
        self.channel = channel
        self._client = client
        self._bot = bot
        self._default_locale = default_locale
        self._sessions = sessions
        self._clock = clock
        self._plan = plan
        self._quota_backoff = quota_backoff
        # While Zalo refuses for quota: when the current wait ends, and how long it was.
        self._quota_until: datetime | None = None
        self._quota_wait = 0.0
        self._partial = PartialSends()

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Send every part; return the id of the part that carries the text and reply hint.

        If a part fails, the parts already sent are remembered (in this process) so the
        dispatcher's retry continues where it stopped instead of repeating them. Zalo has no
        command menu, so a menu change is done as soon as it is asked.
        """
        if message.menu is not None:
            return None
        rendered = render(message, _=gettext_for(await self._locale(chat_id, message)))
        digest = _digest(rendered)
        done = self._partial.take(chat_id, digest)
        sent_now = 0
        try:
            for index, part in enumerate(rendered.parts):
                if index in done:
                    continue
                try:
                    if isinstance(part, PhotoPart):
                        sent = await self._client.send_photo(
                            chat_id=chat_id, photo=part.url, caption=part.caption
                        )
                    else:
                        sent = await self._client.send_message(chat_id=chat_id, text=part.text)
                except ZaloError as exc:
                    if done:
                        self._partial.remember(chat_id, digest, done)
                    failure = self._failure(exc)
                    if isinstance(failure, QuotaExhausted):
                        self._note_quota_refusal(failure.retry_after)
                    log.warning(
                        "zalo bot %s: delivery to chat %s failed at part %d/%d: %s",
                        self._bot,
                        chat_id,
                        index + 1,
                        len(rendered.parts),
                        failure,
                    )
                    raise failure from None
                done[index] = sent.message_id
                sent_now += 1
        finally:
            if sent_now:
                await self._sent(sent_now)
        return done.get(rendered.anchor)

    def _failure(self, error: ZaloError) -> DeliveryError:
        return delivery_error(error, quota_wait=self._next_quota_wait(), bot=self._bot)

    def _next_quota_wait(self) -> float:
        """Seconds until the bot's next try, should Zalo refuse for quota now: the first wait,
        doubled each time the wait ended and Zalo still refused, up to the cap. Refusals of
        messages sent together share the same end."""
        now = self._clock()
        if self._quota_until is not None and now < self._quota_until:
            return (self._quota_until - now).total_seconds()
        first, cap = self._quota_backoff
        return min(cap, self._quota_wait * 2) if self._quota_until else first

    def _note_quota_refusal(self, wait: float) -> None:
        now = self._clock()
        if self._quota_until is None or now >= self._quota_until:
            self._quota_wait = wait
            self._quota_until = now + timedelta(seconds=wait)

    async def _sent(self, messages: int) -> None:
        """Count the messages against the plan; after a spent quota, note that it is back."""
        restored, self._quota_until = self._quota_until is not None, None
        if self._sessions is None or (self._plan is None and not restored):
            return
        try:
            async with transaction(self._sessions) as session:
                now: datetime = self._clock()
                if restored and await quotas.quota_restored(
                    session, channel=self.channel, now=now
                ):
                    log.warning("Zalo bot %s sends again: its quota is back", self._bot)
                if self._plan is not None:
                    await quotas.count_sent(
                        session,
                        channel=self.channel,
                        bot=self._bot,
                        messages=messages,
                        limit=self._plan.messages,
                        now=now,
                    )
        except Exception:
            # The message went out: a count that could not be stored must not resend it.
            log.exception("zalo bot %s: could not count %d sent messages", self._bot, messages)

    async def _locale(self, chat_id: str, message: Outgoing) -> str:
        """The reader's language for the lines this channel adds (options, hints, files)."""
        given = message.extra.get("locale")
        if isinstance(given, str):
            return given
        if self._sessions is None:
            return self._default_locale
        async with self._sessions() as session:
            return await reader_locale(
                session, channel=self.channel, chat_id=chat_id, default=self._default_locale
            )


def _digest(rendered: Rendered) -> str:
    return PartialSends.digest(
        f"p:{p.url}:{p.caption or ''}" if isinstance(p, PhotoPart) else f"t:{p.text}"
        for p in rendered.parts
    )
