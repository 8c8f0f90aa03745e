"""Registration, help, language and people management."""

from collections.abc import Sequence

from domain.access import Role
from domain.text import MAX_ID, read_int
from handlers.context import Context
from locales import Translate, gettext_for
from models.tables import Person
from services import queries
from services import registration as registration_service
from services.registration import Outcome
from views.commands import help_text
from views.messages import Outgoing
from views.text import channel_label, moment, role_label


def role_name(role: Role, _: Translate) -> str:
    """A role in words."""
    return role_label(role, _)


def stranger(ctx: Context) -> None:
    """What someone unregistered learns: how to register, nothing else."""
    _ = ctx._
    ctx.reply(
        _(
            "Xin chào! Bạn chưa đăng ký với Đôn Đốc. Hãy gửi /start kèm mã mời mà điều phối "
            "viên đã cấp cho bạn, ví dụ: /start ABCD234567"
        )
    )


async def start(ctx: Context, args: str) -> None:
    """/start [CODE]: register with a code, or greet someone already registered."""
    if not args:
        if ctx.actor is None:
            stranger(ctx)
        else:
            ctx.reply(ctx._("Chào {name}! Gõ /help để xem các lệnh.").format(name=ctx.actor.name))
        return
    await register(ctx, args)


async def register(ctx: Context, args: str) -> None:
    """/register CODE: bind this chat to a new person with the invite's agency and role."""
    _ = ctx._
    code = args.split(" ")[0] if args else ""
    if not code:
        ctx.reply(_("Hãy gửi kèm mã mời, ví dụ: /register ABCD234567"))
        return
    incoming = ctx.incoming
    if not incoming.is_private:
        # A chat several people share is nobody's identity: a code sent here is refused
        # before it is even looked at.
        ctx.reply(_("Xin đăng ký trong tin nhắn riêng với bot, không phải trong nhóm."))
        return
    result = await registration_service.register(
        ctx.session,
        channel=incoming.channel,
        chat_id=incoming.chat_id,
        code=code,
        display_name=incoming.sender_name,
        locale=incoming.language or ctx.config.default_locale,
        now=ctx.now,
        bots=ctx.config.capped_bots,
    )
    tz = ctx.config.tz
    if result.outcome is Outcome.ALREADY_REGISTERED:
        ctx.reply(_("Bạn đã đăng ký rồi. Gõ /whoami để xem thông tin, /help để xem các lệnh."))
    elif result.outcome is Outcome.LOCKED:
        assert result.locked_until is not None
        ctx.reply(
            _("Bạn đã nhập sai mã nhiều lần. Vui lòng thử lại sau {time}.").format(
                time=moment(result.locked_until, locale=ctx.locale, tz=tz)
            )
        )
    elif result.unusable:
        ctx.reply(
            _(
                "Mã mời này không dùng được. Vui lòng kiểm tra lại mã, hoặc xin điều phối viên "
                "một mã mới."
            )
        )
        if result.revoked is not None:
            _tell_of_revoked_attempt(ctx, result.revoked, result.coordinators)
    elif result.outcome is Outcome.BOT_FULL:
        _bot_full(ctx, result, code)
    else:
        _welcome(ctx, result)


def _tell_of_revoked_attempt(
    ctx: Context, revoked: Person, coordinators: Sequence[Person]
) -> None:
    """Someone whose access was taken away tried an old invite again."""
    for coordinator in coordinators:

        def render(_: Translate) -> Outgoing:
            return Outgoing(
                text=_(
                    "⚠️ {name} (#{id}), người đã bị thu hồi quyền, vừa thử đăng ký lại bằng một "
                    "mã mời cũ qua {channel}; đã bị từ chối. Nếu đúng là cần, hãy cấp mã mời mới."
                ).format(
                    name=revoked.name,
                    id=revoked.id,
                    channel=channel_label(ctx.incoming.channel, _),
                )
            )

        ctx.notify(coordinator, render)


def _bot_full(ctx: Context, result: registration_service.RegistrationResult, code: str) -> None:
    """The bot has all the users its Zalo plan allows: say so, and where to go instead."""
    _ = ctx._
    assert result.bot is not None
    full = _(
        "Xin lỗi, bot Zalo này đã đủ {cap} người dùng theo gói của Zalo nên chưa nhận thêm "
        "người; mã mời của bạn vẫn dùng được."
    ).format(cap=result.bot.user_cap)
    if result.elsewhere is not None:
        then = _("Vui lòng tìm bot Zalo «{bot}» và gửi cho bot đó: /start {code}").format(
            bot=result.elsewhere.name, code=code
        )
    else:
        then = _(
            "Vui lòng báo điều phối viên: họ sẽ cấp mã mời dùng Telegram, hoặc thêm một bot "
            "Zalo mới."
        )
    ctx.reply(f"{full} {then}")


