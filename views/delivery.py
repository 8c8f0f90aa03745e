"""The notices coordinators get when someone stops receiving messages (see `services.delivery`).

Each is written in the reading coordinator's language; the undelivered message's channel is
named as people know it.
"""

from locales import N_, gettext_for
from views.messages import Outgoing
from views.text import channel_label

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
    text = _(template).format(who=who, channel=channel_label(channel, _), attempts=attempts)
    if excerpt:
        text += "\n" + _(_EXCERPT).format(text=excerpt)
    return Outgoing(text=text)


def quota_spent_notice(*, bot: str, locale: str) -> Outgoing:
    """Zalo refused to send for quota (429): sending on that bot waits and resumes by itself."""
    _ = gettext_for(locale)
    return Outgoing(
        text=_(
            "⛔ Zalo báo bot {bot} đã dùng hết hạn mức gửi tin của gói (Quota exceeded). "
            "Đôn Đốc tạm dừng gửi qua bot này và tự thử lại sau; tin nhắn được giữ lại, không "
            "mất. Nếu cần gấp: nâng gói trong Zalo Bot Creator, hoặc mời cán bộ qua Telegram."
        ).format(bot=bot)
    )


def messages_nearly_used_notice(*, bot: str, messages: int, limit: int, locale: str) -> Outgoing:
    """A bot has used 80% of its monthly messages."""
    _ = gettext_for(locale)
    return Outgoing(
        text=_(
            "⚠️ Bot Zalo {bot} đã gửi {messages}/{limit} tin nhắn của tháng này theo gói của "
            "Zalo. Khi hết hạn mức, tin qua bot này phải chờ sang tháng; hãy cân nhắc nâng gói "
            "hoặc chuyển bớt người sang Telegram hay một bot Zalo khác."
        ).format(bot=bot, messages=messages, limit=limit)
    )


def users_nearly_full_notice(*, bot: str, users: int, cap: int, locale: str) -> Outgoing:
    """A bot has 80% of the users its plan allows."""
    _ = gettext_for(locale)
    return Outgoing(
        text=_(
            "⚠️ Bot Zalo {bot} đã có {users}/{cap} người dùng theo gói của Zalo. Khi đủ "
            "{cap}, người mới không đăng ký được qua bot này: hãy chuẩn bị thêm một bot Zalo "
            "(DONDOC_ZALO_TOKEN nhận nhiều token) hoặc mời qua Telegram."
        ).format(bot=bot, users=users, cap=cap)
    )
