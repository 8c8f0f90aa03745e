"""The notices coordinators get when someone stops receiving messages (see `services.delivery`).

Each is written in the reading coordinator's language; the undelivered message's channel is
named as people know it.
"""

from locales import N_, gettext_for
from models.enums import Channel
from views.messages import Outgoing

_BLOCKED_NOTICE = N_(
    "⚠️ {who} đã chặn bot hoặc rời cuộc trò chuyện trên {channel} nên không nhận được tin nhắn "
    "nữa. Người này đã được chuyển sang trạng thái ngừng hoạt động; vui lòng liên hệ trực tiếp "
    "để đăng ký lại."
)
_GAVE_UP_NOTICE = N_(
    "⚠️ Không gửi được tin nhắn cho {who} trên {channel} sau {attempts} lần thử. Vui lòng "
    "liên hệ trực tiếp."
)
_REFUSED_NOTICE = N_(
    "⚠️ {channel} từ chối tin nhắn gửi {who}, tin này sẽ không được gửi lại. Vui lòng liên hệ "
    "trực tiếp."
)
_EXCERPT = N_("Nội dung: {text}")


def blocked_notice(*, who: str, channel: str, locale: str) -> Outgoing:
    """`who` blocked the bot or left the chat, and was made inactive."""
    return _notice(_BLOCKED_NOTICE, who=who, channel=channel, locale=locale)


def gave_up_notice(
    *, who: str, channel: str, attempts: int, excerpt: str, locale: str
) -> Outgoing:
    """A message to `who` was given up on after `attempts` attempts; `excerpt` is its start."""
    return _notice(
        _GAVE_UP_NOTICE,
        who=who,
        channel=channel,
        attempts=attempts,
        excerpt=excerpt,
        locale=locale,
    )


def refused_notice(*, who: str, channel: str, excerpt: str, locale: str) -> Outgoing:
    """The channel refused a message to `who` for good; `excerpt` is its start."""
    return _notice(_REFUSED_NOTICE, who=who, channel=channel, excerpt=excerpt, locale=locale)


def _notice(
    template: str, *, who: str, channel: str, locale: str, attempts: int = 0, excerpt: str = ""
) -> Outgoing:
    _ = gettext_for(locale)
    text = _(template).format(who=who, channel=_channel_name(channel), attempts=attempts)
    if excerpt:
        text += "\n" + _(_EXCERPT).format(text=excerpt)
    return Outgoing(text=text)


def _channel_name(channel: str) -> str:
    names: dict[str, str] = {Channel.TELEGRAM: "Telegram", Channel.ZALO: "Zalo"}
    return names.get(channel, channel)