def _welcome(ctx: Context, result: registration_service.RegistrationResult) -> None:
    person, agency = result.person, result.agency
    assert person is not None
    ctx.locale = person.locale
    _ = ctx._
    where = agency.name if agency else _("toàn thành phố")
    ctx.reply(
        _(
            "✅ Đăng ký thành công: {name}, {role}, {agency}. Đôn Đốc sẽ nhắc việc trước hạn; "
            "bạn chỉ cần trả lời ngắn như «xong», «50%» hoặc «vướng: lý do». Gõ /help để xem "
            "các lệnh."
        ).format(name=person.name, role=role_name(Role(person.role), _), agency=where)
    )
    ctx.change_menu(role=person.role, locale=person.locale)
    for coordinator in result.coordinators:

        def render(_: Translate) -> Outgoing:
            return Outgoing(
                text=_(
                    "🆕 {name} vừa đăng ký: {role}, {agency} (qua {channel}, mã #{id})."
                ).format(
                    name=person.name,
                    role=role_name(Role(person.role), _),
                    agency=agency.name if agency else _("toàn thành phố"),
                    channel=channel_label(ctx.incoming.channel, _),
                    id=person.id,
                )
            )

        ctx.notify(coordinator, render)


async def show_help(ctx: Context, args: str) -> None:
    """/help."""
    ctx.reply(help_text(ctx.actor.role if ctx.actor else None, ctx._))


async def whoami(ctx: Context, args: str) -> None:
    """/whoami: name, role, agency, channels, language."""
    assert ctx.actor is not None
    _ = ctx._
    profile = await queries.profile(ctx.session, actor=ctx.actor)
    ctx.reply(
        _(
            "👤 {name} (#{id})\nVai trò: {role}\nCơ quan: {agency}\nKênh: {channels}\n"
            "Ngôn ngữ: {language}"
        ).format(
            name=ctx.actor.name,
            id=ctx.actor.person_id,
            role=role_name(ctx.actor.role, _),
            agency=profile.agency.name if profile.agency else _("toàn thành phố"),
            channels=", ".join(profile.channels),
            language=_("Tiếng Việt") if ctx.actor.locale == "vi" else _("Tiếng Anh"),
        )
    )


async def language(ctx: Context, args: str) -> None:
    """/lang vi|en."""
    assert ctx.actor is not None
    choice = args.strip().lower()
    if choice not in ("vi", "en"):
        ctx.reply(ctx._("Chọn ngôn ngữ: /lang vi (Tiếng Việt) hoặc /lang en (English)."))
        return
    ctx.locale = await registration_service.set_locale(
        ctx.session, actor=ctx.actor, locale=choice, now=ctx.now
    )
    ctx.reply(ctx._("Đã chuyển sang tiếng Việt."))
    ctx.change_menu(role=ctx.actor.role.value, locale=ctx.locale)


async def people(ctx: Context, args: str) -> None:
    """/people: everybody registered (coordinators and admins)."""
    assert ctx.actor is not None
    _ = ctx._
    rows = await registration_service.list_people(ctx.session, actor=ctx.actor)
    lines = [_("Người đã đăng ký ({count}):").format(count=len(rows))]
    for row in rows:
        state = "" if row.person.active else " " + _("(đã thu hồi)")
        lines.append(
            f"#{row.person.id} {row.person.name} · {role_name(Role(row.person.role), _)} · "
            f"{row.agency.code if row.agency else '—'}{state}"
        )
    ctx.reply("\n".join(lines))


async def revoke(ctx: Context, args: str) -> None:
    """/revoke ID: a coordinator takes someone's access away."""
    assert ctx.actor is not None
    _ = ctx._
    digits = args.lstrip("#")
    person_id = read_int(digits, high=MAX_ID)
    if person_id is None:
        ctx.reply(_("Cách dùng: /revoke SỐ_NGƯỜI (xem số bằng /people)."))
        return
    try:
        result = await registration_service.revoke(
            ctx.session, actor=ctx.actor, person_id=person_id, now=ctx.now
        )
    except registration_service.UnknownPersonError:
        ctx.reply(_("Không có người mang số #{id}.").format(id=digits))
        return
    except registration_service.SelfRevokeError:
        ctx.reply(_("Bạn không thể tự thu hồi quyền của mình."))
        return
    except registration_service.RevokeRankError:
        ctx.reply(
            _("Chỉ quản trị viên mới thu hồi được quyền của điều phối viên hoặc quản trị viên.")
        )
        return
    except registration_service.LastAdminError:
        ctx.reply(_("Không thể thu hồi quản trị viên cuối cùng."))
        return
    person = result.person
    ctx.reply(_("Đã thu hồi quyền của {name} (#{id}).").format(name=person.name, id=person.id))
    their = gettext_for(person.locale)
    for channel, chat_id in result.chats:
        ctx.farewells.append(
            (
                channel,
                chat_id,
                Outgoing(text=their("Quyền sử dụng Đôn Đốc của bạn đã được thu hồi.")),
            )
        )
        ctx.change_menu(role=None, locale=person.locale, channel=channel, chat_id=chat_id)
