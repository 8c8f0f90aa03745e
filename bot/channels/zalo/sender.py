"""ZaloSender: delivers outbox messages on Zalo and tells the dispatcher what a failure means."""

import logging

from bot.channels.base import (
    ChatUnreachable,
    DeliveryError,
    PartialSends,
    PermanentFailure,
    RetryLater,
    TemporaryFailure,
)
from locales import gettext_for
from models.enums import Channel
from services.chats import reader_locale
from services.unit_of_work import Sessions
from views.messages import Outgoing

from .client import ZaloApiError, ZaloClient, ZaloError
from .render import PhotoPart, Rendered, render

log = logging.getLogger(__name__)

# Zalo's docs list no error codes for limits, so its words are read too.
_RATE_WORDS = ("rate limit", "too many")
_QUOTA_WORDS = ("quota", "hạn mức", "limit exceeded")
# How long to wait after a rate limit that did not say how long.
DEFAULT_RETRY_AFTER = 5.0


def delivery_error(error: ZaloError) -> DeliveryError:
    """Map a Zalo failure onto what the dispatcher should do about it.

    A rate limit (429) pauses the channel and retries without counting the attempt. An
    exhausted quota will not clear in seconds, so it is a counted temporary failure: the
    dispatcher backs off, and when it gives up the coordinators are told, in their
    language, which message did not reach whom.
    """
    if not isinstance(error, ZaloApiError):
        return TemporaryFailure(str(error))
    description = error.description.lower()
    if 429 in (error.code, error.status) or any(w in description for w in _RATE_WORDS):
        return RetryLater(str(error), retry_after=error.retry_after or DEFAULT_RETRY_AFTER)
    if any(word in description for word in _QUOTA_WORDS):
        return TemporaryFailure(str(error))
    if error.status >= 500 or error.code >= 500 or error.code == 408 or error.status == 408:
        return TemporaryFailure(str(error))
    if error.code == 403 or error.status == 403:
        return ChatUnreachable(str(error))
    if error.code == 401 or error.status == 401:
        # The token was rejected: an operator must fix it, and the messages should wait.
        log.error("Zalo rejected the bot token (%s); check DONDOC_ZALO_TOKEN", error.method)
        return TemporaryFailure(str(error))
    return PermanentFailure(str(error))


class ZaloSender:
    """The ChannelSender for Zalo: text parts and photos by URL, split at 2,000 characters."""

    channel = Channel.ZALO

    def __init__(
        self,
        client: ZaloClient,
        *,
        default_locale: str = "vi",
        sessions: Sessions | None = None,
    ) -> None:
        self._client = client
        self._default_locale = default_locale
        self._sessions = sessions
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
                failure = delivery_error(exc)
                log.warning(
                    "zalo delivery to chat %s failed at part %d/%d: %s",
                    chat_id,
                    index + 1,
                    len(rendered.parts),
                    failure,
                )
                raise failure from None
            done[index] = sent.message_id
        return done.get(rendered.anchor)

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
